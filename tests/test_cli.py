"""The command line as a user runs it: real subprocesses, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "speeches" / "beijing-digital-economy.md"


def run(*args: str, cwd: Path | None = None, stdin: str | None = None, timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "avatar", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, input=stdin, timeout=timeout, env=env)


def assert_usage_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_help_and_version() -> None:
    out = run("--help")
    assert out.returncode == 0
    for cmd in ("play", "say", "voices", "lipsync"):
        assert cmd in out.stdout
    assert run("--version").stdout.startswith("avatar ")


def test_voices_lists_installed_voices() -> None:
    out = run("voices", "--language", "en")
    assert out.returncode == 0
    assert "en-us" in out.stdout and "en-gb" in out.stdout.replace("gmw/", "")


def test_play_headless_speaks_the_sample_speech_start(tmp_path: Path) -> None:
    out = run("play", str(SAMPLE), "--max-seconds", "3", "--stats", "--size", "320x180")
    assert out.returncode == 0, out.stderr
    stats = dict(kv.split("=") for kv in out.stdout.split())
    assert int(stats["frames"]) > 0
    assert float(stats["first_audio_s"]) >= 0, "the voice started within the three seconds"
    assert stats["silent"] == "0", "the dummy sound driver counts as a sound device"


def test_say_speaks_one_line() -> None:
    out = run("say", "Welcome", "to", "Geneva.", "--stats", "--size", "320x180")
    assert out.returncode == 0, out.stderr
    assert float(dict(kv.split("=") for kv in out.stdout.split())["show_end_s"]) > 1.0


@pytest.mark.parametrize("args, needle", [
    (("play", "nope.md"), "not found"),
    (("play",), "give a speech script"),
    (("play", str(SAMPLE), "--rate", "9000"), "out of range"),
    (("play", str(SAMPLE), "--voice", "klingon-xx"), "unknown voice"),
    (("play", str(SAMPLE), "--size", "big"), "WIDTHxHEIGHT"),
    (("play", "--audio", "missing.wav"), "not found"),
    (("play", str(SAMPLE), "--look", "pirate"), "look"),
    (("lipsync", "missing.wav"), "not found"),
    (("frobnicate",), "invalid choice"),
    (("say", "   "), "nothing to say"),
])
def test_usage_errors_are_one_line_exit_2(args: tuple[str, ...], needle: str) -> None:
    assert_usage_error(run(*args), needle)


def test_bad_script_names_the_line(tmp_path: Path) -> None:
    script = tmp_path / "talk.md"
    script.write_text("Hello.\n\nThis is [dance] now.\n", "utf-8")
    out = run("play", str(script))
    assert_usage_error(out, "talk.md:3:9: unknown directive")


def test_lipsync_exports_rhubarb_json_and_tsv(tmp_path: Path) -> None:
    from avatar.audio import save_wav
    from avatar.tts import synthesize

    wav = tmp_path / "hello.wav"
    save_wav(synthesize("Maybe a map, Bob.").audio, wav)
    out = run("lipsync", str(wav), "-o", str(tmp_path / "cues.json"))
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "cues.json").read_text())
    assert data["metadata"]["soundFile"] == "hello.wav"
    cues = data["mouthCues"]
    assert cues[0]["start"] == 0 and abs(cues[-1]["end"] - data["metadata"]["duration"]) < 0.011
    assert {c["value"] for c in cues} <= set("ABCDEFGHX") and "A" in {c["value"] for c in cues}
    assert data["openness"]["fps"] > 0 and len(data["openness"]["values"]) > 10
    tsv = run("lipsync", str(wav), "--text", "Maybe a map, Bob.", "--format", "tsv")
    assert tsv.returncode == 0, tsv.stderr
    rows = [ln.split("\t") for ln in tsv.stdout.strip().splitlines()]
    assert all(len(r) == 2 and r[1] in "ABCDEFGHX" for r in rows)
    assert [float(r[0]) for r in rows] == sorted(float(r[0]) for r in rows)


def test_lipsync_refuses_non_audio(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio", "utf-8")
    assert_usage_error(run("lipsync", str(bogus)), "not a readable audio file")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert_usage_error(run("lipsync", str(empty)), "empty")


def test_broken_config_file_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "avatar.toml"
    cfg.write_text("[voice\nrate = 1\n", "utf-8")
    assert_usage_error(run("--config", str(cfg), "voices"), "broken config file")
    assert_usage_error(run("voices", cwd=tmp_path), "broken config file")


def test_script_background_colour_or_image(tmp_path: Path) -> None:
    import pygame

    from avatar.face.look import with_background
    from avatar.errors import ScriptError
    from avatar.face.look import get_look

    look = get_look("official")
    red = with_background(look, "#c02020", str(tmp_path), "talk.md")
    assert red.background_top == (192, 32, 32) and red.background_bottom[0] < 192
    img = tmp_path / "hall.png"
    pygame.image.save(pygame.Surface((8, 8)), str(img))
    assert with_background(look, "hall.png", str(tmp_path), "talk.md").background_image == str(img.resolve())
    with pytest.raises(ScriptError, match="neither a colour"):
        with_background(look, "nowhere.png", str(tmp_path), "talk.md")
    script = tmp_path / "bg.md"
    script.write_text('+++\nbackground = "teal"\n+++\nHello.\n', "utf-8")
    assert_usage_error(run("play", str(script)), "neither a colour")


def test_a_command_starts_without_setuptools_pkg_resources() -> None:
    """pygame tries setuptools' pkg_resources first to find its own files (a sixth of a start's time);
    commands import pygame without it, and pygame's own default font still loads by path."""
    code = ("import sys\n"
            "from avatar.cli import main\n"
            "code = main(['voices'])\n"
            "import pygame\n"
            "pygame.font.init()\n"
            "assert pygame.font.Font(None, 24).size('Geneva')[0] > 0\n"
            "print('exit', code, 'pkg_resources' in sys.modules, 'pygame' in sys.modules)\n")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "exit 0 False True"
