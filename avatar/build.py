"""Builders that place a speech on a Timeline: from a script through TTS, or from a recorded file."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from avatar import audio as audio_mod
from avatar.audio import VOICE_RATE_HZ
from avatar.errors import AvatarError, TTSError, UsageError
from avatar.lipsync.track import MouthTrack
from avatar.script import Expression, Pause, Script, Sentence, Slide, parse_script, decode_script_bytes
from avatar.timeline import AudioClip, CaptionItem, Mark, MouthItem, Timeline
from avatar.tts import Voice
from avatar.tts.base import Speech, WordTiming, caption_only

log = logging.getLogger("avatar")

LEAD_IN_S = 0.3            # silence before the first word
PARAGRAPH_GAP_S = 0.35     # extra breath between paragraphs (espeak already ends sentences with a pause)
MAX_CLIP_S = 8.0           # recorded audio is cut into clips this long at most, at quiet points
# After this many sentences in a row fail, the voice is not asked again for this speech: an engine
# that hangs costs its timeout per sentence, and the rest of the speech should not wait for it.
MAX_FAILURES_IN_A_ROW = 3


@dataclass(frozen=True)
class BuildOptions:
    lead_in_s: float = LEAD_IN_S
    paragraph_gap_s: float = PARAGRAPH_GAP_S
    # One translation per sentence, in order (avatar.bilingual); None: the one the script names, if any.
    translations: tuple[str, ...] | None = None


def _with_translations(script: Script, options: BuildOptions) -> BuildOptions:
    if options.translations is not None:
        return options
    from avatar.bilingual import translation_for

    found = translation_for(script)
    return replace(options, translations=found.sentences if found else ())


def _analyze(speech: Speech) -> MouthTrack:
    from avatar.lipsync import track_from_speech

    return track_from_speech(speech)


def place_speech(timeline: Timeline, speech: Speech, start_s: float, *,
                 emphasis: tuple[tuple[int, int], ...] = (), silent: bool = False,
                 translation: str = "") -> float:
    """Put one utterance on the timeline at `start_s`; returns its end time."""
    end_s = start_s + speech.duration_s
    words = tuple(WordTiming(w.text, w.start_s + start_s, w.end_s + start_s, w.char_start, w.char_end)
                  for w in speech.words)
    if not silent:
        timeline.add_clip(AudioClip(start_s, speech.audio))
        timeline.add_mouth(MouthItem(start_s, _analyze(speech)))
    timeline.add_caption(CaptionItem(start_s, end_s, speech.text, words, silent=silent, translation=translation))
    for a, b in emphasis:
        hit = [w for w in words if w.char_end > a and w.char_start < b]
        if hit:
            timeline.add_emphasis(hit[0].start_s, hit[-1].end_s)
    return end_s


def build_script_timeline(script: Script, voice: Voice, *, options: BuildOptions = BuildOptions(),
                          timeline: Timeline | None = None) -> Timeline:
    """Synthesise and place every segment in order (call from a thread to play while building).

    A sentence the voice fails on is still shown as a caption with a silent mouth; the cause is
    logged once and kept in `timeline.failures`.
    """
    tl = timeline or Timeline(title=script.meta.title, speaker=script.meta.speaker, role=script.meta.role)
    options = _with_translations(script, options)
    translations = iter(options.translations or ())
    t = options.lead_in_s
    last_paragraph: int | None = None
    logged = False
    in_a_row = 0
    try:
        for seg in script.segments:
            if isinstance(seg, Pause):
                t += seg.duration_s
                tl.extend_to(t)
            elif isinstance(seg, (Slide, Expression)):
                # a change written before the first sentence holds from the first frame
                when = t if last_paragraph is not None else 0.0
                if isinstance(seg, Slide):
                    tl.add_mark(Mark(when, "slide", seg.path))
                else:
                    tl.add_mark(Mark(when, "expression", seg.name))
            elif isinstance(seg, Sentence):
                if last_paragraph is not None and seg.paragraph != last_paragraph:
                    t += options.paragraph_gap_s
                last_paragraph = seg.paragraph
                translation = next(translations, "")
                silent = False
                try:
                    if in_a_row >= MAX_FAILURES_IN_A_ROW:
                        raise TTSError("the voice was given up after it failed "
                                       f"{MAX_FAILURES_IN_A_ROW} sentences in a row")
                    # said as the script's [pronounce] list says; timings come back on the written words
                    speech = script.meta.pronounce.say(seg.text, voice.synthesize)
                    in_a_row = 0
                except TTSError as exc:
                    if not logged:
                        log.warning("the voice failed (%s); sentences it cannot speak are shown as "
                                    "captions only", exc)
                        logged = True
                    in_a_row += 1
                    tl.failures.append(f"line {seg.line}: {exc}")
                    speech, silent = caption_only(seg.text, tl.rate_hz, tail_s=0.3), True
                if speech.audio.rate_hz != tl.rate_hz:
                    speech = Speech(speech.text, speech.audio.resampled(tl.rate_hz), speech.words,
                                    speech.phonemes, speech.engine)
                start = t
                t = place_speech(tl, speech, start, emphasis=seg.emphasis, silent=silent, translation=translation)
                for offset, change in seg.marks:
                    when = next((w.start_s for w in speech.words if w.char_start >= offset),
                                speech.duration_s) + start
                    if isinstance(change, Slide):
                        tl.add_mark(Mark(when, "slide", change.path))
                    else:
                        tl.add_mark(Mark(when, "expression", change.name))
                tl.ready.set()
        tl.extend_to(t + 0.5)
    finally:
        tl.finish()
    return tl


def start_script_timeline(script: Script, voice: Voice, options: BuildOptions = BuildOptions()
                          ) -> tuple[Timeline, threading.Thread]:
    """Build in a background thread; the timeline's `ready` event fires once the first sentence is in."""
    tl = Timeline(title=script.meta.title, speaker=script.meta.speaker, role=script.meta.role)
    options = _with_translations(script, options)  # a bad translation is reported before the show starts
    from avatar.textseg import warm_up

    warm_up(" ".join(s.text for s in script.sentences))  # Chinese words are found before frames are drawn
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build_script_timeline(script, voice, options=options, timeline=tl)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the timeline
            log.error("building the speech stopped: %s", exc if isinstance(exc, AvatarError)
                      else f"unexpected {type(exc).__name__}: {exc}")
            errors.append(exc)
            tl.failures.append(str(exc))
            tl.finish()

    th = threading.Thread(target=run, name="avatar-build", daemon=True)
    th.start()
    return tl, th


def quiet_cut_points(audio: audio_mod.Audio, max_clip_s: float = MAX_CLIP_S) -> list[int]:
    """Sample indices where a long recording can be cut into clips: the quietest 10 ms near each limit."""
    n = len(audio.samples)
    hop = max(1, audio.rate_hz // 100)
    max_len = int(max_clip_s * audio.rate_hz)
    cuts = [0]
    while n - cuts[-1] > max_len:
        lo = cuts[-1] + max_len // 2
        hi = cuts[-1] + max_len
        seg = audio.samples[lo:hi]
        frames = len(seg) // hop
        if frames < 1:
            cuts.append(hi)
            continue
        energy = np.square(seg[: frames * hop].reshape(frames, hop)).mean(axis=1)
        cuts.append(lo + int(np.argmin(energy)) * hop)
    cuts.append(n)
    return cuts


def read_transcript(path: str | Path) -> list[tuple[int, int, str]]:
    """A transcript file (plain text or a speech script) as sentence spans of its joined spoken text."""
    tpath = Path(path)
    if not tpath.is_file():
        raise UsageError(f"transcript not found: {tpath} (give a text file with what is said)")
    return _sentence_spans(decode_script_bytes(tpath.read_bytes(), str(tpath)))


def transcript_text(spans: list[tuple[int, int, str]]) -> str:
    """What a transcript says, as one text (the sentences joined by spaces)."""
    return " ".join(s[2] for s in spans)


def _sentence_spans(text: str) -> list[tuple[int, int, str]]:
    """Sentences of a transcript as (char_start, char_end, text) in the joined spoken text."""
    script = parse_script(text)
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for s in script.sentences:
        spans.append((pos, pos + len(s.text), s.text))
        pos += len(s.text) + 1
    return spans


def build_audio_timeline(path: str | Path, *, transcript: str | Path | None = None,
                         voice: Voice | None = None, title: str = "", speaker: str = "",
                         role: str = "", rate_hz: int = VOICE_RATE_HZ) -> Timeline:
    """A recorded speech: mouth from its audio, or from the transcript's phonemes aligned to it."""
    rec = audio_mod.load(path, rate_hz)
    if rec.duration_s < 0.05:
        raise UsageError(f"{path} holds almost no audio ({rec.duration_s * 1000:.0f} ms); give a longer recording")
    tl = Timeline(rate_hz=rate_hz, title=title, speaker=speaker, role=role)
    cuts = quiet_cut_points(rec)
    for a, b in zip(cuts, cuts[1:]):
        tl.add_clip(AudioClip(a / rate_hz, audio_mod.Audio(rec.samples[a:b], rate_hz)))
    if transcript is None:
        from avatar.lipsync import track_from_audio

        tl.add_mouth(MouthItem(0.0, track_from_audio(rec)))
    else:
        spans = read_transcript(transcript)
        joined = transcript_text(spans)
        if voice is None:
            from avatar.tts import get_engine

            voice = Voice(get_engine())
        from avatar.lipsync import align_transcript, track_from_speech

        aligned = align_transcript(rec, voice.synthesize(joined))
        tl.add_mouth(MouthItem(0.0, track_from_speech(aligned)))
        for c0, c1, text in spans:
            words = tuple(WordTiming(w.text, w.start_s, w.end_s, w.char_start - c0, w.char_end - c0)
                          for w in aligned.words if c0 <= w.char_start < c1)
            if words:
                tl.add_caption(CaptionItem(words[0].start_s, words[-1].end_s, text, words))
    tl.extend_to(rec.duration_s)
    tl.finish()
    return tl
