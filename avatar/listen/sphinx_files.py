"""What the `phones` extra's pocketsphinx wheel ships (acoustic model, general language model, CMU
dictionary), and the one message for when it is not installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from avatar.errors import UsageError

INSTALL_HINT = "pip install 'avatar[phones]'"


def sphinx_installed() -> bool:
    return importlib.util.find_spec("pocketsphinx") is not None


def missing_extra() -> UsageError:
    return UsageError(f"offline speech recognition needs PocketSphinx; {INSTALL_HINT}")


def model_path(*parts: str) -> Path:
    """A path inside the wheel's model folder."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path(), *parts)


def generic_lm_path() -> Path:
    """PocketSphinx's own general US English trigram model (the benchmark's comparison)."""
    return model_path("en-us", "en-us.lm.bin")


def cmudict_path() -> Path:
    """The US English dictionary inside the wheel."""
    return model_path("en-us", "cmudict-en-us.dict")
