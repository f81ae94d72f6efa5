"""The microphone seam: capture a question while the talk key is held, and a live level for the meter.

`SDLMicrophone` captures through the SDL library inside pygame's wheel (no system package); `FakeMicrophone` plays a
recording in its place for tests. `open_microphone` returns None, with the reason, when there is none.
"""

from __future__ import annotations

import threading
from typing import Callable, Protocol

import numpy as np

from avatar.audio import Audio

CAPTURE_RATE_HZ = 16000      # what the recognisers want; SDL converts from the device's own rate
MAX_CAPTURE_S = 20.0         # a held key records at most this long (a stuck key must not fill memory)
LEVEL_WINDOW_S = 0.05        # the meter shows the loudness of the last 50 ms
FLOOR_DB = -60.0             # the meter's empty end
FULL_DB = -12.0              # and its full end: ordinary speech close to the mic fills most of it


def level_of(samples: np.ndarray) -> float:
    """Loudness of `samples` for a meter: 0 (at or below -60 dBFS) to 1 (-12 dBFS and up)."""
    if len(samples) == 0:
        return 0.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    db = 20.0 * np.log10(max(rms, 1e-9))
    return float(min(1.0, max(0.0, (db - FLOOR_DB) / (FULL_DB - FLOOR_DB))))


def loudest_level(audio: Audio) -> float:
    """The meter's highest reading over a recording (50 ms windows): how loud the visitor got."""
    n = max(1, int(LEVEL_WINDOW_S * audio.rate_hz))
    blocks = len(audio.samples) // n
    if blocks == 0:
        return level_of(audio.samples)
    rms = np.sqrt(np.mean(np.square(audio.samples[:blocks * n].reshape(blocks, n), dtype=np.float64), axis=1))
    return level_of(np.full(1, float(rms.max()), np.float32))


class Microphone(Protocol):
    """Records between `start` and `stop`; `level` may be read at any time from the drawing thread."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> Audio: ...

    def level(self) -> float: ...

    def close(self) -> None: ...


class Capture:
    """The samples of one press of the talk key, filled from the audio thread, read from the window's."""

    def __init__(self, rate_hz: int, max_s: float = MAX_CAPTURE_S) -> None:
        self.rate_hz = rate_hz
        self.max_samples = int(max_s * rate_hz)
        self._parts: list[np.ndarray] = []
        self._count = 0
        self._recent = np.zeros(0, np.float32)
        self._on = False
        self._lock = threading.Lock()

    def begin(self) -> None:
        with self._lock:
            self._parts, self._count, self._on = [], 0, True
            self._recent = np.zeros(0, np.float32)

    def end(self) -> Audio:
        with self._lock:
            self._on = False
            samples = np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)
            self._parts, self._count = [], 0
            self._recent = np.zeros(0, np.float32)
        return Audio(samples.astype(np.float32, copy=False), self.rate_hz)

    def add(self, samples: np.ndarray) -> None:
        """New samples (float32, mono) from the device; kept only while recording, up to the cap."""
        with self._lock:
            if not self._on:
                return
            window = int(LEVEL_WINDOW_S * self.rate_hz)
            self._recent = np.concatenate([self._recent, samples])[-window:]
            room = self.max_samples - self._count
            if room > 0:
                piece = samples[:room].copy()
                self._parts.append(piece)
                self._count += len(piece)

    def level(self) -> float:
        with self._lock:
            return level_of(self._recent)

    @property
    def samples_kept(self) -> int:
        with self._lock:
            return self._count


class SDLMicrophone:
    """A capture device through SDL's audio queue (see sdl_capture.py), mono float32 at 16 kHz.

    Samples are collected when the meter is read (every frame) and at `stop`, on the caller's thread."""

    def __init__(self, device_name: str) -> None:
        from avatar.listen.sdl_capture import QueuedCapture

        self.name = device_name
        self.capture = Capture(CAPTURE_RATE_HZ)
        self._device = QueuedCapture(device_name, CAPTURE_RATE_HZ)

    def _collect(self) -> None:
        data = self._device.read()
        if data:
            self.capture.add(np.frombuffer(data, dtype=np.float32))

    def start(self) -> None:
        self.capture.begin()
        self._device.resume()

    def stop(self) -> Audio:
        self._collect()
        self._device.pause()
        return self.capture.end()

    def level(self) -> float:
        self._collect()
        return self.capture.level()

    def close(self) -> None:
        self._device.close()


class FakeMicrophone:
    """A microphone that "hears" a recording: each `feed(seconds)` call delivers the next stretch of it."""

    name = "recording"

    def __init__(self, recording: Audio) -> None:
        self.recording = recording.resampled(CAPTURE_RATE_HZ)
        self.capture = Capture(CAPTURE_RATE_HZ)
        self._pos = 0
        self.closed = False

    def feed(self, seconds: float) -> None:
        n = int(seconds * CAPTURE_RATE_HZ)
        piece = self.recording.samples[self._pos:self._pos + n]
        self._pos += len(piece)
        self.capture.add(piece)

    def start(self) -> None:
        self._pos = 0
        self.capture.begin()

    def stop(self) -> Audio:
        return self.capture.end()

    def level(self) -> float:
        return self.capture.level()

    def close(self) -> None:
        self.closed = True


def open_microphone(opener: Callable[[str], Microphone] = SDLMicrophone) -> tuple[Microphone | None, str]:
    """The system's first capture device, or (None, why not) when there is none or it cannot be opened."""
    try:
        from avatar.listen.sdl_capture import capture_devices

        names = capture_devices()
    except Exception:  # noqa: BLE001 - no sound system at all (SDL's audio did not start): no microphone
        return None, "no microphone found (the sound system did not start)"
    if not names:
        return None, "no microphone found"
    try:
        return opener(names[0]), ""
    except Exception as exc:  # noqa: BLE001 - busy, unplugged or refused by the system
        return None, f"the microphone could not be opened ({str(exc)[:80] or type(exc).__name__})"
