"""Bad input, one row per case: the user gets one line naming the problem and its fix, exit 2, no file.

Rows marked `proc` run the real command line (`python -m avatar ...`) in a subprocess, as a user would,
all in parallel in one module fixture; the others call `avatar.cli.main(argv)` in this process, which
is the same code without the interpreter's start-up, and check the same exit code and stderr.
Unusual but valid input (8 kHz, 96 kHz, stereo, float32 audio, a 100,000-character line) must work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from avatar import cli, ffmpeg
from avatar.audio import Audio, save_wav

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One case: the command, the exit code and a phrase the one-line message must contain."""

    id: str
    argv: tuple[str, ...]      # "{d}" stands for the folder holding the inputs
    code: int
    needle: str = ""
    absent: tuple[str, ...] = ()   # files that must not exist afterwards (no partial output)
    proc: bool = False             # run as a real subprocess


def row(id: str, *argv: str, code: int = 2, needle: str = "", absent: tuple[str, ...] = (),
        proc: bool = False) -> Row:
    return Row(id, argv, code, needle, absent, proc)


PLAY = ("play", "--engine", "fake", "--mute", "--size", "320x180", "--max-seconds", "0.4")
REC = ("record", "{d}/ok.md", "--engine", "fake", "--quiet", "--size", "320x180")

ROWS = [
    # speech scripts
    row("missing-file", *PLAY, "{d}/nope.md", needle="not found", proc=True),
    row("folder-not-file", *PLAY, "{d}/folder.md", needle="is a folder"),
    row("empty-script", *PLAY, "{d}/empty.md", needle="empty"),
    row("whitespace-only", *PLAY, "{d}/blank.md", needle="empty"),
    row("directives-only", *PLAY, "{d}/directives.md", needle="nothing to say"),
    row("not-utf8", *PLAY, "{d}/latin1.md", needle="not UTF-8", proc=True),
    row("binary-file", *PLAY, "{d}/binary.md", needle="binary file", proc=True),
    row("10MB-script", *PLAY, "{d}/huge.md", needle="at most 2 MB"),
    row("100k-char-line", *PLAY, "{d}/longline.md", code=0, proc=True),
    row("unknown-directive", *PLAY, "{d}/directive.md", needle="unknown directive '[dance]'"),
    row("malformed-pause", *PLAY, "{d}/pause.md", needle="bad pause"),
    row("slide-missing", *PLAY, "{d}/slide_missing.md", needle="slide image not found"),
    row("slide-not-an-image", *PLAY, "{d}/slide_text.md", needle="is not an image"),
    row("bad-front-matter", *PLAY, "{d}/front.md", needle="bad front matter"),
    row("unknown-front-matter-key", *PLAY, "{d}/front_key.md", needle="unknown front matter key"),
    row("yaml-front-matter", *PLAY, "{d}/front_yaml.md", needle="front matter must be TOML between '+++' lines"),
    row("unknown-voice", "play", "--mute", "--max-seconds", "0.1", "{d}/voice.md", needle="unknown voice", proc=True),
    row("rate-out-of-range", *PLAY, "{d}/ok.md", "--rate", "9000", needle="out of range"),
    row("script-rate-out-of-range", *PLAY, "{d}/rate.md", needle="out of range"),
    row("unknown-look", *PLAY, "{d}/ok.md", "--look", "pirate", needle="look"),
    row("unknown-engine", *PLAY, "{d}/ok.md", "--engine", "klingon", needle="unknown speech engine"),
    # audio files
    row("audio-missing", "lipsync", "{d}/nope.wav", needle="not found"),
    row("audio-folder", "lipsync", "{d}/folder.md", needle="folder"),
    row("audio-not-audio", "lipsync", "{d}/text.wav", needle="not a readable audio file", proc=True),
    row("audio-empty", "lipsync", "{d}/empty.wav", needle="empty"),
    row("audio-header-only", "lipsync", "{d}/header.wav", needle="holds no sound"),
    row("audio-truncated", "lipsync", "{d}/truncated.wav", "-o", "{d}/truncated.json", code=0, proc=True),
    row("audio-8kHz", "lipsync", "{d}/8k.wav", "-o", "{d}/8k.json", code=0),
    row("audio-96kHz", "lipsync", "{d}/96k.wav", "-o", "{d}/96k.json", code=0),
    row("audio-stereo", "lipsync", "{d}/stereo.wav", "-o", "{d}/stereo.json", code=0),
    row("audio-float32", "lipsync", "{d}/float.wav", "-o", "{d}/float.json", code=0),
    row("audio-mp3", "lipsync", "{d}/speech.mp3", "-o", "{d}/mp3.json", code=0),
    row("audio-flac", "lipsync", "{d}/speech.flac", "-o", "{d}/flac.json", code=0),
    row("play-96kHz-stereo-float32", *PLAY, "--audio", "{d}/odd.wav", code=0, proc=True),
    row("play-audio-not-audio", *PLAY, "--audio", "{d}/text.wav", needle="not a readable audio file"),
    # picture settings
    row("record-unknown-size", *REC, "-o", "{d}/s1.mp4", "--size", "huge", needle="WIDTHxHEIGHT",
        absent=("s1.mp4",)),
    row("record-odd-size", *REC, "-o", "{d}/s2.mp4", "--size", "321x181", needle="odd side", absent=("s2.mp4",)),
    row("record-fps-0", *REC, "-o", "{d}/f0.mp4", "--fps", "0", needle="frame rate", absent=("f0.mp4",)),
    row("record-fps-negative", *REC, "-o", "{d}/f1.mp4", "--fps", "-5", needle="frame rate",
        absent=("f1.mp4",)),
    row("record-quality-out-of-range", *REC, "-o", "{d}/q.mp4", "--crf", "99", needle="crf"),
    row("play-unknown-size", *PLAY, "{d}/ok.md", "--size", "big", needle="WIDTHxHEIGHT"),
    row("play-tiny-size", *PLAY, "{d}/ok.md", "--size", "10x10", needle="out of range"),
    row("play-fps-0", *PLAY, "{d}/ok.md", "--fps", "0", needle="--fps 0"),
    row("play-fps-negative", *PLAY, "{d}/ok.md", "--fps", "-5", needle="--fps -5"),
    # output paths
    row("output-folder-missing", *REC, "-o", "{d}/no/such/folder/talk.mp4", needle="does not exist"),
    row("output-folder-unwritable", *REC, "-o", "/proc/avatar-talk.mp4", needle="cannot write in folder", proc=True),
    row("output-under-a-file", *REC, "-o", "{d}/ok.md/talk.mp4", needle="is a file, not a folder"),
    row("output-exists", *REC, "-o", "{d}/existing.mp4", needle="--overwrite"),
    row("output-not-mp4", *REC, "-o", "{d}/talk.avi", needle="MP4", absent=("talk.avi",)),
    row("cues-unwritable", *REC, "-o", "{d}/c.mp4", "--cues", "/proc/avatar-cues.json",
        needle="cannot write in folder /proc", absent=("c.mp4", "c.srt", "c.vtt"), proc=True),
    row("cues-not-json", *REC, "-o", "{d}/c2.mp4", "--cues", "{d}/cues.txt", needle=".json",
        absent=("c2.mp4",)),
    row("thumbnail-unwritable", *REC, "-o", "{d}/t.mp4", "--thumbnail", "/proc/avatar-poster.png",
        needle="cannot write in folder /proc", absent=("t.mp4", "t.srt", "t.vtt")),
    row("lipsync-output-unwritable", "lipsync", "{d}/speech.flac", "-o", "/proc/avatar-cues.json",
        needle="cannot write in folder /proc"),
    row("lipsync-output-under-a-file", "lipsync", "{d}/speech.flac", "-o", "{d}/ok.md/cues.json",
        needle="is a file, not a folder"),
    row("kiosk-log-unwritable", "kiosk", "--headless", "--engine", "fake", "--log", "/proc/avatar-kiosk.log",
        needle="cannot write the log", proc=True),
    # config files
    row("config-broken-toml", "--config", "{d}/broken.toml", "voices", needle="broken config file", proc=True),
    row("config-unknown-key", "--config", "{d}/unknown.toml", "voices", needle="unknown key 'colour'"),
    row("config-wrong-type", "--config", "{d}/type.toml", "voices", needle="must be a whole number"),
    row("config-not-utf8", "--config", "{d}/latin1.toml", "voices", needle="not UTF-8"),
    row("config-missing", "--config", "{d}/nope.toml", "voices", needle="config file not found"),
    # the command line itself
    row("unknown-command", "frobnicate", needle="invalid choice", proc=True),
    row("say-nothing", "say", "   ", needle="nothing to say"),
]


def _make_inputs(d: Path) -> None:
    (d / "ok.md").write_text("Hello there. This is a short test.\n", "utf-8")
    (d / "folder.md").mkdir()
    (d / "empty.md").write_bytes(b"")
    (d / "blank.md").write_text("   \n\t\n\n  \n", "utf-8")
    (d / "directives.md").write_text("[pause 1s]\n[expression smile]\n<!-- a note -->\n# Heading\n", "utf-8")
    (d / "latin1.md").write_bytes("Caf\u00e9 au lait.\n".encode("latin-1"))
    (d / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    sentence = "The digital economy grows in Beijing, and every district takes part. "
    (d / "huge.md").write_text(sentence * (10_500_000 // len(sentence)), "utf-8")
    # One run-on line of 100,000 characters: clauses and no full stop, the parser's worst case.
    clause = "and the city keeps building data centres, "
    (d / "longline.md").write_text((clause * (100_000 // len(clause) + 1))[:100_000] + "\n", "utf-8")
    (d / "directive.md").write_text("Hello.\nThis is [dance] now.\n", "utf-8")
    (d / "pause.md").write_text("Hello. [pause soon] Bye.\n", "utf-8")
    (d / "slide_missing.md").write_text("Hello. [slide charts/missing.png] Bye.\n", "utf-8")
    (d / "notes.png").write_text("these are notes, not a picture", "utf-8")
    (d / "slide_text.md").write_text("Hello. [slide notes.png] Bye.\n", "utf-8")
    (d / "front.md").write_text('+++\ntitle = "Unclosed\n+++\nHello.\n', "utf-8")
    (d / "front_key.md").write_text('+++\ncolour = "red"\n+++\nHello.\n', "utf-8")
    (d / "front_yaml.md").write_text('---\ntitle: Colour check\nspeaker: Li Wei\n---\nHello.\n', "utf-8")
    (d / "voice.md").write_text('+++\nvoice = "klingon-xx"\n+++\nHello.\n', "utf-8")
    (d / "rate.md").write_text("+++\nrate = 5000\n+++\nHello.\n", "utf-8")
    (d / "existing.mp4").write_bytes(b"an older video")
    (d / "broken.toml").write_text("[voice\nrate = 150\n", "utf-8")
    (d / "unknown.toml").write_text('[voice]\ncolour = "red"\n', "utf-8")
    (d / "type.toml").write_text('[voice]\nrate = "fast"\n', "utf-8")
    (d / "latin1.toml").write_bytes('[look]\nname = "caf\u00e9"\n'.encode("latin-1"))
    # Two seconds of a buzzy voice-like tone that opens and closes four times a second.
    t = np.arange(2 * 22050) / 22050
    voice = 0.4 * np.sign(np.sin(2 * np.pi * 140 * t)) * (np.sin(2 * np.pi * 4 * t) > 0)
    save_wav(Audio(voice.astype(np.float32), 22050), d / "speech.wav")
    for name, args in [("8k.wav", ["-ar", "8000"]), ("96k.wav", ["-ar", "96000"]), ("stereo.wav", ["-ac", "2"]),
                       ("float.wav", ["-c:a", "pcm_f32le"]), ("speech.mp3", []), ("speech.flac", []),
                       ("speech.ogg", ["-c:a", "libvorbis"]), ("odd.wav", ["-ar", "96000", "-ac", "2", "-c:a", "pcm_f32le"])]:
        subprocess.run([ffmpeg.exe(), "-v", "error", "-y", "-i", str(d / "speech.wav"), *args, str(d / name)],
                       check=True)
    data = (d / "speech.wav").read_bytes()
    (d / "truncated.wav").write_bytes(data[: len(data) // 2])  # the header still promises two seconds
    (d / "header.wav").write_bytes(data[:44])
    (d / "text.wav").write_text("this is not audio", "utf-8")
    (d / "empty.wav").write_bytes(b"")


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT),
               XDG_CONFIG_HOME=str(cwd / "xdg"), AVATAR_CONFIG="")
    return subprocess.run([sys.executable, "-m", "avatar", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, subprocess.CompletedProcess[str]]]:
    d = tmp_path_factory.mktemp("bad-input")
    _make_inputs(d)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {r.id: pool.submit(_run, _argv(r, d), d) for r in ROWS if r.proc}
        return d, {k: f.result() for k, f in futures.items()}


def _argv(case: Row, folder: Path) -> list[str]:
    return [a.replace("{d}", str(folder)) for a in case.argv]


@pytest.mark.parametrize("case", ROWS, ids=[r.id for r in ROWS])
def test_bad_input_gets_one_clear_line(outcomes: tuple[Path, dict], case: Row, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder, results = outcomes
    if case.proc:
        code, err = results[case.id].returncode, results[case.id].stderr
    else:
        monkeypatch.chdir(folder)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "xdg"))
        monkeypatch.delenv("AVATAR_CONFIG", raising=False)
        code = cli.main(_argv(case, folder))  # anything but an AvatarError would escape, traceback and all
        err = capsys.readouterr().err
    assert code == case.code, err
    assert "Traceback" not in err
    if case.code:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, err
        assert lines[0].startswith("avatar") and case.needle in lines[0], lines[0]
    for name in case.absent:
        assert not (folder / name).exists(), f"{name} was left behind"


def test_no_partial_or_probe_files_anywhere(outcomes: tuple[Path, dict]) -> None:
    folder, _ = outcomes
    leftovers = [p.name for p in folder.rglob(".*")]
    assert leftovers == []
    assert (folder / "existing.mp4").read_bytes() == b"an older video", "an existing file was touched"
    assert not list(Path("/proc").glob("avatar-*"))


@pytest.mark.parametrize("name, seconds", [("truncated.wav", 1.0), ("8k.wav", 2.0), ("96k.wav", 2.0),
                                           ("stereo.wav", 2.0), ("float.wav", 2.0), ("odd.wav", 2.0),
                                           ("speech.mp3", 2.0), ("speech.flac", 2.0), ("speech.ogg", 2.0)])
def test_unusual_audio_gives_a_full_mouth_track(outcomes: tuple[Path, dict], tmp_path: Path, name: str,
                                                seconds: float) -> None:
    """A truncated WAV gives the part that is there; other rates, stereo and float give the whole speech."""
    folder, _ = outcomes
    assert cli.main(["lipsync", str(folder / name), "-o", str(tmp_path / "cues.json")]) == 0
    data = json.loads((tmp_path / "cues.json").read_text("utf-8"))
    assert data["metadata"]["duration"] == pytest.approx(seconds, abs=0.06)
    shapes = {c["value"] for c in data["mouthCues"]}
    assert "X" in shapes and shapes - {"X"}, "the mouth both rests and moves"


def test_usage_errors_show_a_traceback_only_with_debug(tmp_path: Path) -> None:
    quiet = _run(["play", str(tmp_path / "nope.md")], tmp_path)
    loud = _run(["--debug", "play", str(tmp_path / "nope.md")], tmp_path)
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    assert loud.returncode != 0 and "Traceback" in loud.stderr and "ScriptError" in loud.stderr


# --- kiosk questions ------------------------------------------------------------------------------

QUESTIONS = {
    "empty": "",
    "blank": " \t  ",
    "enormous": "Tell me about the conference " * 7000,
    "control-characters": "When\x00 is\x07 the\x1b[2J conference\x7f?\x08",
    "right-to-left-marks": "\u202eWhen is the\u202c \u200fconference\u200e?\u2066",
    "normal": "When is the conference?",
}


@pytest.fixture(scope="module")
def kiosk_events(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    folder = tmp_path_factory.mktemp("kiosk-questions")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(folder))
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    stdin = "\n".join(QUESTIONS.values()) + "\n"
    proc = subprocess.run([sys.executable, "-m", "avatar", "kiosk", "--headless", "--engine", "fake"],
                          input=stdin, capture_output=True, text=True, timeout=120, cwd=folder, env=env)
    return proc, [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_every_kiosk_question_is_answered_or_ignored(kiosk_events: tuple, kind: str) -> None:
    proc, events = kiosk_events
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    asked = [e for e in events if e["event"] == "question"]
    assert len(asked) == 4, "empty and blank lines are not questions; the other four are"
    if kind in ("empty", "blank"):
        return
    order = [k for k in QUESTIONS if k not in ("empty", "blank")]
    q = asked[order.index(kind)]
    text = q["text"]
    assert text and len(text) <= 500
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
    assert not any(c in text for c in "\u202e\u202c\u200f\u200e\u2066")
    mine = [e for e in events if e.get("q") == q["q"]]
    assert [e["event"] for e in mine][-1] == "answer_end"
    assert any(e["event"] == "chunk" and e["text"] for e in mine), "the visitor hears an answer"
