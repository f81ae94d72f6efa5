"""espeak-ng in this process through ctypes: text to phonemes (IPA and ASCII) and word/phoneme events.

The neural voice needs espeak-ng's phonemes as its input and espeak-ng's word events to place the
written words. The pyttsx3 voice runs espeak-ng in a child process, so this process is free to
initialise its own copy (espeak-ng can be initialised once per process; this module does it once).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from dataclasses import dataclass

from avatar._espeak_events import SYNTH_CALLBACK, Capture
from avatar.errors import TTSError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PHONEMES_IPA = 0x02
_SEPARATOR = "|"


@dataclass(frozen=True)
class Events:
    """One espeak-ng rendition: its samples (int16 bytes), rate, and ("w", ms, pos, len)/("ph", ms, sym) events."""

    pcm: bytes
    rate_hz: int
    events: list[tuple]


def _load() -> tuple[ctypes.CDLL, bytes | None]:
    """The espeak-ng that espeakng-loader ships (the one Piper voices' phonemes match best), else the system's."""
    try:
        import espeakng_loader

        return ctypes.CDLL(espeakng_loader.get_library_path()), espeakng_loader.get_data_path().encode()
    except (ImportError, OSError):
        pass
    names = {"win32": ["libespeak-ng.dll"], "darwin": ["libespeak-ng.dylib", "libespeak-ng.1.dylib"]}
    for name in names.get(sys.platform, ["libespeak-ng.so.1", "libespeak-ng.so"]):
        try:
            return ctypes.CDLL(name), None
        except OSError:
            continue
    raise TTSError("espeak-ng was not found; reinstall avatar (it ships espeak-ng through espeakng-loader)")


class Espeak:
    """The process's espeak-ng; every call holds one lock (espeak-ng keeps global state)."""

    _instance: "Espeak | None" = None
    _instance_lock = threading.Lock()

    @classmethod
    def get(cls) -> "Espeak":
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self) -> None:
        self._lock = threading.Lock()
        lib, data = _load()
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_SetSynthCallback.argtypes = [SYNTH_CALLBACK]
        if data is not None:
            os.environ.setdefault("ESPEAK_DATA_PATH", data.decode())
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data,
                                     _INIT_PHONEME_EVENTS | _INIT_DONT_EXIT)
        if rate <= 0:
            raise TTSError("espeak-ng could not start (its data folder is missing or unreadable)")
        self.rate_hz = int(rate)
        self._lib = lib
        self._voice = ""
        self._capture = Capture()
        self._callback = SYNTH_CALLBACK(self._on_synth)  # kept alive as long as the library may call it
        lib.espeak_SetSynthCallback(self._callback)

    def _set_voice(self, voice: str) -> None:
        if voice != self._voice:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise TTSError(f"espeak-ng has no voice '{voice}' for the neural voice's phonemes")
            self._voice = voice

    def phonemes(self, clause: str, voice: str) -> list[list[tuple[str, str]]]:
        """The words of `clause`, each a list of (ASCII mnemonic, IPA) phonemes, stress marks included."""
        with self._lock:
            self._set_voice(voice)
            ascii_words = self._to_phonemes(clause, ord(_SEPARATOR) << 8)
            ipa_words = self._to_phonemes(clause, _PHONEMES_IPA | (ord(_SEPARATOR) << 8))
        out: list[list[tuple[str, str]]] = []
        for a, i in zip(ascii_words, ipa_words):
            aa, ii = a.split(_SEPARATOR), i.split(_SEPARATOR)
            if len(aa) != len(ii):  # rare (language switches): keep the IPA, judge mouth shapes from it
                aa = ii
            out.append(list(zip(aa, ii)))
        return out

    def _to_phonemes(self, text: str, mode: int) -> list[str]:
        buf = ctypes.create_string_buffer(text.encode("utf-8"))
        ptr = ctypes.c_void_p(ctypes.addressof(buf))
        words: list[str] = []
        while ptr.value:
            raw = self._lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, mode)
            words.extend(w for w in (raw or b"").decode("utf-8", "replace").split() if w)
        return words

    def synth_events(self, text: str, voice: str) -> Events:
        """Speak `text` with espeak-ng itself: its audio and its word and phoneme events."""
        with self._lock:
            self._set_voice(voice)
            self._capture.reset()
            data = text.encode("utf-8") + b"\0"
            if self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None) != 0:
                raise TTSError("espeak-ng could not speak the text for the neural voice's timing")
            return Events(self._capture.pcm_bytes(), self.rate_hz, self._capture.events)

    def _on_synth(self, wav, numsamples: int, events) -> int:  # noqa: ANN001 - ctypes pointers
        self._capture.add(wav, numsamples, events)
        return 0
