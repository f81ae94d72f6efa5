"""Put a kiosk's brain together from a speech script, knowledge notes and LLM settings."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from avatar.kiosk.answerer import Answerer
from avatar.kiosk.chain import AnswerChain
from avatar.kiosk.grounding import Grounding, grounding_from_script
from avatar.kiosk.llm import LLMAnswerer, LLMSettings, llm_answerer_from_env
from avatar.kiosk.local import LocalAnswerer
from avatar.kiosk.patience import PatienceRules
from avatar.kiosk.prompt import system_prompt
from avatar.kiosk.session import KioskSession, SessionRules
from avatar.pronounce import NO_LEXICON, Lexicon, with_pronunciation
from avatar.tts.base import VoiceSettings

from avatar.assets import assets_dir

ASSETS = assets_dir()
DEFAULT_SCRIPT = ASSETS / "speeches" / "beijing-digital-economy.md"
DEFAULT_KNOWLEDGE = ASSETS / "knowledge"


@dataclass(frozen=True)
class KioskConfig:
    """Everything a kiosk needs to know before the first visitor arrives."""

    script_path: Path = DEFAULT_SCRIPT
    knowledge_dir: Path | None = DEFAULT_KNOWLEDGE
    llm: LLMSettings = field(default_factory=LLMSettings)
    rules: SessionRules = field(default_factory=SessionRules)
    voice_id: str | None = None    # None = the script's voice
    rate_wpm: int | None = None    # None = the script's rate (else 175)
    pronounce: Path | None = None  # a pronunciation list under the script's own (see avatar/pronounce.py)
    patience: PatienceRules = field(default_factory=PatienceRules)  # acknowledging a slow model


@dataclass(frozen=True)
class KioskSetup:
    """The parts of a ready kiosk: ask `session`, speak with `voice_settings`; `llm` is None when offline."""

    session: KioskSession
    grounding: Grounding
    voice_settings: VoiceSettings
    local: LocalAnswerer
    llm: LLMAnswerer | None
    pronounce: Lexicon = NO_LEXICON

    def info(self) -> dict[str, object]:
        """What the kiosk runs with, safe to print (no key, no URL: a URL may carry credentials)."""
        return {"llm": self.llm is not None, "model": self.llm.settings.model if self.llm else None,
                "sources": list(self.session.chain.sources), "speaker": self.grounding.persona.speaker}


def build_kiosk(config: KioskConfig, *, env: Mapping[str, str] | None = None,
                clock: Callable[[], float] = time.monotonic,
                logger: logging.Logger | None = None) -> KioskSetup:
    """Read the script and notes, build the answerers (LLM only if configured) and a session."""
    from avatar.script import load_script

    log = logger or logging.getLogger("avatar.kiosk")
    script = with_pronunciation(load_script(config.script_path), config.pronounce)
    grounding = grounding_from_script(script, config.knowledge_dir)
    local = LocalAnswerer(grounding)
    llm = llm_answerer_from_env(config.llm, system_prompt(grounding), env)
    answerers: list[Answerer] = [a for a in (llm, local) if a is not None]
    chain = AnswerChain(answerers, logger=log, patience=config.patience)
    session = KioskSession(chain, config.rules, clock=clock, logger=log)
    voice = VoiceSettings(
        voice=config.voice_id if config.voice_id is not None else script.meta.voice,
        rate_wpm=config.rate_wpm or script.meta.rate_wpm or VoiceSettings().rate_wpm,
    )
    return KioskSetup(session, grounding, voice, local, llm, script.meta.pronounce)
