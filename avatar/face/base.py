"""The face seam: anything that turns a `FaceState` into pixels inside a rect (drawn, photo, sprite pack)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Hashable, Iterable, Iterator, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pygame

    from avatar.face.state import FaceState
    from avatar.yuv import I420Frame


@runtime_checkable
class Face(Protocol):
    """A presenter's face: `prepare` builds caches for a rect size, `draw` paints one state into a rect."""

    def prepare(self, size: tuple[int, int]) -> None: ...

    def draw(self, surface: "pygame.Surface", rect: "pygame.Rect | tuple[int, int, int, int]",
             state: "FaceState") -> None: ...


@runtime_checkable
class LayeredFace(Face, Protocol):
    """A face whose still parts (a body that only moves with the breath) can be drawn apart from the rest.

    `draw` must equal `draw_still` then `draw_moving`; `still_key` changes whenever `draw_still` would
    draw other pixels. A recorder then repaints only what `draw_moving` touched (the rect it returns).
    """

    def still_key(self, size: tuple[int, int], state: "FaceState") -> Hashable: ...

    def draw_still(self, surface: "pygame.Surface", rect: "pygame.Rect | tuple[int, int, int, int]",
                   state: "FaceState") -> None: ...

    def draw_moving(self, surface: "pygame.Surface", rect: "pygame.Rect | tuple[int, int, int, int]",
                    state: "FaceState") -> "pygame.Rect": ...


class FacePart(NamedTuple):
    """One part `draw_moving` draws (the head, the eyes, the mouth...): the area it may change, in
    (x, y, w, h) screen pixels, and a key. The same key over the same area draws the same pixels
    over the same pixels, and a pixel depends on nothing else in the part."""

    area: tuple[int, int, int, int]
    key: Hashable


@runtime_checkable
class PartedFace(LayeredFace, Protocol):
    """A layered face that can say which parts `draw_moving` will draw for a state, without drawing.

    Over the same still layer, a pixel outside the areas of the parts two states do not share is the
    same in both frames; and `draw_moving` under a clip draws exactly the full draw's pixels inside it.
    A recorder then repaints and converts only the areas of the parts that changed (a blink, the mouth),
    and of the still layer only where it changed (the body lifted by the breath).
    """

    def moving_parts(self, surface: "pygame.Surface", rect: "pygame.Rect | tuple[int, int, int, int]",
                     state: "FaceState") -> frozenset[FacePart]: ...

    def still_change(self, rect: "pygame.Rect | tuple[int, int, int, int]", old_key: Hashable,
                     new_key: Hashable) -> "pygame.Rect":
        """Where in `rect` the still layers of two still keys may differ."""
        ...


@runtime_checkable
class I420Face(LayeredFace, Protocol):
    """A layered face that can write its moving part straight into a recorder's yuv420p frame.

    `draw_i420` writes, over `i420_area` (even edges, inside the frame; None: it cannot), what
    `draw_moving` would draw there over the still layer, converted to yuv420p (up to rounding and the
    chroma blocks' sampling). A recorder then neither draws nor converts the face in RGB.
    """

    def i420_area(self, rect: "pygame.Rect | tuple[int, int, int, int]",
                  frame_size: tuple[int, int]) -> "pygame.Rect | None": ...

    def draw_i420(self, frame: "I420Frame", rect: "pygame.Rect | tuple[int, int, int, int]",
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


def union_of(rects: "Iterable[pygame.Rect | None]") -> "pygame.Rect":
    """The smallest rect holding every non-empty rect of `rects` (an empty rect if there is none)."""
    import pygame

    solid = [r for r in rects if r is not None and r.w > 0 and r.h > 0]
    if not solid:
        return pygame.Rect(0, 0, 0, 0)
    return solid[0].unionall(solid[1:])
