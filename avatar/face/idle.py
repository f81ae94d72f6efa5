"""Idle life (blinks, breathing, sway, saccades) as pure functions of time and a seed."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from avatar.face.state import EXPRESSIONS, FaceState
from avatar.lipsync.track import MouthShape

# Blinks: one per BLINK_SLOT_S slot, placed at a random point in the first BLINK_JITTER_S of
# the slot, so consecutive blinks are 4 +- 2 s apart (2..6 s) without summing from t=0.
BLINK_SLOT_S = 4.0
BLINK_JITTER_S = 2.0
BLINK_CLOSE_S = 0.06
BLINK_HOLD_S = 0.03
BLINK_OPEN_S = 0.10
DOUBLE_BLINK_GAP_S = 0.32     # second blink of a double blink starts this long after the first
DOUBLE_BLINK_CHANCE = 0.2

# Gaze fixations: a change every ~1.25 s, jittered so holds last 0.65..1.85 s.
GAZE_SLOT_S = 1.25
GAZE_JITTER_S = 0.3
SACCADE_S = 0.04

_MASK64 = (1 << 64) - 1


@functools.lru_cache(maxsize=4096)     # the same few (noise phases, this blink's and gaze's slots) every frame
def _rand(seed: int, index: int, channel: int) -> float:
    """A uniform number in [0, 1) fixed by (seed, index, channel): splitmix64 of their mix."""
    z = (seed * 0x9E3779B97F4A7C15 + index * 0xBF58476D1CE4E5B9 + channel * 0x94D049BB133111EB
         + 0x632BE59BD9B4E019) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


def _blink_curve(dt_s: float) -> float:
    """Lid closure 0..1 at `dt_s` after a blink starts."""
    if dt_s < 0.0:
        return 0.0
    if dt_s < BLINK_CLOSE_S:
        return _smooth(dt_s / BLINK_CLOSE_S)
    dt_s -= BLINK_CLOSE_S
    if dt_s < BLINK_HOLD_S:
        return 1.0
    dt_s -= BLINK_HOLD_S
    if dt_s < BLINK_OPEN_S:
        return 1.0 - _smooth(dt_s / BLINK_OPEN_S)
    return 0.0


def blink_starts(slot: int, seed: int = 0) -> tuple[float, ...]:
    """Start times of the blink (and its optional double) in blink slot `slot`."""
    start = slot * BLINK_SLOT_S + _rand(seed, slot, 1) * BLINK_JITTER_S
    if _rand(seed, slot, 2) < DOUBLE_BLINK_CHANCE:
        return (start, start + DOUBLE_BLINK_GAP_S)
    return (start,)


def blink_at(t_s: float, seed: int = 0) -> float:
    """Eyelid closure 0 (open) .. 1 (closed) at time `t_s`."""
    slot = math.floor(t_s / BLINK_SLOT_S)
    value = 0.0
    for s in (slot - 1, slot):   # a blink late in the previous slot may still be running
        for start in blink_starts(s, seed):
            value = max(value, _blink_curve(t_s - start))
    return value


def _gaze_change_time(k: int, seed: int) -> float:
    return k * GAZE_SLOT_S + (_rand(seed, k, 11) * 2.0 - 1.0) * GAZE_JITTER_S


def _gaze_target(k: int, seed: int) -> tuple[float, float]:
    """Where fixation `k` looks; most fixations return to the camera, as a presenter's do."""
    if _rand(seed, k, 12) < 0.55:
        return ((_rand(seed, k, 13) - 0.5) * 0.12, (_rand(seed, k, 14) - 0.5) * 0.1)
    return ((_rand(seed, k, 13) - 0.5) * 0.7, (_rand(seed, k, 14) - 0.5) * 0.4)


def gaze_at(t_s: float, seed: int = 0) -> tuple[float, float]:
    """Gaze (x, y) in -1..1: fixations held 0.65..1.85 s joined by 40 ms saccades."""
    k = math.floor(t_s / GAZE_SLOT_S) + 1
    while _gaze_change_time(k, seed) > t_s:
        k -= 1
    x1, y1 = _gaze_target(k, seed)
    f = _smooth((t_s - _gaze_change_time(k, seed)) / SACCADE_S)
    if f >= 1.0:
        return (x1, y1)
    x0, y0 = _gaze_target(k - 1, seed)
    return (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)


def _noise(t_s: float, seed: int, channel: int, freqs_hz: tuple[float, ...]) -> float:
    """Smooth noise in about -1..1: a sum of sines at incommensurate rates with seeded phases."""
    total = 0.0
    for i, f in enumerate(freqs_hz):
        total += math.sin(2.0 * math.pi * f * t_s + 2.0 * math.pi * _rand(seed, i, channel))
    return total / len(freqs_hz)


@dataclass(frozen=True)
class IdleState:
    """The avatar's involuntary motion at one instant."""

    blink: float            # 0 open .. 1 closed
    breath: float           # 0 exhaled .. 1 inhaled
    head_dx: float          # sway, fraction of head height
    head_dy: float          # bob, fraction of head height
    head_tilt_deg: float    # roll, |tilt| < 2
    gaze_x: float
    gaze_y: float
    brow: float             # tiny involuntary brow motion, 0..~0.1


def idle_state(t_s: float, seed: int = 0) -> IdleState:
    """Idle life at `t_s`: the same (t_s, seed) always gives the same state."""
    rate_hz = 0.22 + 0.06 * _rand(seed, 0, 20)           # 13..17 breaths a minute
    breath = 0.5 - 0.5 * math.cos(2.0 * math.pi * rate_hz * t_s + 2.0 * math.pi * _rand(seed, 1, 20))
    sway = _noise(t_s, seed, 30, (0.061, 0.137, 0.229))
    bob = _noise(t_s, seed, 31, (0.083, 0.191))
    tilt = _noise(t_s, seed, 32, (0.047, 0.109, 0.173))
    gx, gy = gaze_at(t_s, seed)
    return IdleState(
        blink=blink_at(t_s, seed),
        breath=breath,
        head_dx=0.009 * sway,
        head_dy=0.003 * bob - 0.004 * breath,
        head_tilt_deg=1.4 * tilt,
        gaze_x=gx,
        gaze_y=gy,
        brow=0.05 * (0.5 + 0.5 * _noise(t_s, seed, 33, (0.071, 0.157))),
    )


_EXPRESSION_BROW = {"neutral": 0.0, "smile": 0.15, "serious": 0.0, "surprised": 0.9}


def face_state_at(t_s: float, mouth_shape: MouthShape = MouthShape.X, mouth_open: float = 0.0,
                  expression: str = "neutral", emphasis: float = 0.0, seed: int = 0,
                  *, expression_amount: float = 1.0) -> FaceState:
    """The whole face at `t_s`: idle life plus the given mouth, expression and emphasis.

    `emphasis` (0..1, e.g. a loud stressed syllable) lifts the brows and nods the head slightly.
    """
    if expression not in EXPRESSIONS:
        expression = "neutral"
    emphasis = min(1.0, max(0.0, emphasis))
    amount = min(1.0, max(0.0, expression_amount))
    idle = idle_state(t_s, seed)
    brow = max(idle.brow, 0.75 * emphasis, _EXPRESSION_BROW[expression] * amount)
    return FaceState(
        mouth_shape=mouth_shape,
        mouth_open=min(1.0, max(0.0, mouth_open)),
        blink=idle.blink,
        gaze_x=idle.gaze_x,
        gaze_y=idle.gaze_y,
        brow_raise=min(1.0, brow),
        head_tilt_deg=idle.head_tilt_deg,
        head_dx=idle.head_dx,
        head_dy=idle.head_dy + 0.006 * emphasis,
        breath=idle.breath,
        expression=expression,
        expression_amount=amount,
    )
