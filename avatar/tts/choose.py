"""Which voice speaks: the user's choice, else the script's voice, else one for the script's language."""

from __future__ import annotations

import logging

from avatar.errors import TTSError, UsageError
from avatar.tts.base import DEFAULT_RATE_WPM, TTSEngine, VoiceSettings, check_rate

log = logging.getLogger("avatar")


def resolve_settings(engine: TTSEngine, settings: VoiceSettings) -> VoiceSettings:
    """`settings` with the voice resolved to one of the engine's ids (UsageError for an unknown voice).

    An engine that cannot even list its voices leaves the voice as given: a speech still goes on as
    captions, each sentence meets the same error, and the builder reports it once."""
    if not settings.voice:
        return settings
    try:
        return VoiceSettings(engine.resolve_voice(settings.voice), settings.rate_wpm)
    except TTSError as exc:
        log.debug("could not resolve voice %r: %s", settings.voice, exc)
        return settings


def choose_settings(engine: TTSEngine, *, voice: str | None = None, rate_wpm: int | None = None,
                    script_voice: str = "", script_rate_wpm: int | None = None,
                    language: str = "") -> VoiceSettings:
    """The settings to speak with: `voice`/`rate_wpm` (the user's) win over the script's; a script in a
    language other than English with no voice named gets a voice for that language if one is installed."""
    rate = check_rate(rate_wpm if rate_wpm is not None else (script_rate_wpm or DEFAULT_RATE_WPM))
    settings = VoiceSettings(voice=voice if voice is not None else script_voice, rate_wpm=rate)
    if not settings.voice and language and language.lower() not in ("en", ""):
        try:
            return VoiceSettings(engine.resolve_voice(language), rate)
        except UsageError:
            log.warning("no installed voice speaks language '%s'; using the default voice "
                        "(see 'avatar voices')", language)
        except TTSError:
            pass
        return settings
    return resolve_settings(engine, settings)
