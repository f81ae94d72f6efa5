"""The avatar's pose at one instant: a plain value the drawing code turns into pixels."""

from __future__ import annotations

from dataclasses import dataclass

from avatar.lipsync.track import MouthShape

EXPRESSIONS = ("neutral", "smile", "serious", "surprised")


@dataclass(frozen=True)
class FaceState:
    """Everything that moves. Angles in degrees, offsets as fractions of the head height."""

    mouth_shape: MouthShape = MouthShape.X
    mouth_open: float = 0.0          # 0 closed .. 1 wide open (how wide the shape is drawn)
    blink: float = 0.0               # 0 eyes open .. 1 closed
    gaze_x: float = 0.0              # -1 left .. 1 right
    gaze_y: float = 0.0              # -1 up .. 1 down
    brow_raise: float = 0.0          # 0 rest .. 1 raised (emphasis, surprise)
    head_tilt_deg: float = 0.0       # roll
    head_dx: float = 0.0             # sway
    head_dy: float = 0.0             # nod / breathing
    breath: float = 0.0              # 0..1 chest rise
    expression: str = "neutral"      # one of EXPRESSIONS
    expression_amount: float = 1.0   # 0..1 blend from neutral, for smooth changes
