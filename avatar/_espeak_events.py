"""espeak-ng's synth callback read in one place: its event layout, and each call's samples and word/phoneme events.

Two copies of espeak-ng feed it: the pyttsx3 worker process (`avatar._tts_worker`) and this process's
own (`avatar.tts.espeak_lib`, for the neural voice). It imports only ctypes, and lives outside
`avatar.tts`, so that the worker can use it without paying for numpy at start-up.

An event becomes ("w", audio_ms, text_position, length) for a word (text_position counts characters
from 1, as espeak-ng does) or ("ph", audio_ms, mnemonic) for a phoneme; other kinds are skipped.
"""

from __future__ import annotations

import ctypes

EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_PHONEME = 0, 1, 7


class Event(ctypes.Structure):
    """espeak_EVENT; `id` is the union's 8 bytes, which hold a phoneme's mnemonic in a phoneme event."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.POINTER(Event))
_EVENTS = ctypes.POINTER(Event)


class Capture:
    """What the synth callback delivered since `reset()`: every sample (int16 bytes) and every event."""

    def __init__(self) -> None:
        self.pcm: list[bytes] = []
        self.events: list[tuple] = []

    def reset(self) -> None:
        self.pcm, self.events = [], []

    def add(self, wav, numsamples: int, events) -> None:  # wav, events: ctypes pointers
        """Keep one callback's samples and events; `events` may be any pointer to espeak_EVENT (pyttsx3 has its own type)."""
        if numsamples > 0 and wav:
            self.pcm.append(ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short)))
        if not isinstance(events, _EVENTS):
            events = ctypes.cast(events, _EVENTS)
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == EVENT_PHONEME:
                self.events.append(("ph", ev.audio_position, ev.id.split(b"\0")[0].decode("ascii", "replace")))
            elif ev.type == EVENT_WORD:
                self.events.append(("w", ev.audio_position, ev.text_position, ev.length))
            i += 1

    def pcm_bytes(self) -> bytes:
        return b"".join(self.pcm)
