"""The presenter's face: its pose at time t (`FaceState`, idle life) and drawing it (`ProceduralFace`).

Importing this package does not import pygame; `ProceduralFace` loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from avatar.face.idle import IdleState, face_state_at, idle_state
from avatar.face.look import LOOKS, Look, get_look
from avatar.face.state import EXPRESSIONS, FaceState

if TYPE_CHECKING:
    from avatar.face.procedural import ProceduralFace

__all__ = ["EXPRESSIONS", "FaceState", "IdleState", "LOOKS", "Look", "ProceduralFace", "face_state_at",
           "get_look", "idle_state"]


def __getattr__(name: str) -> Any:
    if name == "ProceduralFace":
        from avatar.face.procedural import ProceduralFace
        return ProceduralFace
    raise AttributeError(f"module 'avatar.face' has no attribute {name!r}")
