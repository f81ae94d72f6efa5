"""Transcript alignment on awkward real-world recordings: a sentence skipped or added, music or applause
before and after, background noise, a different and slower voice. Captions still land on the words said."""

from __future__ import annotations

import numpy as np
import pytest

from avatar.audio import Audio
from avatar.lipsync import align_transcript
from avatar.lipsync.dtw import dtw_path
from avatar.tts import synthesize
from avatar.tts.base import Speech, VoiceSettings

S1 = "The quick brown fox jumps over the lazy dog."
S2 = "Peter bought my maps, and Bob sold his boat."
S3 = "We will meet again at noon, near the old mill by the river."
RATE_NOTE = "the recording is read more slowly, by another voice, than the reference"


def _music(seconds: float, rate: int, seed: int) -> np.ndarray:
    """A loud pulsing chord with hiss: a jingle, or applause-like noise over it."""
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6, 440.0)) * 0.05
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 2.0 * t))
    x = x + 0.03 * np.random.default_rng(seed).standard_normal(len(t))
    return x.astype(np.float32)


def _recording(said: list[str], before_s: float, after_s: float, noise: float = 0.0
               ) -> tuple[Audio, Speech, float]:
    spoken = synthesize(" ".join(said), VoiceSettings(voice="gmw/en", rate_wpm=130))
    rate = spoken.audio.rate_hz
    gap = np.zeros(int(0.4 * rate), np.float32)
    x = np.concatenate([_music(before_s, rate, 1), gap, 0.5 * spoken.audio.samples, gap, _music(after_s, rate, 2)])
    if noise:
        x = x + noise * np.random.default_rng(3).standard_normal(len(x)).astype(np.float32)
    return Audio(x, rate), spoken, before_s + 0.4


def _word_errors(aligned: Speech, spoken: Speech, offset_s: float, sentences: list[str]) -> list[tuple[str, float]]:
    """For every word said, |aligned start - true start| (words matched in order, sentence by sentence)."""
    errors: list[tuple[str, float]] = []
    said = list(spoken.words)
    text = aligned.text
    for sentence in sentences:
        s0 = text.index(sentence)
        mine = [w for w in aligned.words if s0 <= w.char_start < s0 + len(sentence)]
        truth = [w for w in said if w.text in {m.text for m in mine}][:len(mine)]
        for m, t in zip(mine, truth):
            errors.append((m.text, abs(m.start_s - (t.start_s + offset_s))))
        said = said[len(mine):]
    return errors


@pytest.fixture(scope="module")
def reference_all() -> Speech:
    return synthesize(" ".join([S1, S2, S3]), VoiceSettings(voice="gmw/en-us", rate_wpm=175))


@pytest.mark.parametrize("before_s, after_s, noise", [(0.0, 0.0, 0.0), (0.0, 0.0, 0.01)], ids=["plain", "noise"])
def test_a_skipped_sentence_does_not_shift_what_follows(reference_all: Speech, before_s: float, after_s: float,
                                                        noise: float) -> None:
    """The transcript has S2, the speaker skipped it: S1 and S3 still land on the words said."""
    recording, spoken, offset = _recording([S1, S3], before_s, after_s, noise)
    aligned = align_transcript(recording, reference_all)
    errors = _word_errors(aligned, spoken, offset, [S1])
    s3 = [w for w in aligned.words if w.char_start >= aligned.text.index(S3)]
    s3_truth = spoken.words[-len(s3):]
    errors += [(w.text, abs(w.start_s - (t.start_s + offset))) for w, t in zip(s3, s3_truth)]
    worst = max(e for _, e in errors)
    assert worst < (0.2 if noise else 0.15), errors  # with noise the word after the gap is up to 0.2 s early
    # The skipped sentence's words sit between S1 and S3, squeezed, never after S3 has begun.
    s2 = [w for w in aligned.words if aligned.text.index(S2) <= w.char_start < aligned.text.index(S3)]
    assert all(w.start_s <= s3[0].start_s for w in s2)


def test_an_added_sentence_does_not_shift_what_follows() -> None:
    """The speaker added S2, the transcript lacks it: S3 still lands on its words."""
    recording, spoken, offset = _recording([S1, S2, S3], 2.0, 1.0)
    reference = synthesize(" ".join([S1, S3]), VoiceSettings(voice="gmw/en-us", rate_wpm=175))
    aligned = align_transcript(recording, reference)
    n1 = len(S1.split())
    n3 = len(S3.split())
    truth = list(spoken.words[:n1]) + list(spoken.words[-n3:])
    errors = [(w.text, abs(w.start_s - (t.start_s + offset))) for w, t in zip(aligned.words, truth)]
    assert [w.text for w in aligned.words] == [t.text for t in truth]
    assert max(e for _, e in errors) < 0.15, errors


def test_music_before_and_after_is_skipped(reference_all: Speech) -> None:
    recording, spoken, offset = _recording([S1, S2, S3], 4.0, 3.0)
    aligned = align_transcript(recording, reference_all)
    errors = [(w.text, abs(w.start_s - (t.start_s + offset))) for w, t in zip(aligned.words, spoken.words)]
    assert max(e for _, e in errors) < 0.15, errors
    assert aligned.words[0].start_s > 4.0 and aligned.words[-1].end_s < recording.duration_s - 3.0


def test_open_ended_path_matches_all_of_b_inside_a() -> None:
    rng = np.random.default_rng(0)
    b = rng.standard_normal((50, 4)).astype(np.float32)
    a = np.concatenate([rng.standard_normal((30, 4)) + 6.0, b, rng.standard_normal((20, 4)) - 6.0]).astype(np.float32)
    path = dtw_path(a, b, open_ends=True)
    assert tuple(path[0]) == (30, 0) and tuple(path[-1]) == (79, 49)
    assert np.all(np.diff(path, axis=0) >= 0)
    closed = dtw_path(a, b)
    assert tuple(closed[0]) == (0, 0) and tuple(closed[-1]) == (99, 49)
