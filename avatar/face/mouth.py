"""Mouth geometry for each mouth shape: lip curves, opening, teeth and tongue, in head units."""

from __future__ import annotations

import math
from dataclasses import dataclass

from avatar.face.raster import Point, bezier
from avatar.lipsync.track import MouthShape

MOUTH_Y = 0.305          # the lip line at rest, head units below the eye line
MOUTH_HALF_WIDTH = 0.108


@dataclass(frozen=True)
class ShapeSpec:
    """How one mouth shape is drawn at full openness."""

    width: float            # times the rest half-width
    gap: float              # lip separation at the middle, head units
    upper_lip: float        # lip thickness at the middle
    lower_lip: float
    round: float            # 0 pointed corners (wide vowels) .. 1 round opening (O, U)
    upper_teeth: float      # visible height of the upper teeth (0 none)
    lower_teeth: float
    tongue: str             # "none", "low", "up"
    teeth_on_lip: bool = False


SHAPES: dict[MouthShape, ShapeSpec] = {
    MouthShape.X: ShapeSpec(1.0, 0.0, 0.021, 0.031, 0.0, 0.0, 0.0, "none"),
    MouthShape.A: ShapeSpec(0.96, 0.0, 0.013, 0.02, 0.0, 0.0, 0.0, "none"),
    MouthShape.B: ShapeSpec(1.03, 0.02, 0.02, 0.028, 0.2, 0.011, 0.009, "none"),
    MouthShape.C: ShapeSpec(1.03, 0.05, 0.019, 0.028, 0.5, 0.02, 0.0, "low"),
    MouthShape.D: ShapeSpec(1.0, 0.095, 0.018, 0.026, 0.75, 0.022, 0.01, "low"),
    MouthShape.E: ShapeSpec(0.86, 0.045, 0.024, 0.031, 0.8, 0.012, 0.0, "low"),
    MouthShape.F: ShapeSpec(0.66, 0.024, 0.03, 0.036, 1.0, 0.0, 0.0, "none"),
    MouthShape.G: ShapeSpec(1.0, 0.014, 0.021, 0.024, 0.2, 0.02, 0.0, "none", teeth_on_lip=True),
    MouthShape.H: ShapeSpec(1.0, 0.044, 0.019, 0.028, 0.55, 0.016, 0.0, "up"),
}


@dataclass(frozen=True)
class MouthGeometry:
    """Curves of one drawn mouth, each listed left to right."""

    outer_upper: list[Point]
    inner_upper: list[Point]
    inner_lower: list[Point]
    outer_lower: list[Point]
    half_width: float
    corner_y: float
    spec: ShapeSpec
    gap: float

    @property
    def open(self) -> bool:
        return self.gap > 0.002

    def upper_lip(self) -> list[Point]:
        return self.outer_upper + self.inner_upper[::-1]

    def lower_lip(self) -> list[Point]:
        return self.inner_lower + self.outer_lower[::-1]

    def opening(self) -> list[Point]:
        return self.inner_upper + self.inner_lower[::-1]


def _profile(u: float, power: float) -> float:
    return max(0.0, 1.0 - u * u) ** power


def mouth_geometry(shape: MouthShape, mouth_open: float, smile: float = 0.0,
                   serious: float = 0.0, n: int = 24) -> MouthGeometry:
    """The mouth for `shape` at openness `mouth_open` (0..1), with a smile or a firm set."""
    spec = SHAPES.get(shape, SHAPES[MouthShape.X])
    mo = min(1.0, max(0.0, mouth_open))
    gap = spec.gap * (0.4 + 0.6 * mo)
    # Wide shapes stretch further with openness; rounded ones stay narrow.
    width = spec.width * (1.0 + 0.04 * mo * (1.0 - spec.round))
    hw = MOUTH_HALF_WIDTH * width * (1.0 + 0.1 * smile - 0.03 * serious)
    corner_y = MOUTH_Y - 0.016 * smile + 0.004 * serious + 0.25 * gap
    up_c = MOUTH_Y - 0.28 * gap
    lo_c = MOUTH_Y + 0.72 * gap
    k = 0.45 + 0.55 * spec.round      # control-point reach: pointed vs round corners
    left, right = (-hw, corner_y), (hw, corner_y)
    if gap > 0.0:
        cu = corner_y + (up_c - corner_y) / 0.75
        cl = corner_y + (lo_c - corner_y) / 0.75
        inner_upper = bezier(left, (-hw * k, cu), (hw * k, cu), right, n)
        inner_lower = bezier(left, (-hw * k, cl), (hw * k, cl), right, n)
    else:
        # Closed: one lip line, bowed slightly down in the middle where the upper lip's tubercle sits.
        mid = MOUTH_Y + 0.004 - 0.005 * smile
        c = corner_y + (mid - corner_y) / 0.75
        inner_upper = bezier(left, (-hw * 0.55, c), (hw * 0.55, c), right, n)
        inner_lower = list(inner_upper)
    outer_upper = []
    for x, y in inner_upper:
        u = x / hw
        bow = 0.006 * math.exp(-((abs(u) - 0.26) / 0.14) ** 2)   # cupid's bow peaks
        outer_upper.append((x * 1.02, y - spec.upper_lip * _profile(u, 0.55) - bow))
    outer_lower = [(x * 1.02, y + spec.lower_lip * _profile(x / hw, 0.75)) for x, y in inner_lower]
    return MouthGeometry(outer_upper, inner_upper, inner_lower, outer_lower, hw, corner_y, spec, gap)
