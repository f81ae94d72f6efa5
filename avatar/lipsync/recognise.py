"""The phone-recogniser seam: which recogniser (if any) hears a recording's phones in a given language."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from typing import Protocol

from avatar.audio import Audio
from avatar.errors import UsageError
from avatar.tts.base import PhonemeTiming


class PhoneRecogniser(Protocol):
    """Timed phones of a recording, as espeak-ng mnemonics (so avatar.lipsync.phonemes sets the shapes)."""

    name: str

    def recognise(self, audio: Audio,
                  progress: Callable[[float], None] | None = None) -> tuple[PhonemeTiming, ...]:
        """`progress`, if given, is called with the seconds of audio just finished."""
        ...


def _pocketsphinx() -> PhoneRecogniser:
    from avatar.lipsync.sphinx import PocketSphinxRecogniser

    return PocketSphinxRecogniser()


# name -> (factory, the Python package it needs, the pip extra that brings it, languages it hears)
RECOGNISERS: dict[str, tuple[Callable[[], PhoneRecogniser], str, str, tuple[str, ...]]] = {
    "pocketsphinx": (_pocketsphinx, "pocketsphinx", "phones", ("en",)),
}

_made: dict[str, PhoneRecogniser] = {}
_lock = threading.Lock()


def base_language(language: str | None) -> str:
    """"en-US", "en_gb", "EN" -> "en"; None or "" -> "" (unknown)."""
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def installed(name: str) -> bool:
    return importlib.util.find_spec(RECOGNISERS[name][1]) is not None


def names_for(language: str | None) -> list[str]:
    """The recognisers that hear `language` (installed or not), best first."""
    lang = base_language(language)
    return [name for name, (_, _, _, langs) in RECOGNISERS.items() if lang in langs]


def get_recogniser(name: str) -> PhoneRecogniser:
    """The named recogniser, made once per process (its model loads once); UsageError if not installed."""
    if name not in RECOGNISERS:
        raise UsageError(f"unknown phone recogniser '{name}'; choose one of: {', '.join(RECOGNISERS)}")
    factory, _, extra, _ = RECOGNISERS[name]
    if not installed(name):
        raise UsageError(f"phone recognition with {name} is not installed; pip install 'avatar[{extra}]'")
    with _lock:
        if name not in _made:
            _made[name] = factory()
        return _made[name]


def recogniser_for(language: str | None) -> PhoneRecogniser | None:
    """An installed recogniser for `language`, or None (the caller then reads shapes from the spectrum)."""
    for name in names_for(language):
        if installed(name):
            return get_recogniser(name)
    return None
