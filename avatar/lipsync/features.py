"""Short-time power spectra on a fixed frame grid, reduced on the fly to a few weighted sums per frame."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from avatar.audio import Audio

# Frames per chunk: big enough for numpy to run at full speed, small enough to stay in cache-sized memory.
_CHUNK_FRAMES = 4096


def frame_count(audio: Audio, fps: float) -> int:
    """Frames whose centres t = i / fps fall inside the audio: ceil(duration * fps)."""
    return int(math.ceil(len(audio.samples) * fps / audio.rate_hz - 1e-9))


def fft_size(rate_hz: int, window_s: float) -> int:
    """The power of two closest to `window_s` seconds of samples (FFTs are fastest at those sizes)."""
    return 1 << max(4, int(round(math.log2(max(16.0, window_s * rate_hz)))))


def bin_frequencies(rate_hz: int, n_fft: int) -> np.ndarray:
    return np.arange(n_fft // 2 + 1, dtype=np.float64) * (rate_hz / n_fft)


def mean_square_weights(n_fft: int) -> np.ndarray:
    """Weights that turn a one-sided Hann-windowed power spectrum into the frame's mean square.

    Parseval: sum over the full spectrum of |X|^2 = n * sum (w x)^2; the one-sided spectrum counts
    the inner bins twice. Dividing by sum(w^2) undoes the window's loss of energy.
    """
    w = np.full(n_fft // 2 + 1, 2.0)
    w[0] = w[-1] = 1.0
    return w / (n_fft * float(np.sum(_hann(n_fft).astype(np.float64) ** 2)))


def _hann(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)


def _frames(audio: Audio, n_frames: int, fps: float, n_fft: int) -> Iterator[tuple[int, np.ndarray]]:
    """The frames `n_fft` samples long centred at t = i / fps, a chunk at a time, as (first index, (m,
    n_fft) float32 array) pairs; samples beyond either end of the audio are zeros."""
    x = audio.samples
    # Frame i is centred on sample round(i * rate / fps).
    starts = np.round(np.arange(n_frames, dtype=np.float64) * (audio.rate_hz / fps)).astype(np.intp) - n_fft // 2
    windows = np.lib.stride_tricks.sliding_window_view(x, n_fft) if len(x) >= n_fft else None
    inside = (starts >= 0) & (starts + n_fft <= len(x))
    for a in range(0, n_frames, _CHUNK_FRAMES):
        st = starts[a:a + _CHUNK_FRAMES]
        ok = inside[a:a + _CHUNK_FRAMES]
        if windows is not None and ok.all():
            yield a, windows[st]
        else:
            # Frames hanging over either end of the audio: the missing samples are zeros.
            idx = st[:, None] + np.arange(n_fft)
            valid = (idx >= 0) & (idx < len(x))
            yield a, np.where(valid, x[np.clip(idx, 0, max(len(x) - 1, 0))] if len(x) else 0.0,
                              0.0).astype(np.float32)


def frame_mean_square(audio: Audio, *, fps: float = 100.0, n_fft: int = 256) -> np.ndarray:
    """Each frame's Hann-windowed mean square, the frames cut as `spectral_sums` cuts them: by Parseval
    its power spectrum summed with `mean_square_weights`, without the Fourier transform (a few times
    faster; the same to float precision)."""
    n_frames = frame_count(audio, fps)
    out = np.zeros(n_frames, np.float64)
    w2 = _hann(n_fft).astype(np.float64) ** 2
    w2 = (w2 / w2.sum()).astype(np.float32)
    for a, frames in _frames(audio, n_frames, fps, n_fft):
        out[a:a + len(frames)] = np.einsum("fn,fn,n->f", frames, frames, w2)
    return out


def spectral_sums(audio: Audio, weights: np.ndarray, *, fps: float = 100.0,
                  n_fft: int = 256) -> np.ndarray:
    """For each frame centred at t = i / fps: its power spectrum times `weights` (bins x k) -> (frames, k).

    Works chunk by chunk, so an hour of audio needs only a few megabytes beyond the input.
    """
    n_frames = frame_count(audio, fps)
    k = weights.shape[1]
    out = np.zeros((n_frames, k), np.float64)
    hann = _hann(n_fft)
    w32 = np.ascontiguousarray(weights, dtype=np.float32)
    for a, frames in _frames(audio, n_frames, fps, n_fft):
        spec = np.fft.rfft(frames * hann, axis=1)
        power = spec.real * spec.real + spec.imag * spec.imag
        # einsum rather than `@`: BLAS would start helper threads that spin between the many small
        # products and steal the CPU from the FFTs (3x slower on two busy cores).
        out[a:a + len(frames)] = np.einsum("fb,bk->fk", power, w32)
    return out
