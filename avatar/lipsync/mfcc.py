"""Mel-frequency cepstral coefficients with per-utterance normalisation, so voices and levels compare."""

from __future__ import annotations

import numpy as np

from avatar.audio import Audio
from avatar.lipsync.features import bin_frequencies, fft_size, spectral_sums


def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, np.float64) / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filterbank(rate_hz: int, n_fft: int, n_mels: int, f_min_hz: float = 80.0,
                   f_max_hz: float = 7600.0) -> np.ndarray:
    """Triangular filters on the mel scale as a (bins, n_mels) weight matrix."""
    f_max_hz = min(f_max_hz, rate_hz / 2.0)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(f_min_hz), _hz_to_mel(f_max_hz), n_mels + 2))
    f = bin_frequencies(rate_hz, n_fft)[:, None]
    lo, mid, hi = edges[:-2][None, :], edges[1:-1][None, :], edges[2:][None, :]
    up = (f - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - f) / np.maximum(hi - mid, 1e-9)
    return np.maximum(0.0, np.minimum(up, down))


def dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Orthonormal DCT-II as an (n_in, n_out) matrix."""
    k = np.arange(n_out)[None, :]
    n = np.arange(n_in)[:, None]
    m = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    m[:, 0] /= np.sqrt(2.0)
    return m


def mfcc(audio: Audio, *, fps: float = 100.0, n_mels: int = 26, n_ceps: int = 13,
         window_s: float = 0.025, floor_db: float = -45.0) -> np.ndarray:
    """(frames, n_ceps) features, frame i centred at t = i / fps, each coefficient mean 0 / variance 1.

    Mel energies get a floor `floor_db` under the utterance's loud frames: digital silence and low
    background noise then look alike, and nothing depends on the recording level.
    """
    n_fft = fft_size(audio.rate_hz, window_s)
    mel = spectral_sums(audio, mel_filterbank(audio.rate_hz, n_fft, n_mels), fps=fps, n_fft=n_fft)
    if len(mel) == 0:
        return np.zeros((0, n_ceps), np.float32)
    loud = float(np.percentile(mel.sum(axis=1), 95.0))
    floor = max(loud, 1e-30) * 10.0 ** (floor_db / 10.0) / n_mels
    ceps = np.log(mel + floor) @ dct_matrix(n_mels, n_ceps)
    mean = ceps.mean(axis=0)
    std = ceps.std(axis=0)
    return ((ceps - mean) / np.where(std > 1e-9, std, 1.0)).astype(np.float32)
