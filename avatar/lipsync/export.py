"""Mouth tracks in Rhubarb Lip Sync's JSON, TSV, XML and DAT (Moho switch) formats: write them (atomically or
to stdout); read JSON and TSV back."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np

from avatar.errors import UsageError
from avatar.lipsync.cues import openness_from_cues
from avatar.lipsync.track import MouthCue, MouthShape, MouthTrack

FORMATS = ("json", "tsv", "xml", "dat")
DAT_FPS = 24.0  # Rhubarb's default frame rate for DAT files
PRESTON_BLAIR: dict[MouthShape, str] = {
    MouthShape.A: "MBP", MouthShape.B: "etc", MouthShape.C: "E", MouthShape.D: "AI", MouthShape.E: "O",
    MouthShape.F: "U", MouthShape.G: "FV", MouthShape.H: "L", MouthShape.X: "rest",
}

def _r3(x: float) -> float:
    return round(float(x), 3)


def _rounded_cues(track: MouthTrack) -> list[tuple[float, float, str]]:
    cues = [(_r3(c.start_s), _r3(c.end_s), c.shape.value) for c in track.cues]
    kept = [c for c in cues if c[1] > c[0]]
    return kept or cues[:1]


def to_rhubarb_json(track: MouthTrack, sound_file: str) -> dict[str, Any]:
    """{"metadata": {...}, "mouthCues": [...], "openness": {"fps": N, "values": [...]}} (3 decimals)."""
    fps: float | int = int(track.openness_fps) if float(track.openness_fps).is_integer() else track.openness_fps
    return {
        "metadata": {"soundFile": sound_file, "duration": _r3(track.duration_s)},
        "mouthCues": [{"start": s, "end": e, "value": v} for s, e, v in _rounded_cues(track)],
        "openness": {"fps": fps, "values": np.round(np.asarray(track.openness, np.float64), 3).tolist()},
    }


def to_rhubarb_tsv(track: MouthTrack, rest_shape: MouthShape = MouthShape.X) -> str:
    """One "start<TAB>shape" line per cue, then the end time with X (A without extended shape X), as
    Rhubarb writes it."""
    lines = [f"{s:.3f}\t{v}" for s, _, v in _rounded_cues(track)]
    lines.append(f"{_r3(track.duration_s):.3f}\t{rest_shape.value}")
    return "\n".join(lines) + "\n"


def to_rhubarb_xml(track: MouthTrack, sound_file: str) -> str:
    """Rhubarb's XML: <rhubarbResult> with <metadata> and one <mouthCue start= end=> per cue."""
    from xml.sax.saxutils import escape

    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rhubarbResult>", "  <metadata>",
             f"    <soundFile>{escape(sound_file)}</soundFile>",
             f"    <duration>{_r3(track.duration_s):.3f}</duration>", "  </metadata>", "  <mouthCues>"]
    lines += [f'    <mouthCue start="{s:.3f}" end="{e:.3f}">{v}</mouthCue>' for s, e, v in _rounded_cues(track)]
    lines += ["  </mouthCues>", "</rhubarbResult>"]
    return "\n".join(lines) + "\n"


def to_rhubarb_dat(track: MouthTrack, fps: float = DAT_FPS, preston_blair: bool = False,
                   rest_shape: MouthShape = MouthShape.X) -> str:
    """Moho / OpenToonz switch data: "MohoSwitch1", then "frame shape" lines (frames count from 1),
    then the end frame with the rest shape (X, or A without extended shape X)."""
    if not 24.0 <= fps <= 100.0:
        raise UsageError(f"the DAT frame rate must be between 24 and 100 fps, not {fps:g}")

    def name(shape: MouthShape) -> str:
        return PRESTON_BLAIR[shape] if preston_blair else shape.value

    def frame(t_s: float) -> int:
        return 1 + int(fps * round(t_s, 6))

    lines = ["MohoSwitch1"]
    last = 0
    for c in track.cues:
        n = frame(c.start_s)
        if n == last:
            continue
        lines.append(f"{n} {name(c.shape)}")
        last = n
    end = frame(track.duration_s)
    if end == last:
        end += 1
    lines.append(f"{end} {name(rest_shape)}")
    return "\n".join(lines) + "\n"


def dumps_json(data: dict[str, Any]) -> str:
    """Rhubarb-style layout: one cue per line, the openness values on one line."""
    meta = json.dumps(data["metadata"], ensure_ascii=False)
    cues = ",\n".join("    " + json.dumps(c) for c in data["mouthCues"])
    values = json.dumps(data["openness"]["values"])
    return (f'{{\n  "metadata": {meta},\n  "mouthCues": [\n{cues}\n  ],\n'
            f'  "openness": {{"fps": {json.dumps(data["openness"]["fps"])}, "values": {values}}}\n}}\n')


def render(track: MouthTrack, fmt: str, sound_file: str = "", *, dat_fps: float = DAT_FPS,
           preston_blair: bool = False, rest_shape: MouthShape = MouthShape.X) -> str:
    """The file's text; `rest_shape` ends TSV and DAT files (A when the artist has no X)."""
    if fmt == "json":
        return dumps_json(to_rhubarb_json(track, sound_file))
    if fmt == "tsv":
        return to_rhubarb_tsv(track, rest_shape)
    if fmt == "xml":
        return to_rhubarb_xml(track, sound_file)
    if fmt == "dat":
        return to_rhubarb_dat(track, dat_fps, preston_blair, rest_shape)
    raise UsageError(f"unknown lip-sync format '{fmt}'; choose one of: {', '.join(FORMATS)}")


def write_track(track: MouthTrack, path: str | os.PathLike[str] | None, fmt: str = "json",
                sound_file: str = "", *, overwrite: bool = True, dat_fps: float = DAT_FPS,
                preston_blair: bool = False, rest_shape: MouthShape = MouthShape.X) -> None:
    """Write to `path` atomically (temp file, then rename), or to stdout when path is None or "-"."""
    text = render(track, fmt, sound_file, dat_fps=dat_fps, preston_blair=preston_blair, rest_shape=rest_shape)
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from avatar.output import write_atomic

    write_atomic(path, text, overwrite=overwrite)


def _shape(value: Any) -> MouthShape:
    try:
        return MouthShape(str(value).strip().upper())
    except ValueError as exc:
        raise UsageError(f"unknown mouth shape {value!r} in lip-sync file; expected A-H or X") from exc


def read_rhubarb_json(data: dict[str, Any] | str) -> MouthTrack:
    """A track from Rhubarb JSON (ours or Rhubarb's own; without "openness", shapes set how open)."""
    try:
        if isinstance(data, str):
            data = json.loads(data)
        assert isinstance(data, dict)
        raw = data["mouthCues"]
        cues = tuple(MouthCue(float(c["start"]), float(c["end"]), _shape(c["value"])) for c in raw)
        duration_s = float(data.get("metadata", {}).get("duration", cues[-1].end_s if cues else 0.0))
        op = data.get("openness")
        if op:
            fps = float(op["fps"])
            values = np.asarray(op["values"], np.float32)
        else:
            fps = 100.0
            values = openness_from_cues(cues, duration_s, fps)
    except (KeyError, TypeError, ValueError, AssertionError, IndexError) as exc:
        raise UsageError(f"not a Rhubarb lip-sync JSON file ({type(exc).__name__}: {exc})") from exc
    if not cues:
        return MouthTrack.silent(duration_s)
    return MouthTrack(cues, values, fps, duration_s)


def read_rhubarb_tsv(text: str, fps: float = 100.0) -> MouthTrack:
    """A track from Rhubarb TSV ("start<TAB>shape" lines; the last line's time is the end)."""
    rows: list[tuple[float, MouthShape]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        try:
            rows.append((float(parts[0]), _shape(parts[1])))
        except (IndexError, ValueError) as exc:
            raise UsageError(f"line {n} of the lip-sync TSV is not 'start<TAB>shape': {line[:60]!r}") from exc
    if not rows:
        raise UsageError("the lip-sync TSV is empty")
    duration_s = rows[-1][0]
    cues = tuple(MouthCue(rows[i][0], rows[i + 1][0], rows[i][1]) for i in range(len(rows) - 1)
                 if rows[i + 1][0] > rows[i][0])
    if not cues:
        return MouthTrack.silent(duration_s, fps)
    return MouthTrack(cues, openness_from_cues(cues, duration_s, fps), fps, duration_s)
