"""Which recogniser hears the kiosk's visitors: the settings and the one factory the kiosk calls.

    engine   what it does
    auto     "server" when a transcription base URL is configured, else "sphinx"
    sphinx   offline PocketSphinx with the kiosk's own language model (English; `phones` extra)
    server   an OpenAI-compatible /v1/audio/transcriptions endpoint (any language it knows)
    off      no listening: `make_recogniser` returns None

The transcription server is found in `ListenSettings.base_url`, else $AVATAR_LISTEN_BASE_URL; an
explicit "server" without either uses $OPENAI_BASE_URL, else the OpenAI cloud. The key is
$OPENAI_API_KEY, or a placeholder for a server of your own (they ignore it), as for the answerer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from avatar.errors import ConfigError
from avatar.language import base_language
from avatar.listen.base import Recogniser
from avatar.listen.sphinx_files import missing_extra, sphinx_installed

if TYPE_CHECKING:
    from avatar.kiosk.grounding import Grounding

ENGINES = ("auto", "sphinx", "server", "off")
BASE_URL_ENV = "AVATAR_LISTEN_BASE_URL"
SPHINX_LANGUAGES = ("en",)  # the pocketsphinx wheel ships a US English model only


@dataclass(frozen=True)
class ListenSettings:
    """How the kiosk listens. `language` None means the kiosk's own (the speech's front matter)."""

    engine: str = "auto"
    base_url: str | None = None
    model: str = "whisper-1"
    timeout_s: float = 6.0
    language: str | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown speech recogniser '{self.engine}'; choose one of: {', '.join(ENGINES)}")
        if not self.timeout_s > 0:
            raise ConfigError("the speech recognition timeout must be more than 0 seconds")


def configured_base_url(settings: ListenSettings, env: Mapping[str, str]) -> str | None:
    """The transcription server named for listening (not the answerer's), if any."""
    return settings.base_url or (env.get(BASE_URL_ENV) or "").strip() or None


def engine_for(settings: ListenSettings, language: str, env: Mapping[str, str]) -> str:
    """The engine "auto" stands for (others are themselves)."""
    if settings.engine != "auto":
        return settings.engine
    return "server" if configured_base_url(settings, env) else "sphinx"


def _make_sphinx(settings: ListenSettings, grounding: "Grounding", language: str, env: Mapping[str, str],
                 cache_dir: Path | None) -> Recogniser:
    if language not in SPHINX_LANGUAGES:
        raise ConfigError(
            f"offline speech recognition hears English only, and this kiosk speaks '{language}'; "
            f"give a transcription server (base URL, or ${BASE_URL_ENV}) to listen in other languages")
    if not sphinx_installed():
        raise missing_extra()
    from avatar.listen.sphinx import SphinxRecogniser
    from avatar.listen.topic_lm import topic_model

    return SphinxRecogniser.for_topic(topic_model(grounding, cache_dir=cache_dir))


def _make_server(settings: ListenSettings, grounding: "Grounding", language: str, env: Mapping[str, str],
                 cache_dir: Path | None) -> Recogniser:
    from avatar.kiosk.llm import resolve_api_key
    from avatar.listen.server import ServerRecogniser, ServerSettings

    base_url = configured_base_url(settings, env) or (env.get("OPENAI_BASE_URL") or "").strip() or None
    key = resolve_api_key(base_url, env)
    if key is None:
        raise ConfigError("speech recognition by a server needs OPENAI_API_KEY, or the base URL of a server "
                          f"of your own (${BASE_URL_ENV})")
    return ServerRecogniser(ServerSettings(base_url=base_url, model=settings.model, timeout_s=settings.timeout_s,
                                           language=language or None), api_key=key)


# engine -> factory(settings, grounding, language, env, cache_dir); "auto" and "off" are resolved first.
RECOGNISERS: dict[str, Callable[..., Recogniser]] = {"sphinx": _make_sphinx, "server": _make_server}


def make_recogniser(settings: ListenSettings, grounding: "Grounding", *, env: Mapping[str, str] | None = None,
                    cache_dir: Path | None = None) -> Recogniser | None:
    """The recogniser for this kiosk, ready to use (an offline model is built or read from the cache
    here, which can take a second the first time); None when listening is "off". Raises UsageError
    (a one-line message with the fix) when the choice cannot work here."""
    env = os.environ if env is None else env
    if settings.engine == "off":
        return None
    language = base_language(settings.language or grounding.persona.language) or "en"
    engine = engine_for(settings, language, env)
    return RECOGNISERS[engine](settings, grounding, language, env, cache_dir)
