"""The TOML config file (voice, look, show, record, kiosk) read into a frozen value; no global instance.

Where it is looked for, first found wins: --config FILE, $AVATAR_CONFIG, ./avatar.toml,
then the user's config folder (~/.config/avatar/config.toml, %APPDATA%\\avatar\\config.toml).
Values become the defaults of the command-line options; options given on the command line win.

    [voice]   engine = "pyttsx3"   voice = "en-gb"   rate = 165   pronounce = "names.toml"
    [look]    name = "official"   face = "portrait.jpg" (a photo or a mouth-sprite folder)
    [show]    captions = true   size = "1280x720"   fps = 60
    [record]  size = "1920x1080"   fps = 30   crf = 23   preset = "auto"   burn_captions = false
    [kiosk]   model = "..."   base_url = "http://127.0.0.1:11434/v1"   api_key = "..."
              connect_timeout = 3.0   first_token_timeout = 6.0   stall_timeout = 4.0
              idle_reset = 60.0   max_question = 500   operator_key = "ctrl+shift+q"   script = "..."
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from avatar.errors import ConfigError

_NUM = (int, float)
# section -> key -> (accepted types, {command: argparse dest})
SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], dict[str, str]]]] = {
    "voice": {
        "engine": ((str,), {c: "engine" for c in ("play", "say", "record", "lipsync", "voices", "kiosk")}),
        "voice": ((str,), {c: "voice" for c in ("play", "say", "record", "lipsync", "kiosk")}),
        "rate": ((int,), {c: "rate" for c in ("play", "say", "record", "lipsync", "kiosk")}),
        "pronounce": ((str,), {c: "pronounce" for c in ("play", "say", "record", "kiosk")}),
    },
    "look": {"name": ((str,), {c: "look" for c in ("play", "say", "record", "kiosk")}),
             "face": ((str,), {c: "face" for c in ("play", "say", "record", "kiosk")})},
    "show": {
        "captions": ((bool,), {}),  # mapped by hand: captions = false -> --no-captions
        "size": ((str,), {"play": "size", "say": "size"}),
        "fps": ((int,), {"play": "fps", "say": "fps"}),
    },
    "record": {
        "size": ((str,), {"record": "size"}),
        "fps": (_NUM, {"record": "fps"}),
        "crf": ((int,), {"record": "crf"}),
        "preset": ((str,), {"record": "preset"}),
        "burn_captions": ((bool,), {"record": "burn_captions"}),
    },
    "kiosk": {
        "model": ((str,), {"kiosk": "model"}),
        "base_url": ((str,), {"kiosk": "base_url"}),
        "api_key": ((str,), {}),  # read by the kiosk only; never printed
        "connect_timeout": (_NUM, {"kiosk": "connect_timeout"}),
        "first_token_timeout": (_NUM, {"kiosk": "first_token_timeout"}),
        "stall_timeout": (_NUM, {"kiosk": "stall_timeout"}),
        "idle_reset": (_NUM, {"kiosk": "idle_reset"}),
        "max_question": ((int,), {"kiosk": "max_question"}),
        "operator_key": ((str,), {"kiosk": "operator_key"}),
        "script": ((str,), {"kiosk": "script"}),
        "knowledge": ((str,), {"kiosk": "knowledge"}),
        "listen": ((str,), {"kiosk": "listen"}),
        "listen_url": ((str,), {"kiosk": "listen_url"}),
        "listen_model": ((str,), {"kiosk": "listen_model"}),
        "talk_key": ((str,), {"kiosk": "talk_key"}),
        "talk_button": ((int,), {"kiosk": "talk_button"}),
    },
}


@dataclass(frozen=True)
class Config:
    """What the config file said, by section; `path` is None when there was no file."""

    path: str | None = None
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.values.get(section, {}).get(key, default)

    def defaults_for(self, command: str) -> dict[str, Any]:
        """argparse defaults for one subcommand."""
        out: dict[str, Any] = {}
        for section, keys in SCHEMA.items():
            for key, (_types, dests) in keys.items():
                if key in self.values.get(section, {}) and command in dests:
                    value = self.values[section][key]
                    if dests[command] in ("script", "knowledge", "pronounce", "face") and self.path:
                        value = Path(self.path).parent / value  # relative to the config file
                    out[dests[command]] = value
        if self.get("show", "captions") is False and command in ("play", "say", "record", "kiosk"):
            out["no_captions"] = True
        return out

    @property
    def api_key(self) -> str | None:
        return self.get("kiosk", "api_key")

    def __repr__(self) -> str:  # never show the key
        return f"Config(path={self.path!r}, sections={sorted(self.values)})"


def user_config_path() -> Path:
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home())) / "avatar" / "config.toml"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "avatar" / "config.toml"


def find_config(explicit: str | None, env: Mapping[str, str] = os.environ) -> Path | None:
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"config file not found: {p} (check --config)")
        return p
    if env.get("AVATAR_CONFIG"):
        p = Path(env["AVATAR_CONFIG"])
        if not p.is_file():
            raise ConfigError(f"config file not found: {p} (check $AVATAR_CONFIG)")
        return p
    for p in (Path("avatar.toml"), user_config_path()):
        if p.is_file():
            return p
    return None


def _line_of(text: str, section: str, key: str | None) -> int:
    lines = text.splitlines()
    in_section = False
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            if key is None and in_section:
                return i
        elif in_section and key is not None and re.match(rf"{re.escape(key)}\s*=", stripped):
            return i
    return 1


def parse_config(text: str, path: str = "avatar.toml") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        where = f"{path}:{m.group(1)}" if m else path
        msg = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise ConfigError(f"{where}: broken config file ({msg}); fix the TOML or move the file away") from exc
    values: dict[str, dict[str, Any]] = {}
    for section, body in raw.items():
        if section not in SCHEMA:
            raise ConfigError(f"{path}:{_line_of(text, section, None)}: unknown section [{section}]; "
                              f"known sections: {', '.join(SCHEMA)}")
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: '{section}' must be a [{section}] section")
        values[section] = {}
        for key, value in body.items():
            if key not in SCHEMA[section]:
                raise ConfigError(f"{path}:{_line_of(text, section, key)}: unknown key '{key}' in "
                                  f"[{section}]; known keys: {', '.join(SCHEMA[section])}")
            types = SCHEMA[section][key][0]
            ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
            if not ok:
                kind = {str: "a quoted string", int: "a whole number", bool: "true or false"}.get(types[0], "a number")
                raise ConfigError(f"{path}:{_line_of(text, section, key)}: [{section}] {key} must be {kind}")
            values[section][key] = value
    return Config(path, values)


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: config file is not UTF-8 text; save it as UTF-8") from exc
    return parse_config(text, str(path))


def config_arg(argv: Sequence[str]) -> str | None:
    """The value of --config in argv (looked at before the full parse, since it sets defaults)."""
    for i, a in enumerate(argv):
        if a == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--config="):
            return a.split("=", 1)[1]
    return None
