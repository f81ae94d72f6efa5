"""The face seam: anything that turns a `FaceState` into pixels inside a rect (drawn, photo, sprite pack)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pygame

    from avatar.face.state import FaceState


@runtime_checkable
class Face(Protocol):
    """A presenter's face: `prepare` builds caches for a rect size, `draw` paints one state into a rect."""

    def prepare(self, size: tuple[int, int]) -> None: ...

    def draw(self, surface: "pygame.Surface", rect: "pygame.Rect | tuple[int, int, int, int]",
             state: "FaceState") -> None: ...
