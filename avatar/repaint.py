"""Draws a scene into a few reused surfaces, repainting only what changed since each was last drawn."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Hashable

import pygame

from avatar.scene import Scene
from avatar.scene_state import SceneState


@dataclass(frozen=True)
class _Painted:
    """What a surface holds: the still layer for `key`, with moving parts drawn over it in `rects`."""

    key: Hashable
    rects: tuple[pygame.Rect, ...]


class Repainter:
    """`draw(surface, state)` gives the same pixels as `scene.draw`, at a fraction of the cost.

    Most of a frame is the still layer (background, slide, the body), which changes only with the
    breath or a slide. A surface drawn before for the same still layer gets only the areas its
    moving parts (head, captions, lower third) covered put back, and then this frame's moving parts.
    The surfaces must not be drawn on by anyone else in between (a recorder's frame buffers are not).
    """

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self._painted: weakref.WeakKeyDictionary[pygame.Surface, _Painted] = weakref.WeakKeyDictionary()

    def draw(self, surface: pygame.Surface, state: SceneState) -> None:
        """Draw the frame for `state` over the whole of `surface`."""
        key = self.scene.still_key(surface, state)
        last = self._painted.pop(surface, None)
        if key is None:                                   # a title card covers the frame
            self.scene.draw(surface, state)
            return
        if last is None or last.key != key:
            self.scene.draw_still(surface, state)
        else:
            clip = surface.get_clip()
            for rect in last.rects:
                surface.set_clip(rect.clip(clip))
                self.scene.draw_still(surface, state)   # the still layer again, only inside `rect`
            surface.set_clip(clip)
        self._painted[surface] = _Painted(key, _outermost(self.scene.draw_moving(surface, state)))


def _outermost(rects: list[pygame.Rect]) -> tuple[pygame.Rect, ...]:
    """The non-empty rects that no other rect holds (a highlighted word lies on its caption)."""
    solid = [r for r in rects if r.w > 0 and r.h > 0]
    return tuple(r for i, r in enumerate(solid)
                 if not any(j != i and o.contains(r) and (o != r or j < i) for j, o in enumerate(solid)))
