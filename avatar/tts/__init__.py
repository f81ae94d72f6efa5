"""The voice seam: `synthesize(text) -> Speech` through one registry of engines, with a disk cache.

    ENGINES = {"pyttsx3": ..., "piper": ..., "fake": ...}   # the only place an engine's name is written

`engine_for(voice)` (avatar.tts.catalog) is the one place a voice name picks its engine: a neural
voice ("joe", "en_US-joe-medium", "path/to/voice.onnx") is spoken by "piper", the rest by pyttsx3.

`Voice` binds an engine, settings and the cache; `synthesize()` is the shortcut that uses one
shared pyttsx3 engine per process (the engine itself can start only once per process).
"""

from __future__ import annotations

import threading
from typing import Callable

from avatar.errors import UsageError
from avatar.tts.base import PhonemeTiming, Speech, TTSEngine, VoiceInfo, VoiceSettings, WordTiming
from avatar.tts.cache import SpeechCache


def _make_pyttsx3() -> TTSEngine:
    from avatar.tts.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine()


def _make_piper() -> TTSEngine:
    from avatar.tts.catalog import require_runtime

    require_runtime("piper")
    from avatar.tts.piper_engine import PiperEngine

    return PiperEngine()


def _make_fake() -> TTSEngine:
    from avatar.tts.fake import FakeEngine

    return FakeEngine()


ENGINES: dict[str, Callable[[], TTSEngine]] = {
    "pyttsx3": _make_pyttsx3, "piper": _make_piper, "fake": _make_fake,
}

_shared: dict[str, TTSEngine] = {}
_shared_lock = threading.Lock()


def get_engine(name: str = "pyttsx3") -> TTSEngine:
    """The process's engine of that name, started on first use."""
    with _shared_lock:
        if name not in _shared:
            factory = ENGINES.get(name)
            if factory is None:
                raise UsageError(f"unknown speech engine '{name}'; choose one of: {', '.join(ENGINES)}")
            _shared[name] = factory()
        return _shared[name]


class Voice:
    """An engine with fixed settings and a cache: what the rest of the app speaks through."""

    def __init__(self, engine: TTSEngine, settings: VoiceSettings | None = None,
                 cache: SpeechCache | None = None, use_cache: bool = True) -> None:
        self.engine = engine
        self.settings = settings or VoiceSettings()
        self.cache = (cache or SpeechCache()) if use_cache else None

    def synthesize(self, text: str) -> Speech:
        if self.cache is None:
            return self.engine.synthesize(text, self.settings)
        key = SpeechCache.key(text, self.settings, self.engine.name)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        speech = self.engine.synthesize(text, self.settings)
        self.cache.put(key, speech)
        return speech


def synthesize(text: str, settings: VoiceSettings | None = None, *, engine: str = "pyttsx3",
               use_cache: bool = True) -> Speech:
    """Speak `text` with the shared engine (cached on disk); a neural voice goes to the neural engine."""
    from avatar.tts.catalog import engine_for

    return Voice(get_engine(engine_for(settings.voice if settings else "", engine)), settings,
                 use_cache=use_cache).synthesize(text)


__all__ = ["ENGINES", "PhonemeTiming", "Speech", "SpeechCache", "TTSEngine", "Voice", "VoiceInfo",
           "VoiceSettings", "WordTiming", "get_engine", "synthesize"]
