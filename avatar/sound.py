"""The sound-output seam: pygame's mixer, or a silent sink when there is no sound device."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Iterator, Protocol

import numpy as np

from avatar.audio import VOICE_RATE_HZ, Audio

log = logging.getLogger("avatar")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C libraries writing to fd 2 for a moment (our own errors are reported separately)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class SoundOut(Protocol):
    latency_s: float
    silent: bool

    def play(self, audio: Audio, offset_s: float = 0.0) -> None: ...

    def stop(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def busy(self) -> bool: ...

    def close(self) -> None: ...


class NullOut:
    """No device: nothing is heard; the player runs on the wall clock. Keeps what it was asked to play."""

    latency_s = 0.0
    silent = True

    def __init__(self) -> None:
        self.played: list[tuple[float, float]] = []  # (duration_s, offset_s) per play call

    def play(self, audio: Audio, offset_s: float = 0.0) -> None:
        self.played.append((audio.duration_s, offset_s))

    def stop(self) -> None:
        pass

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def busy(self) -> bool:
        return False

    def close(self) -> None:
        pass


class MixerOut:
    """pygame.mixer with one channel for the voice; clips are resampled to the device's rate."""

    silent = False

    def __init__(self, rate_hz: int = VOICE_RATE_HZ, buffer_samples: int = 512) -> None:
        import pygame

        pygame.mixer.pre_init(rate_hz, -16, 1, buffer_samples)
        with _quiet_stderr():  # ALSA prints pages of noise when there is no sound card
            pygame.mixer.init()
        freq, _size, channels = pygame.mixer.get_init()
        self._pygame = pygame
        self.rate_hz = int(freq)
        self.channels = int(channels)
        self.latency_s = buffer_samples / float(self.rate_hz)
        self._channel = pygame.mixer.Channel(0)

    def _sound(self, audio: Audio, offset_s: float):
        a = audio.resampled(self.rate_hz) if audio.rate_hz != self.rate_hz else audio
        start = int(round(offset_s * self.rate_hz))
        pcm = a.to_int16()[start:]
        if self.channels > 1:
            pcm = np.repeat(pcm[:, None], self.channels, axis=1)
        return self._pygame.sndarray.make_sound(np.ascontiguousarray(pcm))

    def play(self, audio: Audio, offset_s: float = 0.0) -> None:
        self._channel.play(self._sound(audio, offset_s))

    def stop(self) -> None:
        self._channel.stop()

    def pause(self) -> None:
        self._channel.pause()

    def resume(self) -> None:
        self._channel.unpause()

    def busy(self) -> bool:
        return bool(self._channel.get_busy())

    def close(self) -> None:
        self._pygame.mixer.quit()


def open_sound(rate_hz: int, enabled: bool = True) -> SoundOut:
    """The mixer if a device opens, else a silent sink (the caller says so once)."""
    if not enabled:
        return NullOut()
    try:
        return MixerOut(rate_hz)
    except Exception as exc:  # pygame.error, or no SDL audio at all
        log.debug("no sound device: %s", exc)
        return NullOut()
