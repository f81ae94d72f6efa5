"""`avatar record` end to end: a short script becomes a playable MP4 with captions, cues and a poster."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from avatar import ffmpeg
from test_cli import run

SCRIPT = """+++
title = "Short test"
speaker = "Test Presenter"
role = "Quality Office"
+++
Bob maps the old city. [pause 1s]
We open the market today!
"""


def _frame_rgb(path: Path, t_s: float, size: tuple[int, int]) -> np.ndarray:
    proc = subprocess.run([ffmpeg.exe(), "-v", "error", "-ss", f"{t_s:.3f}", "-i", str(path), "-frames:v", "1",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    return np.frombuffer(proc.stdout, np.uint8).reshape(size[1], size[0], 3)


def _srt_cues(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        m = re.match(r"(\d+):(\d+):(\d+),(\d+) --> (\d+):(\d+):(\d+),(\d+)", lines[1])
        nums = [int(x) for x in m.groups()]
        a = nums[0] * 3600 + nums[1] * 60 + nums[2] + nums[3] / 1000
        b = nums[4] * 3600 + nums[5] * 60 + nums[6] + nums[7] / 1000
        cues.append((a, b, " ".join(lines[2:])))
    return cues


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rec")
    (folder / "short.md").write_text(SCRIPT, "utf-8")
    out = run("record", str(folder / "short.md"), "-o", str(folder / "talk.mp4"), "--size", "320x180",
              "--fps", "25", "--cues", str(folder / "talk.json"), "--thumbnail", str(folder / "poster.png"),
              "--quiet")
    assert out.returncode == 0, out.stderr
    return folder


def test_the_video_plays_everywhere_and_lasts_as_long_as_the_speech(recorded: Path) -> None:
    info = ffmpeg.media_info(recorded / "talk.mp4")
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert (info.width, info.height) == (320, 180) and info.fps == pytest.approx(25)
    assert info.faststart
    assert abs(info.video_duration_s - info.audio_duration_s) <= 1 / 25
    cues = json.loads((recorded / "talk.json").read_text())
    assert abs(info.video_duration_s - cues["metadata"]["duration"]) <= 1 / 25 + 0.01


def test_sidecar_captions_match_the_sentences(recorded: Path) -> None:
    srt = _srt_cues((recorded / "talk.srt").read_text("utf-8"))
    assert " ".join(c[2] for c in srt) == "Bob maps the old city. We open the market today!"
    assert all(a < b for a, b, _ in srt) and [c[0] for c in srt] == sorted(c[0] for c in srt)
    assert srt[1][0] - srt[0][1] > 0.9, "the pause is in the captions too"
    vtt = (recorded / "talk.vtt").read_text("utf-8")
    assert vtt.startswith("WEBVTT") and "<00:00:" in vtt, "word timings in the VTT"


def test_mouth_region_differs_between_silence_and_voice(recorded: Path) -> None:
    """At rest (the title card gone, before a word) the mouth is closed; on the vowel of 'maps' it is open."""
    cues = json.loads((recorded / "talk.json").read_text())["mouthCues"]
    open_cue = next(c for c in cues if c["value"] in "CD" and c["end"] - c["start"] >= 0.06)
    t_open = (open_cue["start"] + open_cue["end"]) / 2
    rest = next(c for c in cues if c["value"] == "X" and c["start"] >= 2.6 and c["end"] - c["start"] > 0.3)
    t_rest = (rest["start"] + rest["end"]) / 2
    a = _frame_rgb(recorded / "talk.mp4", t_open, (320, 180)).astype(int)
    b = _frame_rgb(recorded / "talk.mp4", t_rest, (320, 180)).astype(int)
    # the mouth sits in the middle column, in the upper half of the frame
    box = (slice(40, 90), slice(130, 190))
    assert np.abs(a[box] - b[box]).mean() > 2.0
    assert np.abs(a[:30, :40] - b[:30, :40]).mean() < 3.0, "elsewhere the picture is steady"


def test_poster_frame_shows_an_open_mouth(recorded: Path) -> None:
    import pygame

    img = pygame.image.load(str(recorded / "poster.png"))
    assert img.get_size() == (320, 180)


def test_existing_video_is_kept_without_overwrite(recorded: Path) -> None:
    before = (recorded / "talk.mp4").stat().st_mtime_ns
    out = run("record", str(recorded / "short.md"), "-o", str(recorded / "talk.mp4"), "--size", "320x180")
    assert out.returncode == 2 and "--overwrite" in out.stderr
    assert (recorded / "talk.mp4").stat().st_mtime_ns == before
