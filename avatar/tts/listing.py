"""`avatar voices`: the default engine's voices and the neural ones in one table with engine and quality."""

from __future__ import annotations

import sys

from avatar.tts.base import VoiceInfo


def all_voices(engine: str = "pyttsx3") -> list[VoiceInfo]:
    """The engine's voices, then (for the default engine) every neural voice that is installed."""
    from avatar.tts import get_engine

    name = "espeak-ng" if sys.platform.startswith("linux") else "system"
    voices = [v if v.engine else VoiceInfo(v.id, v.name, v.languages, engine=name, quality="basic")
              for v in get_engine(engine).voices()]
    if engine == "pyttsx3":
        from avatar.tts.catalog import neural_voices

        voices += [VoiceInfo(v.id, v.id, (v.language,) if v.language else (), engine="piper (neural)",
                             quality=v.quality or "-") for v in neural_voices()]
    return voices


def print_voices(engine: str = "pyttsx3", language: str | None = None) -> int:
    voices = all_voices(engine)
    if language:
        wanted = language.lower().replace("_", "-")
        voices = [v for v in voices
                  if any(lang.lower().replace("_", "-").startswith(wanted) for lang in v.languages)]
    width = max((len(v.id) for v in voices), default=2)
    print(f"{'id'.ljust(width)}  {'language':10}  {'engine':14}  {'quality':7}  name")
    for v in voices:
        print(f"{v.id.ljust(width)}  {','.join(v.languages)[:10]:10}  {v.engine:14}  {v.quality:7}  {v.name}")
    if not any(v.engine.startswith("piper") for v in voices) and engine == "pyttsx3" and not language:
        from avatar.tts.catalog import INSTALL_HINT

        print(f"(no neural voices installed; for a natural voice: {INSTALL_HINT})")
    return 0
