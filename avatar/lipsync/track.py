"""The mouth over time: Rhubarb-style shape cues plus a continuous openness track."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import Enum

import numpy as np


class MouthShape(str, Enum):
    """Rhubarb Lip Sync's mouth shapes."""

    A = "A"  # closed lips: M, B, P
    B = "B"  # slightly open, clenched teeth: most consonants (K, S, T, EE)
    C = "C"  # open: EH, AE
    D = "D"  # wide open: AA
    E = "E"  # slightly rounded: AO, ER
    F = "F"  # puckered: UW, OW, W
    G = "G"  # upper teeth on lower lip: F, V
    H = "H"  # tongue raised behind teeth: long L
    X = "X"  # rest, mouth closed and relaxed


@dataclass(frozen=True)
class MouthCue:
    start_s: float
    end_s: float
    shape: MouthShape


@dataclass(frozen=True, eq=False)
class MouthTrack:
    """Cues cover [0, duration_s) without gaps; `openness` is sampled at `openness_fps`, values 0..1."""

    cues: tuple[MouthCue, ...]
    openness: np.ndarray
    openness_fps: float
    duration_s: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [c.start_s for c in self.cues])

    def shape_at(self, t_s: float) -> MouthShape:
        if not self.cues or t_s < 0 or t_s >= self.duration_s:
            return MouthShape.X
        i = bisect.bisect_right(self._starts, t_s) - 1  # type: ignore[attr-defined]
        return self.cues[max(0, i)].shape

    def openness_at(self, t_s: float) -> float:
        n = len(self.openness)
        if n == 0 or t_s < 0:
            return 0.0
        x = t_s * self.openness_fps
        i = int(x)
        if i >= n - 1:
            return float(self.openness[-1]) if i < n else 0.0
        f = x - i
        return float(self.openness[i] * (1.0 - f) + self.openness[i + 1] * f)

    @classmethod
    def silent(cls, duration_s: float, fps: float = 100.0) -> "MouthTrack":
        n = max(1, int(np.ceil(duration_s * fps)))
        return cls((MouthCue(0.0, duration_s, MouthShape.X),), np.zeros(n, np.float32), fps, duration_s)
