"""The config file: values become option defaults, the command line wins, mistakes name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from avatar.cli import build_parser
from avatar.config import find_config, load_config, parse_config
from avatar.errors import ConfigError

GOOD = """
[voice]
voice = "en-gb"
rate = 150

[look]
name = "host"

[show]
captions = false

[record]
size = "1920x1080"
crf = 20

[kiosk]
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-SECRET-in-config"
idle_reset = 30
"""


def test_config_values_are_defaults_and_the_command_line_wins(tmp_path: Path) -> None:
    cfg = parse_config(GOOD, str(tmp_path / "avatar.toml"))
    parser = build_parser(cfg)
    a = parser.parse_args(["play", "talk.md"])
    assert (a.voice, a.rate, a.look, a.no_captions) == ("en-gb", 150, "host", True)
    b = parser.parse_args(["play", "talk.md", "--rate", "200", "--look", "official"])
    assert (b.rate, b.look) == (200, "official")
    r = parser.parse_args(["record", "talk.md", "-o", "x.mp4"])
    assert (r.size, r.crf) == ("1920x1080", 20)
    assert cfg.api_key == "sk-SECRET-in-config"
    assert "SECRET" not in repr(cfg)


@pytest.mark.parametrize("text, needle, line", [
    ("[voice\nrate = 1\n", "broken config file", 1),
    ("[looks]\nname = 'x'\n", "unknown section [looks]", 1),
    ("[voice]\nspeed = 3\n", "unknown key 'speed'", 2),
    ("[voice]\n\nrate = \"fast\"\n", "must be a whole number", 3),
    ("[show]\ncaptions = 1\n", "true or false", 2),
])
def test_broken_config_names_file_and_line(text: str, needle: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "avatar.toml")
    assert needle in str(info.value) and f"avatar.toml:{line}" in str(info.value)


def test_config_is_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_config(None, env={}) is None
    (tmp_path / "avatar.toml").write_text("[look]\nname = 'host'\n")
    assert find_config(None, env={}) == Path("avatar.toml")
    other = tmp_path / "other.toml"
    other.write_text("[look]\nname = 'presenter'\n")
    assert find_config(None, env={"AVATAR_CONFIG": str(other)}) == other
    assert load_config(find_config(str(other))).get("look", "name") == "presenter"
    with pytest.raises(ConfigError, match="not found"):
        find_config(str(tmp_path / "missing.toml"))
    bad = tmp_path / "latin.toml"
    bad.write_bytes("[look]\nname = 'caf\xe9'\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(bad)


def test_kiosk_takes_its_key_from_the_config_file_and_never_prints_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    from llm_server import FakeLLMServer

    root = Path(__file__).resolve().parent.parent
    with FakeLLMServer() as server:
        cfg = tmp_path / "avatar.toml"
        cfg.write_text(f'[kiosk]\nbase_url = "{server.base_url}"\napi_key = "sk-SECRET-from-config"\n'
                       "first_token_timeout = 5\n", "utf-8")
        env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OPENAI_")}
        env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(root))
        proc = subprocess.run([sys.executable, "-m", "avatar", "--config", str(cfg), "kiosk", "--headless",
                               "--engine", "fake"], input="What is UNCTAD eWeek?\n", capture_output=True,
                              text=True, timeout=120, env=env)
        assert proc.returncode == 0, proc.stderr
        assert '"source": "llm"' in proc.stdout
        assert "SECRET" not in proc.stdout + proc.stderr
        auths = [r["headers"].get("authorization", "") for r in server.requests]
        assert any("sk-SECRET-from-config" in a for a in auths), "the key went to the server"
