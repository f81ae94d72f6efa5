"""Rhubarb JSON and TSV: exact layout, rounding, round trips, atomic files and stdout."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from avatar.errors import OutputPathError, UsageError
from avatar.lipsync import (MouthCue, MouthShape, MouthTrack, read_rhubarb_json, read_rhubarb_tsv,
                            to_rhubarb_json, to_rhubarb_tsv, write_track)

S = MouthShape


@pytest.fixture
def track() -> MouthTrack:
    cues = (MouthCue(0.0, 0.2501, S.X), MouthCue(0.2501, 0.41234, S.D), MouthCue(0.41234, 0.5, S.A),
            MouthCue(0.5, 0.81, S.F), MouthCue(0.81, 1.23456, S.X))
    openness = np.clip(np.sin(np.linspace(0, 3, 124)), 0, 1).astype(np.float32) * 0.98765
    return MouthTrack(cues, openness, 100.0, 1.23456)


def test_json_has_exactly_rhubarbs_fields_plus_openness(track: MouthTrack) -> None:
    data = to_rhubarb_json(track, "talk.wav")
    assert set(data) == {"metadata", "mouthCues", "openness"}
    assert data["metadata"] == {"soundFile": "talk.wav", "duration": 1.235}
    assert data["mouthCues"][0] == {"start": 0.0, "end": 0.25, "value": "X"}
    assert data["mouthCues"][1] == {"start": 0.25, "end": 0.412, "value": "D"}
    assert [c["value"] for c in data["mouthCues"]] == ["X", "D", "A", "F", "X"]
    assert all(set(c) == {"start", "end", "value"} for c in data["mouthCues"])
    assert data["mouthCues"][-1]["end"] == 1.235
    for a, b in zip(data["mouthCues"], data["mouthCues"][1:]):
        assert a["end"] == b["start"]
    assert data["openness"]["fps"] == 100
    values = data["openness"]["values"]
    assert len(values) == 124
    assert all(v == round(v, 3) and 0.0 <= v <= 1.0 for v in values)
    json.dumps(data)  # plain JSON types only


def test_tsv_is_start_tab_shape_with_a_final_x(track: MouthTrack) -> None:
    text = to_rhubarb_tsv(track)
    lines = text.splitlines()
    assert lines[0] == "0.000\tX"
    assert lines[1] == "0.250\tD"
    assert lines[-1] == "1.235\tX"
    assert len(lines) == len(track.cues) + 1
    assert text.endswith("\n")


def test_json_round_trip(track: MouthTrack, tmp_path) -> None:
    path = tmp_path / "talk.json"
    write_track(track, path, "json", "talk.wav")
    data = json.loads(path.read_text("utf-8"))
    assert data == to_rhubarb_json(track, "talk.wav")
    back = read_rhubarb_json(data)
    assert [c.shape for c in back.cues] == [c.shape for c in track.cues]
    for a, b in zip(back.cues, track.cues):
        assert a.start_s == pytest.approx(b.start_s, abs=5e-4)
        assert a.end_s == pytest.approx(b.end_s, abs=5e-4)
    assert np.allclose(back.openness, track.openness, atol=5e-4)
    for t in np.linspace(0, 1.2, 37):
        assert back.shape_at(t) == track.shape_at(t) or min(abs(t - c.start_s) for c in track.cues) < 1e-3


def test_tsv_round_trip(track: MouthTrack, tmp_path) -> None:
    path = tmp_path / "talk.tsv"
    write_track(track, str(path), "tsv")
    back = read_rhubarb_tsv(path.read_text("utf-8"))
    assert [c.shape for c in back.cues] == [c.shape for c in track.cues]
    assert back.duration_s == pytest.approx(1.235)
    assert back.cues[2].start_s == pytest.approx(0.412)


def test_reads_rhubarbs_own_json_without_openness() -> None:
    """A file made by Rhubarb Lip Sync itself: shapes give a plausible openness."""
    data = {"metadata": {"soundFile": "x.wav", "duration": 0.6},
            "mouthCues": [{"start": 0.0, "end": 0.2, "value": "X"}, {"start": 0.2, "end": 0.4, "value": "D"},
                          {"start": 0.4, "end": 0.6, "value": "X"}]}
    back = read_rhubarb_json(json.dumps(data))
    assert back.shape_at(0.3) is S.D
    assert back.openness_at(0.3) > 0.8
    assert back.openness_at(0.1) == 0.0


def test_bad_files_raise_usage_errors() -> None:
    with pytest.raises(UsageError):
        read_rhubarb_json({"mouthCues": [{"start": 0, "end": 1, "value": "Q"}]})
    with pytest.raises(UsageError):
        read_rhubarb_json("not json")
    with pytest.raises(UsageError):
        read_rhubarb_tsv("0.0 X\nbanana\n")


def test_stdout_when_no_path(track: MouthTrack, capsys: pytest.CaptureFixture[str]) -> None:
    write_track(track, None, "tsv")
    assert capsys.readouterr().out == to_rhubarb_tsv(track)
    write_track(track, "-", "json", "a.wav")
    assert json.loads(capsys.readouterr().out) == to_rhubarb_json(track, "a.wav")


def test_write_is_atomic_and_leaves_no_temp_files(track: MouthTrack, tmp_path) -> None:
    path = tmp_path / "out.json"
    path.write_text("old", "utf-8")
    write_track(track, path, "json", "a.wav")
    assert json.loads(path.read_text("utf-8"))["metadata"]["soundFile"] == "a.wav"
    assert os.listdir(tmp_path) == ["out.json"]
    with pytest.raises(OutputPathError):
        write_track(track, path, "json", "a.wav", overwrite=False)
    assert os.listdir(tmp_path) == ["out.json"]


def test_bad_output_paths_and_formats(track: MouthTrack, tmp_path) -> None:
    with pytest.raises(OutputPathError):
        write_track(track, tmp_path / "missing" / "out.json", "json")
    with pytest.raises(OutputPathError):
        write_track(track, tmp_path, "json")
    with pytest.raises(UsageError):
        write_track(track, tmp_path / "out.yaml", "yaml")
    assert os.listdir(tmp_path) == []
