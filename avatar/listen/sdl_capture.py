"""SDL2 audio capture through its queue (SDL_DequeueAudio), called with ctypes on pygame's own SDL library.

Why not pygame._sdl2.audio.AudioDevice: it calls back into Python on SDL's audio thread, and its
pause()/close() wait for that thread while holding the GIL the callback is waiting for: a kiosk
that closes the microphone mid-callback hangs. ctypes releases the GIL around each SDL call and
SDL's queue needs no callback, so nothing can wait on Python.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys
from functools import lru_cache

INIT_AUDIO = 0x00000010
AUDIO_F32SYS = 0x8120 if sys.byteorder == "little" else 0x9120


class _AudioSpec(ctypes.Structure):
    _fields_ = [("freq", ctypes.c_int), ("format", ctypes.c_uint16), ("channels", ctypes.c_uint8),
                ("silence", ctypes.c_uint8), ("samples", ctypes.c_uint16), ("padding", ctypes.c_uint16),
                ("size", ctypes.c_uint32), ("callback", ctypes.c_void_p), ("userdata", ctypes.c_void_p)]


class CaptureError(OSError):
    """SDL could not list or open a capture device."""


def _is_core_sdl(name: str) -> bool:
    return name.startswith(("libSDL2-", "libSDL2.")) or name.lower() == "sdl2.dll"


def _library_paths() -> list[str]:
    """pygame's SDL2 (the one already loaded), wherever its wheel keeps it, else the system's."""
    import pygame

    paths: list[str] = []
    if os.path.exists("/proc/self/maps"):
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths += [line.split()[-1] for line in maps if _is_core_sdl(os.path.basename(line.split()[-1]))]
    here = os.path.dirname(pygame.__file__)
    for folder in (here, os.path.join(here, ".dylibs"), os.path.join(here, os.pardir, "pygame.libs")):
        paths += sorted(p for p in glob.glob(os.path.join(folder, "*")) if _is_core_sdl(os.path.basename(p)))
    found = ctypes.util.find_library("SDL2")
    if found:
        paths.append(found)
    return paths


@lru_cache(maxsize=1)
def sdl() -> ctypes.CDLL:
    """The SDL2 library pygame uses, with the capture functions' signatures set."""
    import pygame._sdl2.audio  # noqa: F401 - loads pygame's SDL into this process first

    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError:
            continue
    else:
        raise CaptureError("SDL2 library not found")
    lib.SDL_InitSubSystem.argtypes, lib.SDL_InitSubSystem.restype = [ctypes.c_uint32], ctypes.c_int
    lib.SDL_QuitSubSystem.argtypes, lib.SDL_QuitSubSystem.restype = [ctypes.c_uint32], None
    lib.SDL_GetNumAudioDevices.argtypes, lib.SDL_GetNumAudioDevices.restype = [ctypes.c_int], ctypes.c_int
    lib.SDL_GetAudioDeviceName.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.SDL_GetAudioDeviceName.restype = ctypes.c_char_p
    lib.SDL_OpenAudioDevice.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_AudioSpec),
                                        ctypes.POINTER(_AudioSpec), ctypes.c_int]
    lib.SDL_OpenAudioDevice.restype = ctypes.c_uint32
    lib.SDL_PauseAudioDevice.argtypes, lib.SDL_PauseAudioDevice.restype = [ctypes.c_uint32, ctypes.c_int], None
    lib.SDL_DequeueAudio.argtypes = [ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint32]
    lib.SDL_DequeueAudio.restype = ctypes.c_uint32
    lib.SDL_GetQueuedAudioSize.argtypes, lib.SDL_GetQueuedAudioSize.restype = [ctypes.c_uint32], ctypes.c_uint32
    lib.SDL_ClearQueuedAudio.argtypes, lib.SDL_ClearQueuedAudio.restype = [ctypes.c_uint32], None
    lib.SDL_CloseAudioDevice.argtypes, lib.SDL_CloseAudioDevice.restype = [ctypes.c_uint32], None
    lib.SDL_GetError.argtypes, lib.SDL_GetError.restype = [], ctypes.c_char_p
    return lib


def _error(lib: ctypes.CDLL) -> str:
    return (lib.SDL_GetError() or b"").decode("utf-8", "replace")[:80] or "unknown SDL error"


def capture_devices() -> list[str]:
    """Names of the capture devices SDL sees (no device is opened).

    SDL's audio is started for the question and stopped again: SDL counts these, and pygame's mixer
    will not open a sound device if it finds SDL's audio already started by someone else."""
    lib = sdl()
    if lib.SDL_InitSubSystem(INIT_AUDIO) != 0:
        raise CaptureError(_error(lib))
    try:
        names = []
        for i in range(max(0, lib.SDL_GetNumAudioDevices(1))):
            name = lib.SDL_GetAudioDeviceName(i, 1)
            if name:
                names.append(name.decode("utf-8", "replace"))
        return names
    finally:
        lib.SDL_QuitSubSystem(INIT_AUDIO)


class QueuedCapture:
    """One open capture device delivering mono float32 at `rate_hz` into SDL's queue, paused until `resume`.

    It holds SDL's audio started until `close` (open it after the sound output, see `capture_devices`)."""

    def __init__(self, device_name: str, rate_hz: int) -> None:
        lib = self._lib = sdl()
        if lib.SDL_InitSubSystem(INIT_AUDIO) != 0:
            raise CaptureError(_error(lib))
        want = _AudioSpec(freq=rate_hz, format=AUDIO_F32SYS, channels=1, samples=512)
        got = _AudioSpec()
        # allowed_changes=0: SDL converts whatever the device does into exactly this format.
        self._id = lib.SDL_OpenAudioDevice(device_name.encode("utf-8"), 1, ctypes.byref(want),
                                           ctypes.byref(got), 0)
        if self._id == 0:
            problem = _error(lib)
            lib.SDL_QuitSubSystem(INIT_AUDIO)
            raise CaptureError(problem)
        self._buffer = ctypes.create_string_buffer(64 * 1024)

    def resume(self) -> None:
        self._lib.SDL_ClearQueuedAudio(self._id)
        self._lib.SDL_PauseAudioDevice(self._id, 0)

    def pause(self) -> None:
        self._lib.SDL_PauseAudioDevice(self._id, 1)

    def read(self) -> bytes:
        """Everything captured since the last read (float32 samples as bytes)."""
        if not self._id:
            return b""
        parts = []
        while True:
            n = self._lib.SDL_DequeueAudio(self._id, self._buffer, len(self._buffer))
            if n == 0:
                break
            parts.append(self._buffer.raw[:n])
        return b"".join(parts)

    def close(self) -> None:
        if self._id:
            self._lib.SDL_CloseAudioDevice(self._id)
            self._id = 0
            self._lib.SDL_QuitSubSystem(INIT_AUDIO)
