"""Mouth shapes: the phoneme chart, the cue rules (lead, minimum length, pauses) and shapes the spectral
rules hear in audio (phone recognition: test_lipsync_phones.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from avatar.audio import Audio
from avatar.lipsync import CueSettings, MouthShape, MouthTrack, shape_for_phoneme
from avatar.lipsync.from_audio import track_from_spectrum
from avatar.lipsync.cues import Span, mouth_cues

S = MouthShape
RATE = 22050
MIN_S = CueSettings().min_cue_s


# --- the phoneme chart -----------------------------------------------------------------------------

@pytest.mark.parametrize("symbols, shape", [
    (["p", "b", "m", "'m", ",p"], S.A),
    (["u:", "'u:", "U", "w", "oU", ",oU", "U@"], S.F),
    (["O:", "'O:", "o@", "3:", "O", "OI"], S.E),
    (["f", "v"], S.G),
    (["l", "@L"], S.H),
    (["a", "'a", "A:", "aI", "aU", "A@", "0"], S.D),
    (["E", "@", "a#", "eI", "'E", "@2", "V"], S.C),
    (["s", "t", "k", "d", "n", "z", "S", "T", "D", "g", "r", "j", "h", "i:"], S.B),
])
def test_phoneme_chart(symbols: list[str], shape: MouthShape) -> None:
    for sym in symbols:
        assert shape_for_phoneme(sym) is shape, sym


def test_pauses_have_no_shape_and_unknown_symbols_still_get_one() -> None:
    for sym in ["_", "_:", "_!", "_|", "_^_", ""]:
        assert shape_for_phoneme(sym) is None, sym
    assert shape_for_phoneme("e#") is S.C      # an unknown vowel variant
    assert shape_for_phoneme("x") is S.B       # a consonant English does not use
    assert shape_for_phoneme("m#") is S.A      # a variant of m still closes the lips


# --- the cue rules -----------------------------------------------------------------------------------

def assert_valid(cues: tuple, duration_s: float) -> None:
    """Cover [0, duration) in order, no gaps, no overlaps."""
    assert cues[0].start_s == 0.0
    assert cues[-1].end_s == pytest.approx(duration_s)
    for a, b in zip(cues, cues[1:]):
        assert a.end_s == b.start_s
        assert a.shape != b.shape
    for c in cues:
        assert c.end_s > c.start_s


def test_long_silence_relaxes_to_rest_and_short_pause_does_not() -> None:
    spans = [Span(0.0, 0.5, S.D), Span(0.6, 1.0, S.C),   # 0.1 s pause: held
             Span(1.5, 2.0, S.D)]                          # 0.5 s pause: rest
    cues = mouth_cues(spans, 2.5, CueSettings(lead_s=0.0))
    assert_valid(cues, 2.5)
    track = MouthTrack(cues, np.zeros(250, np.float32), 100.0, 2.5)
    assert track.shape_at(0.55) is not S.X
    assert track.shape_at(1.25) is S.X
    assert track.shape_at(2.3) is S.X


def test_pause_between_short_and_long_gets_a_relaxed_mouth() -> None:
    cues = mouth_cues([Span(0.0, 0.5, S.D), Span(0.7, 1.0, S.C)], 1.0, CueSettings(lead_s=0.0))
    track = MouthTrack(cues, np.zeros(100, np.float32), 100.0, 1.0)
    assert track.shape_at(0.6) in (S.A, S.B)


def test_short_cue_borrows_time_from_a_long_neighbour() -> None:
    """A 20 ms shape next to a long one grows to 60 ms by taking the end of the long one."""
    cues = mouth_cues([Span(0.0, 0.3, S.D), Span(0.3, 0.32, S.B), Span(0.32, 0.6, S.C)], 0.6,
                      CueSettings(lead_s=0.0))
    assert_valid(cues, 0.6)
    assert [c.shape for c in cues] == [S.D, S.B, S.C]
    assert all(c.end_s - c.start_s >= MIN_S - 1e-9 for c in cues)


def test_short_cue_without_spare_neighbours_is_absorbed_into_the_next() -> None:
    cues = mouth_cues([Span(0.0, 0.07, S.D), Span(0.07, 0.09, S.B), Span(0.09, 0.15, S.C),
                       Span(0.15, 0.5, S.E)], 0.5, CueSettings(lead_s=0.0))
    assert_valid(cues, 0.5)
    assert S.B not in [c.shape for c in cues]
    assert all(c.end_s - c.start_s >= MIN_S - 1e-9 for c in cues)
    c_cue = [c for c in cues if c.shape is S.C][0]
    assert c_cue.start_s <= 0.09, "the next shape takes the time: it starts earlier, never later"


def test_closed_lips_are_stretched_never_dropped() -> None:
    cues = mouth_cues([Span(0.0, 0.6, S.C), Span(0.6, 0.62, S.A, keep=True), Span(0.62, 1.0, S.D)], 1.0,
                      CueSettings(lead_s=0.0))
    assert_valid(cues, 1.0)
    a = [c for c in cues if c.shape is S.A]
    assert len(a) == 1 and a[0].start_s <= 0.61 < a[0].end_s
    assert a[0].end_s - a[0].start_s >= MIN_S - 1e-9


def test_lead_moves_shapes_earlier_never_later() -> None:
    cues = mouth_cues([Span(0.5, 0.8, S.D)], 1.5, CueSettings(lead_s=0.03))
    d = [c for c in cues if c.shape is S.D][0]
    assert d.start_s == pytest.approx(0.47)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 3.0), st.floats(0.005, 0.4), st.sampled_from(list(S)[:-1])),
                max_size=40),
       st.floats(0.2, 3.5))
def test_any_spans_give_clean_cues(raw: list, duration_s: float) -> None:
    """Whatever comes in: full coverage, no cue under 60 ms, every closed-lips sound shows A at its middle."""
    spans = [Span(t0, t0 + d, shape, keep=shape is S.A) for t0, d, shape in sorted(raw)]
    cues = mouth_cues(spans, duration_s)
    assert_valid(cues, duration_s)
    if duration_s >= 2 * MIN_S:
        assert all(c.end_s - c.start_s >= MIN_S - 1e-6 for c in cues)
    track = MouthTrack(cues, np.zeros(1, np.float32), 100.0, duration_s)
    for s in spans:
        mid = 0.5 * (s.start_s + s.end_s)
        if s.keep and mid < duration_s - MIN_S:
            assert track.shape_at(mid) is S.A, (s, cues)


# --- shapes heard in the audio ------------------------------------------------------------------------

def vowel(formants: list[tuple[float, float]], duration_s: float = 0.4, f0_hz: float = 120.0,
          amp: float = 0.3) -> np.ndarray:
    """A vowel by additive synthesis: a 1/f harmonic source through formant resonances."""
    t = np.arange(int(duration_s * RATE)) / RATE
    out = np.zeros_like(t)
    for k in range(1, int(5000 / f0_hz)):
        f = k * f0_hz
        g = 1.0 / f
        for F, B in formants:
            g *= F * F / np.sqrt((F * F - f * f) ** 2 + (B * f) ** 2)
        out += g * np.sin(2 * np.pi * f * t + 0.7 * k)
    return (out / np.abs(out).max() * amp).astype(np.float32)


def hiss(duration_s: float = 0.3, amp: float = 0.1) -> np.ndarray:
    x = np.diff(np.random.default_rng(3).standard_normal(int(duration_s * RATE) + 2), 2)
    return (x / np.abs(x).max() * amp).astype(np.float32)


def gap(duration_s: float) -> np.ndarray:
    return np.zeros(int(round(duration_s * RATE)), np.float32)


U = [(300, 60), (870, 80), (2240, 120)]
AH = [(750, 80), (1200, 90), (2600, 120)]
EE = [(280, 60), (2250, 100), (2900, 120)]
OH = [(500, 70), (850, 80), (2500, 120)]


def test_silence_is_rest() -> None:
    track = track_from_spectrum(Audio(gap(1.5), RATE))
    assert [(c.start_s, c.end_s, c.shape) for c in track.cues] == [(0.0, 1.5, S.X)]
    assert np.all(track.openness == 0.0)


@pytest.mark.parametrize("sound, expected", [
    (lambda: vowel(U), {S.F}),
    (lambda: vowel(OH), {S.E, S.F}),
    (lambda: vowel(AH), {S.D}),
    (lambda: vowel(EE), {S.B}),
    (lambda: hiss(), {S.B}),
])
def test_shape_follows_the_sound(sound, expected: set) -> None:
    """A held vowel or hiss between silences: the middle of it shows the matching shape, then rest."""
    x = np.concatenate([gap(0.5), sound(), gap(0.6)])
    track = track_from_spectrum(Audio(x, RATE))
    assert track.shape_at(0.65) in expected
    assert track.shape_at(0.2) is S.X
    assert track.shape_at(track.duration_s - 0.1) is S.X


def test_quiet_hum_shows_closed_lips() -> None:
    """A loud vowel then a dark hum 20 dB quieter (like an m): the hum is drawn with closed lips."""
    x = np.concatenate([gap(0.4), vowel(AH), vowel(U, amp=0.3 * 0.1), vowel(AH), gap(0.4)])
    track = track_from_spectrum(Audio(x, RATE))
    assert track.shape_at(0.6) is S.D
    assert track.shape_at(1.0) is S.A


def test_mouth_moves_at_or_just_before_each_onset() -> None:
    """No lag: the first open shape of each sound starts at most ~40 ms before it, never after."""
    onsets = [0.5, 1.5, 2.5]
    x = gap(3.2)
    for t0 in onsets:
        v = vowel(AH, 0.35)
        x[int(t0 * RATE):int(t0 * RATE) + len(v)] = v
    track = track_from_spectrum(Audio(x, RATE))
    for t0 in onsets:
        starts = [c.start_s for c in track.cues if c.shape is not S.X and t0 - 0.3 < c.start_s < t0 + 0.2]
        assert starts, track.cues
        assert t0 - 0.045 <= starts[0] <= t0, (t0, starts[0])
        assert track.shape_at(t0) is not S.X


def test_fast_alternation_never_gives_cues_under_60_ms() -> None:
    pieces = [gap(0.3)]
    for k in range(30):
        pieces.append(vowel(AH, 0.03) if k % 2 == 0 else hiss(0.03, 0.05))
    pieces.append(gap(0.3))
    track = track_from_spectrum(Audio(np.concatenate(pieces), RATE))
    assert_valid(track.cues, track.duration_s)
    assert all(c.end_s - c.start_s >= MIN_S - 1e-9 for c in track.cues)


def test_audio_shapes_are_deterministic() -> None:
    x = np.concatenate([gap(0.3), vowel(AH), hiss(), vowel(U), gap(0.3)])
    a = track_from_spectrum(Audio(x, RATE))
    b = track_from_spectrum(Audio(x.copy(), RATE))
    assert a.cues == b.cues
    assert np.array_equal(a.openness, b.openness)


def test_benchmark_entry_point_runs() -> None:
    """The benchmark script's hook analyses a few seconds and reports a speed (not checked here)."""
    from avatar.bench.lipsync_audio import bench_analysis, speech_like

    assert bench_analysis(3.0) > 0.0
    track = track_from_spectrum(speech_like(6.0))
    assert len({c.shape for c in track.cues}) >= 3
