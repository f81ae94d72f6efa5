"""The presenter's reaction to a question, a pure function of time: look at the visitor, nod, then think.

From the frame after Enter: the eyes turn to the visitor and the brows lift at once (a visible change
on the very next frame), the head nods once over `NOD_S`; if the answer has not started by
`THINK_AFTER_S`, the presenter takes a "thinking" pose (eyes up and aside, head tilted) until the first
words, then eases back into its normal speaking life over `RELEASE_S`.
"""

from __future__ import annotations

import math
from dataclasses import replace

from avatar.face.state import FaceState

NOD_S = 0.45
NOD_DEPTH = 0.02           # head drop at the bottom of the nod, as a fraction of the head height
ATTEND_BROW = 0.6
THINK_AFTER_S = 0.6
THINK_BLEND_S = 0.35
THINK_GAZE = (0.6, -0.8)
THINK_TILT_DEG = 5.0
RELEASE_S = 0.3


def _smooth(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


def _mix(a: float, b: float, w: float) -> float:
    """a at w = 0 and b at w = 1, exactly (a + (b - a) * w can miss b by a rounding step)."""
    return a * (1.0 - w) + b * w


def react(face: FaceState, since_ask_s: float, since_speech_s: float | None = None) -> FaceState:
    """`face` as it would be, changed by the reaction `since_ask_s` after the question was entered;
    `since_speech_s` is the time since the answer's first words (None = not speaking yet)."""
    if since_ask_s < 0:
        return face
    release = 1.0 if since_speech_s is None else 1.0 - _smooth(since_speech_s / RELEASE_S)
    if release <= 0.0:
        return face
    # Attend: eyes on the visitor and brows up at once, fading as the thinking pose comes in.
    think = _smooth((since_ask_s - THINK_AFTER_S) / THINK_BLEND_S) if since_speech_s is None else (
        _smooth((since_ask_s - since_speech_s - THINK_AFTER_S) / THINK_BLEND_S))
    gaze_x = _mix(0.0, THINK_GAZE[0], think)
    gaze_y = _mix(0.0, THINK_GAZE[1], think)
    brow = max(face.brow_raise, _mix(ATTEND_BROW, 0.35, think))
    nod = NOD_DEPTH * math.sin(math.pi * since_ask_s / NOD_S) if since_ask_s < NOD_S else 0.0
    return replace(
        face,
        gaze_x=_mix(face.gaze_x, gaze_x, release),
        gaze_y=_mix(face.gaze_y, gaze_y, release),
        brow_raise=_mix(face.brow_raise, brow, release),
        head_dy=face.head_dy + nod,
        head_tilt_deg=_mix(face.head_tilt_deg, THINK_TILT_DEG * think, release),
    )
