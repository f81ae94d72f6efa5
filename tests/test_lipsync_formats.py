"""Rhubarb's XML and DAT files, its optional extended shapes, and `avatar lipsync` using them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from avatar.errors import UsageError
from avatar.lipsync import MouthCue, MouthShape, MouthTrack, restrict_shapes, to_rhubarb_dat, to_rhubarb_xml
from avatar.lipsync.export import DAT_FPS, FORMATS, render
from avatar.lipsync.shapeset import parse_extended
from avatar.lipsync_options import DAT_FPS as OPTION_DAT_FPS, FORMATS as OPTION_FORMATS
from test_cli import assert_usage_error, run

S = MouthShape
CLIP = Path(__file__).parent / "data" / "librivox" / "0880.wav"


@pytest.fixture
def hi() -> MouthTrack:
    """Rhubarb's README example: someone saying "Hi"."""
    cues = (MouthCue(0.0, 0.05, S.X), MouthCue(0.05, 0.27, S.D), MouthCue(0.27, 0.31, S.C),
            MouthCue(0.31, 0.43, S.B), MouthCue(0.43, 0.47, S.X))
    return MouthTrack(cues, np.zeros(47, np.float32), 100.0, 0.47)


def test_the_command_line_offers_every_format() -> None:
    assert OPTION_FORMATS == FORMATS and OPTION_DAT_FPS == DAT_FPS


def test_xml_is_rhubarbs_layout(hi: MouthTrack) -> None:
    text = to_rhubarb_xml(hi, "hi & bye.wav")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<rhubarbResult>\n  <metadata>\n')
    root = ET.fromstring(text)
    assert root.tag == "rhubarbResult"
    assert root.findtext("metadata/soundFile") == "hi & bye.wav"
    assert float(root.findtext("metadata/duration")) == 0.47
    cues = root.findall("mouthCues/mouthCue")
    assert [c.text for c in cues] == ["X", "D", "C", "B", "X"]
    assert [(float(c.get("start")), float(c.get("end"))) for c in cues][:2] == [(0.0, 0.05), (0.05, 0.27)]
    assert all(a.get("end") == b.get("start") for a, b in zip(cues, cues[1:]))


def test_dat_is_moho_switch_data(hi: MouthTrack) -> None:
    assert to_rhubarb_dat(hi).splitlines() == ["MohoSwitch1", "1 X", "2 D", "7 C", "8 B", "11 X", "12 X"]
    # Preston Blair names, and a higher frame rate shows the short C on its own frame
    assert to_rhubarb_dat(hi, 100.0, preston_blair=True).splitlines() == [
        "MohoSwitch1", "1 rest", "6 AI", "28 E", "32 etc", "44 rest", "48 rest"]
    with pytest.raises(UsageError, match="between 24 and 100"):
        to_rhubarb_dat(hi, 12.0)


def test_extended_shapes_fall_back_to_basic_ones() -> None:
    cues = (MouthCue(0.0, 0.2, S.X), MouthCue(0.2, 0.3, S.G), MouthCue(0.3, 0.4, S.A),
            MouthCue(0.4, 0.6, S.H), MouthCue(0.6, 0.7, S.C), MouthCue(0.7, 1.0, S.X))
    track = MouthTrack(cues, np.zeros(100, np.float32), 100.0, 1.0)
    assert restrict_shapes(track, "GHX") is track
    basic = restrict_shapes(track, "")
    # G and X become A, H becomes C; equal neighbours merge; the timeline stays whole
    assert [(c.start_s, c.end_s, c.shape) for c in basic.cues] == [(0.0, 0.4, S.A), (0.4, 0.7, S.C), (0.7, 1.0, S.A)]
    gx = restrict_shapes(track, "xg")
    assert [c.shape for c in gx.cues] == [S.X, S.G, S.A, S.C, S.X]
    assert render(basic, "tsv", rest_shape=S.A).splitlines()[-1] == "1.000\tA"
    with pytest.raises(UsageError, match="GHX"):
        parse_extended("GZ")


def test_lipsync_command_writes_xml_and_dat_with_chosen_shapes(tmp_path: Path) -> None:
    out = tmp_path / "clip.xml"
    proc = run("lipsync", str(CLIP), "--format", "xml", "--extended-shapes", "", "-o", str(out), "--progress")
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(out).getroot()
    shapes = {c.text for c in root.findall("mouthCues/mouthCue")}
    assert shapes and shapes <= set("ABCDEF")
    assert "100%" in proc.stderr and "s of audio" in proc.stderr  # the progress bar, on stderr
    dat = run("lipsync", str(CLIP), "--format", "dat", "--dat-frame-rate", "30", "--dat-preston-blair")
    assert dat.returncode == 0, dat.stderr
    lines = dat.stdout.splitlines()
    assert lines[0] == "MohoSwitch1" and lines[-1].endswith(" rest")
    frames = [int(ln.split()[0]) for ln in lines[1:]]
    assert frames == sorted(set(frames)) and frames[-1] == 1 + int(30 * 2.99)
    names = {ln.split()[1] for ln in lines[1:]}
    assert names <= {"MBP", "etc", "E", "AI", "O", "U", "FV", "L", "rest"} and "MBP" in names


def test_lipsync_command_rejects_bad_rhubarb_options(tmp_path: Path) -> None:
    assert_usage_error(run("lipsync", str(CLIP), "--extended-shapes", "GQ"), "--extended-shapes")
    assert_usage_error(run("lipsync", str(CLIP), "--format", "dat", "--dat-frame-rate", "10"), "between 24 and 100")
    helptext = run("lipsync", "--help").stdout
    assert "phones" in helptext and "Mandarin" in helptext and "--transcript" in helptext
