"""Figure: aligning a transcript to a long recording (20 minutes by default), in x real time."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from avatar.audio import Audio
from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure
from avatar.tts.base import Speech

PARAGRAPHS = (
    "Good afternoon, and welcome to the annual meeting of members. We will review the year and present the accounts.",
    "Peter bought the maps, and Bob sold his boat. We will meet again at noon, near the old mill by the river.",
    "Our city has built a digital economy that serves every citizen, from small shops to the largest factories.",
    "Questions are welcome at the end. Please keep them short, so that as many of you as possible can ask one.",
)


def joined(parts: list[Speech], gap_s: float = 0.5) -> Speech:
    """The speeches one after another with a pause between: a long speech, cheaply."""
    rate = parts[0].audio.rate_hz
    gap = np.zeros(int(gap_s * rate), np.float32)
    audio, words, phonemes, texts = [], [], [], []
    t_s, chars = 0.0, 0
    for p in parts:
        s = p.shifted(t_s)
        words += [replace(w, char_start=w.char_start + chars, char_end=w.char_end + chars) for w in s.words]
        phonemes += list(s.phonemes)
        audio += [p.audio.samples, gap]
        texts.append(p.text)
        t_s += p.duration_s + gap_s
        chars += len(p.text) + 1
    return Speech(" ".join(texts), Audio(np.concatenate(audio), rate), tuple(words), tuple(phonemes), parts[0].engine)


def long_pair(minutes: float) -> tuple[Speech, Speech]:
    """(reference, recording): the same paragraphs in one shuffled order (a speech does not repeat itself
    in a cycle), read by en-us at 175 wpm and by another, slower voice."""
    from avatar.tts import synthesize
    from avatar.tts.base import VoiceSettings

    refs = [synthesize(p, VoiceSettings(voice="gmw/en-us", rate_wpm=175)) for p in PARAGRAPHS]
    said = [synthesize(p, VoiceSettings(voice="gmw/en", rate_wpm=140)) for p in PARAGRAPHS]
    mean_s = float(np.mean([s.duration_s + 0.5 for s in said]))
    order = np.random.default_rng(0).integers(0, len(PARAGRAPHS), max(1, int(round(minutes * 60 / mean_s))))
    return joined([refs[k] for k in order]), joined([said[k] for k in order])


def measure(ctx: BenchContext) -> list[Figure]:
    from avatar.lipsync import align_transcript

    reference, spoken = long_pair(0.5 if ctx.quick else 20.0)
    ctx.log(f"align: {spoken.duration_s / 60:.1f} min recording, {len(reference.words)} words, 1 run")
    start = time.perf_counter()
    aligned = align_transcript(spoken.audio, reference)
    elapsed = time.perf_counter() - start
    errors = np.abs(np.array([a.start_s - b.start_s for a, b in zip(aligned.words, spoken.words)]))
    return [Figure("align_long_x_realtime", "transcript alignment of a long recording", "x",
                   (spoken.duration_s / max(elapsed, 1e-9),), Budget(20.0, higher_is_better=True),
                   notes=f"align_transcript of {spoken.duration_s / 60:.1f} min (espeak-ng en at 140 wpm) to its "
                         f"transcript (en-us at 175 wpm); word starts off by {1000 * np.median(errors):.0f} ms "
                         f"median, {1000 * errors.max():.0f} ms worst; synthesis not timed",
                   comparable=not ctx.quick,
                   extra={"audio_s": spoken.duration_s, "word_error_median_s": float(np.median(errors)),
                          "word_error_max_s": float(errors.max())})]
