"""Phoneme and word times of neural audio, from the model's per-id sample counts (or, failing those, by DTW)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Sequence

import numpy as np

from avatar.audio import Audio
from avatar.lipsync.phonemes import is_pause, normalise
from avatar.tts.base import PhonemeTiming, Speech, WordTiming
from avatar.tts.catalog import NEURAL_ENGINE
from avatar.tts.espeak_lib import Espeak
from avatar.tts.piper_plan import WORD_GAP, Unit
from avatar.tts.pyttsx3_engine import speech_from_events, whole_words


def speech_from_units(text: str, audio: Audio, sentences: Sequence[Sequence[Unit]],
                      samples: Sequence[np.ndarray | None], espeak: Espeak, voice: str) -> Speech:
    """The Speech of `audio`, made sentence by sentence from `sentences` with `samples[i]` per id."""
    if any(s is None for s in samples):
        return _aligned(text, audio, espeak, voice)
    rate = float(audio.rate_hz)
    phonemes: list[PhonemeTiming] = []
    offset = 0
    for sentence, per_id in zip(sentences, samples):
        k = 0
        for unit in sentence:
            n = int(per_id[k:k + len(unit.ids)].sum())  # type: ignore[index]
            k += len(unit.ids)
            start_s, end_s = offset / rate, (offset + n) / rate
            offset += n
            if unit.symbol == WORD_GAP and phonemes:
                # The short joint between two words belongs to the sound before it, not to a pause.
                last = phonemes[-1]
                phonemes[-1] = PhonemeTiming(last.symbol, last.start_s, end_s)
                continue
            phonemes.append(PhonemeTiming(unit.symbol or "_", start_s, end_s))
    words = place_words(text, phonemes, espeak.synth_events(text, voice).events)
    return Speech(text, audio, words, tuple(phonemes), engine=NEURAL_ENGINE)


def place_words(text: str, phonemes: Sequence[PhonemeTiming], events: Sequence[tuple]) -> tuple[WordTiming, ...]:
    """Written words timed by their phonemes: espeak-ng's events say which phonemes each word has;
    the two phoneme sequences (same phonemiser) are matched in order."""
    spans: list[tuple[int, int]] = []
    ref: list[tuple[str, int]] = []
    for e in events:
        if e[0] == "w":
            c0 = max(0, min(len(text), int(e[2]) - 1))
            spans.append((c0, max(c0, min(len(text), c0 + int(e[3])))))
        elif e[0] == "ph" and spans and not is_pause(e[2]):
            ref.append((normalise(e[2]), len(spans) - 1))
    ours = [(i, normalise(p.symbol)) for i, p in enumerate(phonemes) if not is_pause(p.symbol)]
    if not ours or not ref:
        return ()
    owner: list[int | None] = [None] * len(ours)
    matcher = SequenceMatcher(None, [s for _, s in ours], [s for s, _ in ref], autojunk=False)
    for a, b, n in matcher.get_matching_blocks():
        for k in range(n):
            owner[a + k] = ref[b + k][1]
    # A phoneme that matched nothing belongs to the word of the matched phoneme before it (or after it).
    first = next((o for o in owner if o is not None), 0)
    last = first
    for k, o in enumerate(owner):
        owner[k] = last = o if o is not None else last
    times: dict[int, tuple[float, float]] = {}
    for (i, _), w in zip(ours, owner):
        p = phonemes[i]
        s, e = times.get(w, (p.start_s, p.end_s))  # type: ignore[arg-type]
        times[w] = (min(s, p.start_s), max(e, p.end_s))  # type: ignore[index]
    words = [WordTiming(text[spans[w][0]:spans[w][1]], s, e, *spans[w]) for w, (s, e) in sorted(times.items())]
    return whole_words(text, _share_joined_words(text, words))


def _share_joined_words(text: str, words: list[WordTiming]) -> list[WordTiming]:
    """espeak-ng says some word pairs as one ("of the"): it reports the first only. Written words that
    fall between one reported word and the next share its time, split by their lengths in letters."""
    written = [(m.start(), m.end()) for m in re.finditer(r"[^\s\"'“”‘’()\[\]{},.;:!?…]+", text)
               if any(ch.isalnum() for ch in m.group(0))]  # a lone dash is not a word
    out: list[WordTiming] = []
    for k, w in enumerate(words):
        nxt = words[k + 1].char_start if k + 1 < len(words) else len(text)
        riders = [(a, b) for a, b in written if w.char_end <= a < nxt and not w.char_start <= a < w.char_end]
        if not riders or any(o.char_start <= a < o.char_end for o in words for a, _ in riders):
            out.append(w)
            continue
        parts = [(w.char_start, w.char_end), *riders]
        total = sum(b - a for a, b in parts)
        t = w.start_s
        for a, b in parts:
            end = t + (w.end_s - w.start_s) * (b - a) / total
            out.append(WordTiming(text[a:b], t, end, a, b))
            t = end
    return out


def _aligned(text: str, audio: Audio, espeak: Espeak, voice: str) -> Speech:
    """Fallback for a model without durations: espeak-ng's rendition warped onto the neural audio."""
    from dataclasses import replace

    from avatar.lipsync.align import align_transcript

    ev = espeak.synth_events(text, voice)
    ref_audio = Audio(np.frombuffer(ev.pcm, np.int16).astype(np.float32) / 32768.0, ev.rate_hz)
    reference = speech_from_events(text, ref_audio, ev.events, "espeak")
    aligned = align_transcript(audio, reference)
    return replace(aligned, words=whole_words(text, _share_joined_words(text, list(aligned.words))),
                   engine=NEURAL_ENGINE)
