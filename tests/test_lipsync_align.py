"""Transcript alignment: a reference read by espeak-ng re-timed onto a slower, different-voiced recording."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from avatar.audio import Audio
from avatar.errors import AudioInputError
from avatar.lipsync import MouthShape, align_transcript, track_from_speech
from avatar.lipsync.dtw import dtw_path
from avatar.lipsync.phonemes import normalise
from avatar.tts import synthesize
from avatar.tts.base import Speech, VoiceSettings

TEXT = ("The quick brown fox jumps over the lazy dog. Peter bought my maps, and Bob sold his boat. "
        "We will meet again at noon, near the old mill by the river.")
LEAD_S = 0.8


@pytest.fixture(scope="module")
def pair() -> tuple[Speech, Speech, Audio]:
    """(reference at 175 wpm en-us, the 'recording' speech at 120 wpm British, the recording's audio)."""
    reference = synthesize(TEXT, VoiceSettings(voice="gmw/en-us", rate_wpm=175))
    spoken = synthesize(TEXT, VoiceSettings(voice="gmw/en", rate_wpm=120))
    assert spoken.duration_s > 1.25 * reference.duration_s, "the recording must really be slower"
    rate = spoken.audio.rate_hz
    x = np.concatenate([np.zeros(int(LEAD_S * rate), np.float32), 0.5 * spoken.audio.samples,
                        np.zeros(int(0.5 * rate), np.float32)])
    x = x + 0.002 * np.random.default_rng(5).standard_normal(len(x)).astype(np.float32)
    return reference, spoken, Audio(x, rate)


def test_word_starts_land_within_100_ms(pair: tuple[Speech, Speech, Audio]) -> None:
    reference, spoken, recording = pair
    aligned = align_transcript(recording, reference)
    assert aligned.audio is recording
    assert aligned.text == reference.text
    assert [w.text for w in aligned.words] == [w.text for w in spoken.words]
    truth = np.array([w.start_s + LEAD_S for w in spoken.words])
    got = np.array([w.start_s for w in aligned.words])
    errors = np.abs(got - truth)
    assert errors.max() < 0.1, list(zip([w.text for w in spoken.words], truth.round(3), got.round(3)))
    assert errors.mean() < 0.05


def test_aligned_timings_are_ordered_and_inside_the_recording(pair: tuple[Speech, Speech, Audio]) -> None:
    reference, _, recording = pair
    aligned = align_transcript(recording, reference)
    assert len(aligned.phonemes) == len(reference.phonemes)
    assert [p.symbol for p in aligned.phonemes] == [p.symbol for p in reference.phonemes]
    starts = [p.start_s for p in aligned.phonemes]
    assert starts == sorted(starts)
    for p in aligned.phonemes:
        assert 0.0 <= p.start_s <= p.end_s <= recording.duration_s
    for w in aligned.words:
        assert 0.0 <= w.start_s <= w.end_s <= recording.duration_s
    first = next(p for p in aligned.phonemes if not p.symbol.startswith("_"))
    assert first.start_s > LEAD_S - 0.1, "the leading silence is not speech"


def test_aligned_speech_closes_the_lips_on_the_recordings_own_p_b_m(pair: tuple[Speech, Speech, Audio]) -> None:
    """End to end: lip sync of the aligned recording shows A at most p/b/m the recording really says."""
    reference, spoken, recording = pair
    track = track_from_speech(align_transcript(recording, reference))
    closed = [p for p in spoken.phonemes if normalise(p.symbol) in ("p", "b", "m")]
    hits = [track.shape_at(LEAD_S + 0.5 * (p.start_s + p.end_s)) is MouthShape.A for p in closed]
    assert sum(hits) >= 0.8 * len(closed)


def test_empty_recording_is_refused(pair: tuple[Speech, Speech, Audio]) -> None:
    with pytest.raises(AudioInputError):
        align_transcript(Audio(np.zeros(0, np.float32), 22050), pair[0])


def warped_features(minutes: float, stretch: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random-walk 'reference' at 100 fps and a noisy recording of it `stretch` times slower."""
    rng = np.random.default_rng(0)
    n = int(minutes * 60 * 100)
    ref = np.cumsum(rng.standard_normal((n, 13)), axis=0).astype(np.float32) * 0.1
    warp = np.linspace(0, n - 1, int(n * stretch))
    rec = np.stack([np.interp(warp, np.arange(n), ref[:, k]) for k in range(13)], axis=1)
    return (rec + 0.05 * rng.standard_normal(rec.shape)).astype(np.float32), ref, warp


def test_twenty_minutes_align() -> None:
    """20 min against 26 min of features: a full cost matrix would need ~150 GB; the banded search does not."""
    rec, ref, warp = warped_features(20, 1.3)
    path = dtw_path(rec, ref)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (len(rec) - 1, len(ref) - 1)
    assert np.all(np.diff(path, axis=0) >= 0)
    assert np.max(np.abs(warp[path[:, 0]] - path[:, 1])) <= 3


def test_memory_grows_with_length_not_with_length_squared() -> None:
    """One minute: a full cost matrix alone would take ~370 MB; the whole search stays under 40 MB."""
    rec, ref, _ = warped_features(1, 1.3)
    tracemalloc.start()
    try:
        dtw_path(rec, ref)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40e6


def test_dtw_matches_the_exhaustive_answer_on_small_inputs() -> None:
    rng = np.random.default_rng(1)
    for n, m in [(5, 9), (30, 41), (1, 4), (7, 1)]:
        a, b = rng.standard_normal((n, 3)), rng.standard_normal((m, 3))
        cost = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
        acc = np.full((n + 1, m + 1), np.inf)
        acc[0, 0] = 0.0
        for i in range(1, n + 1):
            for j in range(1, m + 1):
                acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
        path = dtw_path(a, b)
        assert cost[path[:, 0], path[:, 1]].sum() == pytest.approx(acc[n, m])
