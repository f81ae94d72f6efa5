"""Rhubarb's extended shapes (G, H, X) are optional: a track drawn with only the ones an artist has."""

from __future__ import annotations

from avatar.errors import UsageError
from avatar.lipsync.track import MouthCue, MouthShape, MouthTrack

EXTENDED = "GHX"
# What an extended shape becomes when it is not drawn: Rhubarb's basic shape for it.
BASIC: dict[MouthShape, MouthShape] = {MouthShape.G: MouthShape.A, MouthShape.H: MouthShape.C,
                                       MouthShape.X: MouthShape.A}


def parse_extended(text: str | None) -> frozenset[MouthShape]:
    """"GHX" (Rhubarb's default), "GX", "" (basic shapes only); any order or case."""
    letters = (EXTENDED if text is None else text).strip().upper()
    bad = sorted({c for c in letters if c not in EXTENDED})
    if bad:
        raise UsageError(f"--extended-shapes takes letters from {EXTENDED} (e.g. GHX, GX or \"\"), "
                         f"not {''.join(bad)}")
    return frozenset(MouthShape(c) for c in letters)


def base_shape(shape: MouthShape, extended: frozenset[MouthShape]) -> MouthShape:
    """`shape` itself when it is basic or allowed, else its basic stand-in."""
    return shape if shape not in BASIC or shape in extended else BASIC[shape]


def restrict_shapes(track: MouthTrack, extended: frozenset[MouthShape] | str | None = EXTENDED) -> MouthTrack:
    """The same track using only A-F and the `extended` shapes; neighbours that become equal merge."""
    allowed = extended if isinstance(extended, frozenset) else parse_extended(extended)
    if allowed >= frozenset(BASIC):
        return track
    out: list[MouthCue] = []
    for c in track.cues:
        shape = base_shape(c.shape, allowed)
        if out and out[-1].shape is shape:
            out[-1] = MouthCue(out[-1].start_s, c.end_s, shape)
        else:
            out.append(MouthCue(c.start_s, c.end_s, shape))
    return MouthTrack(tuple(out), track.openness, track.openness_fps, track.duration_s)
