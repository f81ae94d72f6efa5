"""The voice for each piece of an answer: the kiosk's own voice for its language, else one that speaks
the language the piece is written in (a Chinese answer in espeak-ng's Mandarin, an English one in English)."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from avatar.errors import AvatarError
from avatar.language import base_language, guess_language
from avatar.tts.base import VoiceSettings


class LanguageVoices:
    """`settings_for(text, base)`: `base` when the text is in the kiosk's language (or `base` is the
    engine's default and the text English), else the engine's voice for the text's language
    (`resolve("zh")` -> "sit/cmn"), looked up once; `base` again if the engine has none."""

    def __init__(self, language: str, resolve: Callable[[str], str] | None,
                 logger: logging.Logger | None = None) -> None:
        self.language = base_language(language) or "en"
        self._resolve = resolve
        self._found: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self.log = logger or logging.getLogger("avatar.kiosk")

    def language_of(self, text: str) -> str:
        return guess_language(text, self.language)

    def settings_for(self, text: str, base: VoiceSettings) -> VoiceSettings:
        language = self.language_of(text)
        if self._resolve is None:
            return base
        if base.voice and language == self.language:
            return base
        if not base.voice and language == "en":  # "" is the engine's default voice: English
            return base
        voice = self._voice(language)
        return base if voice is None else VoiceSettings(voice, base.rate_wpm)

    def _voice(self, language: str) -> str | None:
        with self._lock:
            if language not in self._found:
                try:
                    self._found[language] = self._resolve(language) if self._resolve else None
                except AvatarError as exc:  # no such voice installed, or the engine is down
                    self.log.warning("no voice for language '%s' (%s); using the kiosk's voice",
                                     language, type(exc).__name__)
                    self._found[language] = None
            return self._found[language]
