"""The face seam: anything that turns a `FaceState` into pixels inside a rect (drawn, photo, sprite pack)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pygame

    from avatar.face.state import FaceState


@runtime_checkable
class Face(Protocol):
    """A presenter's face: `prepare` builds caches for a rect size, `draw` paints one state into a rect."""

    def prepare(self, size: tuple[int, int]) -> None: ...

    def draw(self, surface: "pygame.Surface", rect: "pygame.Rect | tuple[int, int, int, int]",
             state: "FaceState") -> None: ...


MIN_FACE_RECT_PX = 8   # a rect smaller than this on either side draws nothing


@contextmanager
def clipped_to(surface: "pygame.Surface", rect: "pygame.Rect") -> Iterator[bool]:
    """Clip `surface` to `rect` (within its current clip) for the block, and restore the clip after.

    Yields False when nothing of `rect` can be seen (too small, or outside the clip): draw nothing then."""
    old_clip = surface.get_clip()
    visible = rect.clip(old_clip)
    if rect.w < MIN_FACE_RECT_PX or rect.h < MIN_FACE_RECT_PX or visible.w == 0 or visible.h == 0:
        yield False
        return
    surface.set_clip(visible)
    try:
        yield True
    finally:
        surface.set_clip(old_clip)
