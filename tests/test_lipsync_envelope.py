"""The loudness envelope: silence stays shut, sounds open the mouth early (never late), level does not matter."""

from __future__ import annotations

import numpy as np

from avatar.audio import Audio
from avatar.lipsync import EnvelopeSettings, envelope

RATE = 22050
FPS = 100


def tone(duration_s: float, amp: float = 0.3, freq_hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(round(duration_s * RATE))) / RATE
    # A little of the harmonics makes it voice-like; the level is what matters here.
    x = np.sin(2 * np.pi * freq_hz * t) + 0.5 * np.sin(2 * np.pi * 2 * freq_hz * t)
    return (amp * x / np.abs(x).max()).astype(np.float32)


def gap(duration_s: float) -> np.ndarray:
    return np.zeros(int(round(duration_s * RATE)), np.float32)


def bursts(onsets_s: list[float], length_s: float, total_s: float, amp: float = 0.3) -> np.ndarray:
    x = gap(total_s)
    for t0 in onsets_s:
        a = int(round(t0 * RATE))
        piece = tone(length_s, amp)
        x[a:a + len(piece)] = piece
    return x


ONSETS = [0.5, 1.3, 2.1]
LENGTH_S = 0.3


def test_silence_is_closed_at_100_fps() -> None:
    """Two seconds of silence: 200 frames, every one closed."""
    o = envelope(Audio(gap(2.0), RATE))
    assert len(o) == 200
    assert o.dtype == np.float32
    assert np.all(o == 0.0)


def test_empty_audio_gives_an_empty_envelope() -> None:
    assert len(envelope(Audio(np.zeros(0, np.float32), RATE))) == 0


def test_tone_bursts_open_the_mouth_and_gaps_close_it() -> None:
    """During each burst the mouth is well open; in the middle of each gap it is shut."""
    o = envelope(Audio(bursts(ONSETS, LENGTH_S, 3.0), RATE))
    assert len(o) == 300
    for t0 in ONSETS:
        inside = o[int((t0 + 0.05) * FPS):int((t0 + LENGTH_S - 0.05) * FPS)]
        assert inside.min() > 0.7, t0
        mid_gap = int((t0 + LENGTH_S + 0.25) * FPS)
        assert o[mid_gap] == 0.0, t0
    assert np.all((o >= 0.0) & (o <= 1.0))


def test_same_sound_at_a_tenth_of_the_level_gives_the_same_openness() -> None:
    x = bursts(ONSETS, LENGTH_S, 3.0)
    x[: len(x) // 2] *= 0.5  # uneven levels inside the recording, so the test is not trivial
    loud = envelope(Audio(x, RATE))
    quiet = envelope(Audio(x * 0.1, RATE))
    assert np.max(np.abs(loud - quiet)) < 0.02


def test_quieter_sounds_open_the_mouth_less() -> None:
    x = np.concatenate([gap(0.3), tone(0.3, 0.3), gap(0.4), tone(0.3, 0.03), gap(0.3)])
    o = envelope(Audio(x, RATE))
    assert o[45] > 0.9
    assert 0.1 < o[45 + 70] < 0.8


def test_noise_gate_keeps_the_mouth_shut_on_background_noise() -> None:
    """Hiss 40 dB under the speech between bursts does not move the mouth."""
    x = bursts(ONSETS, LENGTH_S, 3.0)
    noise = np.random.default_rng(7).standard_normal(len(x)).astype(np.float32) * 0.3 * 0.01
    o = envelope(Audio(x + noise, RATE))
    for t0 in ONSETS:
        assert o[int((t0 + 0.15) * FPS)] > 0.7
        gap_frames = o[int((t0 + LENGTH_S + 0.15) * FPS):int((t0 + LENGTH_S + 0.45) * FPS)]
        assert np.all(gap_frames == 0.0), t0
    # Before the first burst too.
    assert np.all(o[: int(0.4 * FPS)] == 0.0)


def test_mouth_opens_before_each_onset_but_not_much_before() -> None:
    """No lag: open at the onset; anticipation of at most ~40 ms."""
    o = envelope(Audio(bursts(ONSETS, LENGTH_S, 3.0), RATE))
    for t0 in ONSETS:
        first_open = np.flatnonzero(o > 0.05)
        first_open = first_open[first_open >= int((t0 - 0.2) * FPS)][0] / FPS
        assert t0 - 0.045 <= first_open <= t0, (t0, first_open)
        assert o[int(round(t0 * FPS))] > 0.5, "already well open at the onset"


def test_release_is_slower_than_attack() -> None:
    """After a burst ends the mouth closes over ~80 ms rather than snapping shut."""
    o = envelope(Audio(bursts(ONSETS, LENGTH_S, 3.0), RATE))
    t_end = ONSETS[0] + LENGTH_S
    assert o[int(round((t_end + 0.03) * FPS))] > 0.3
    assert o[int(round((t_end + 0.15) * FPS))] == 0.0


def test_settings_change_the_frame_rate() -> None:
    o = envelope(Audio(bursts([0.2], 0.2, 1.0), RATE), EnvelopeSettings(fps=50.0))
    assert len(o) == 50
    assert o[15] > 0.7


def test_frame_levels_equal_the_power_spectrum_summed_as_parseval_says() -> None:
    """The level of each frame is taken straight from the windowed samples; it is what summing the
    frame's power spectrum gives (Parseval), frames hanging over both ends included."""
    from avatar.lipsync.features import fft_size, frame_mean_square, mean_square_weights, spectral_sums

    rng = np.random.default_rng(3)
    speechy = bursts(ONSETS, LENGTH_S, 3.0) + 0.01 * rng.standard_normal(int(3.0 * RATE)).astype(np.float32)
    for samples in (speechy, speechy[:100], np.zeros(0, np.float32)):
        audio = Audio(samples, RATE)
        n_fft = fft_size(RATE, EnvelopeSettings().window_s)
        want = spectral_sums(audio, mean_square_weights(n_fft)[:, None], fps=FPS, n_fft=n_fft)[:, 0]
        got = frame_mean_square(audio, fps=FPS, n_fft=n_fft)
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-4, atol=1e-12)
