"""The kiosk's voice: the speech engine, or the words alone when it fails, so nothing is ever lost or said wrong.

The rule, in one place: if the voice fails on a chunk, the chunk still goes out as a caption-only
(silent) speech; the cause is logged once when the voice starts failing (by kind, never its text)
and once when it works again; a chunk that comes back without samples is tried once more.
"""

from __future__ import annotations

import logging
from typing import Callable

from avatar.audio import VOICE_RATE_HZ
from avatar.tts.base import SILENT_ENGINE, Speech, VoiceSettings, caption_only

CAPTION_TAIL_S = 0.2    # a caption-only chunk stays this long after its last word

SpeakFn = Callable[[str], Speech]


def silent_speech(text: str, rate_hz: int = VOICE_RATE_HZ) -> Speech:
    """A caption-only stand-in for a chunk the voice could not speak (shown, never heard)."""
    return caption_only(text, rate_hz, tail_s=CAPTION_TAIL_S)


def is_silent(speech: Speech) -> bool:
    """Whether `speech` is a caption-only stand-in."""
    return speech.engine == SILENT_ENGINE


class GuardedVoice:
    """Call it with a chunk of text; it always returns a Speech (caption-only when the voice failed).

    `on_failure()` runs for every chunk the voice failed on (e.g. to emit an `error` event)."""

    def __init__(self, speak: SpeakFn, *, logger: logging.Logger | None = None,
                 on_failure: Callable[[], None] | None = None) -> None:
        self._speak = speak
        self.log = logger or logging.getLogger("avatar.kiosk")
        self._on_failure = on_failure or (lambda: None)
        self.failing = False

    def __call__(self, text: str) -> Speech:
        return self.attempt(text)[0]

    def attempt(self, text: str) -> tuple[Speech, bool]:
        """The speech of `text`, and whether the voice failed on it (then the speech is caption-only)."""
        try:
            speech = self._speak(text)
            if speech.duration_s == 0 and any(ch.isalnum() for ch in text):
                # pyttsx3/espeak now and then finishes a file with no samples; once more usually works.
                self.log.info("speech engine returned no audio; synthesising the chunk again")
                speech = self._speak(text)
        except Exception as exc:  # noqa: BLE001 - TTSError or worse: show the words, keep talking
            if not self.failing:
                self.failing = True
                self.log.warning("speech synthesis failed (%s); answers go on without voice until it "
                                 "works again", type(exc).__name__)
            else:
                self.log.debug("speech synthesis failed again (%s)", type(exc).__name__)
            self._on_failure()
            return silent_speech(text), True
        if self.failing:
            self.failing = False
            self.log.info("speech synthesis works again")
        if speech.duration_s == 0 and any(ch.isalnum() for ch in text):
            return silent_speech(text), False
        return speech, False


def engine_voice(engine: str, settings: VoiceSettings, language: str = "en") -> tuple[SpeakFn, VoiceSettings]:
    """Speak with the shared engine `engine`: the voice resolved now (an unknown one is a UsageError
    before the first visitor), and no disk cache (answers can quote what a visitor typed). A piece
    of text in another language than the kiosk's (`language`) is spoken by a voice for its own
    language (see `avatar.kiosk.voices.LanguageVoices`)."""
    from avatar.tts import get_engine, synthesize
    from avatar.tts.base import check_rate
    from avatar.tts.choose import resolve_settings

    check_rate(settings.rate_wpm)
    from avatar.kiosk.voices import LanguageVoices
    from avatar.tts.catalog import engine_for

    # An unknown engine or voice is a UsageError now, not on the first question.
    tts = get_engine(engine_for(settings.voice, engine))
    settings = resolve_settings(tts, settings)
    # Text in another language goes to the engine's voice for it (a neural voice speaks one language).
    voices = LanguageVoices(language, get_engine(engine).resolve_voice)

    def speak(text: str) -> Speech:
        return synthesize(text, voices.settings_for(text, settings), engine=engine, use_cache=False)

    return speak, settings
