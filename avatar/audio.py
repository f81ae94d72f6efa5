"""Mono float32 PCM audio as a value: load any file through ffmpeg, save WAV, slice, resample."""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar.errors import AudioInputError
from avatar import ffmpeg


VOICE_RATE_HZ = 22050   # what espeak-ng writes; speech, timelines and the kiosk's sound run at it


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono samples in -1..1 (float32) at `rate_hz`."""

    samples: np.ndarray
    rate_hz: int

    def __post_init__(self) -> None:
        if self.samples.ndim != 1:
            raise ValueError("Audio samples must be one-dimensional (mono)")
        if self.samples.dtype != np.float32:
            object.__setattr__(self, "samples", self.samples.astype(np.float32))

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.rate_hz)

    @classmethod
    def silence(cls, duration_s: float, rate_hz: int) -> "Audio":
        return cls(np.zeros(max(0, int(round(duration_s * rate_hz))), np.float32), rate_hz)

    def slice(self, start_s: float, end_s: float) -> "Audio":
        a = max(0, int(round(start_s * self.rate_hz)))
        b = max(a, int(round(end_s * self.rate_hz)))
        return Audio(self.samples[a:b], self.rate_hz)

    def resampled(self, rate_hz: int) -> "Audio":
        """Linear-interpolation resampling; enough for speech at the rates we use."""
        if rate_hz == self.rate_hz or len(self.samples) == 0:
            return Audio(self.samples, rate_hz) if rate_hz == self.rate_hz else Audio(self.samples[:0], rate_hz)
        n_out = int(round(len(self.samples) * rate_hz / self.rate_hz))
        x_out = np.arange(n_out, dtype=np.float64) * (self.rate_hz / rate_hz)
        out = np.interp(x_out, np.arange(len(self.samples), dtype=np.float64), self.samples)
        return Audio(out.astype(np.float32), rate_hz)

    def downsampled(self, rate_hz: int) -> "Audio":
        """`resampled`, with content above the new Nyquist frequency filtered out first so it does not
        fold down (what a speech recogniser wants); NaN and infinities become silence and full scale."""
        x = np.nan_to_num(self.samples, nan=0.0, posinf=1.0, neginf=-1.0)
        if self.rate_hz > rate_hz and len(x) > 64:
            cutoff = 0.5 * rate_hz / self.rate_hz * 0.95  # of the input's sample rate
            n = np.arange(-24, 25)
            taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(len(n))
            x = np.convolve(x, (taps / taps.sum()).astype(np.float32), mode="same")
        return Audio(x, self.rate_hz).resampled(rate_hz)

    def to_int16(self) -> np.ndarray:
        return (np.clip(self.samples, -1.0, 1.0) * 32767.0).astype("<i2")


def concatenate(parts: list[Audio], rate_hz: int) -> Audio:
    """Join audio pieces (all resampled to `rate_hz`) end to end."""
    arrays = [p.resampled(rate_hz).samples for p in parts]
    return Audio(np.concatenate(arrays) if arrays else np.zeros(0, np.float32), rate_hz)


def save_wav(audio: Audio, path: str | os.PathLike[str]) -> None:
    """Write 16-bit mono PCM WAV."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.rate_hz)
        w.writeframes(audio.to_int16().tobytes())


def read_wav(path: str | os.PathLike[str]) -> Audio:
    """Read a 16-bit PCM WAV (as written by `save_wav` or a TTS engine), mixing to mono."""
    with wave.open(str(path), "rb") as w:
        n_ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    if width != 2:
        raise AudioInputError(f"{path}: only 16-bit WAV is read directly")
    data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    if n_ch > 1:
        data = data.reshape(-1, n_ch).mean(axis=1)
    return Audio(np.ascontiguousarray(data, dtype=np.float32), rate)


def load(path: str | os.PathLike[str], rate_hz: int | None = VOICE_RATE_HZ) -> Audio:
    """Decode any audio file ffmpeg understands (WAV, MP3, OGG, FLAC, ...) to mono float32.

    `rate_hz=None` keeps the file's own rate.
    """
    p = Path(path)
    if not p.exists():
        raise AudioInputError(f"audio file not found: {p} (check the path)")
    if p.is_dir():
        raise AudioInputError(f"{p} is a folder, not an audio file")
    if p.stat().st_size == 0:
        raise AudioInputError(f"{p} is empty (0 bytes); give a WAV, MP3, OGG or FLAC recording")
    if rate_hz is None:
        rate_hz = ffmpeg.probe_audio_rate(p)
        if rate_hz is None:
            raise AudioInputError(f"{p} has no audio stream; give a WAV, MP3, OGG or FLAC recording")
    pcm, returncode, complaint = ffmpeg.decode_pcm(p, rate_hz)
    samples = np.frombuffer(pcm, dtype="<f4")
    if returncode == 0 and len(samples) == 0:
        raise AudioInputError(f"{p} holds no sound (0 samples; the file may be cut short); "
                              "give a WAV, MP3, OGG or FLAC recording")
    if returncode != 0 or len(samples) == 0:
        raise AudioInputError(
            f"{p} is not a readable audio file ({complaint[:120]}); give a WAV, MP3, OGG or FLAC recording")
    if not np.isfinite(samples).all():
        # A float WAV can carry NaN or infinity; they would poison every frame they touch.
        samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
    return Audio(np.ascontiguousarray(samples, dtype=np.float32), rate_hz)
