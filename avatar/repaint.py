"""Draws a scene into a few reused surfaces, repainting only what changed since each was last drawn."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable

import pygame

from avatar.scene import Scene
from avatar.scene_state import SceneState

PATCH_BYTES = 16 * 1024 * 1024   # still layers kept around the head (the body's few breath positions, a slide)


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
        # A copy of the still layer around the biggest moving part (the head), per still key: putting
        # it back is then a plain copy rather than the background and the body blended again.
        self._patches: OrderedDict[Hashable, tuple[pygame.Rect, pygame.Surface]] = OrderedDict()
        self._hot = pygame.Rect(0, 0, 0, 0)     # the biggest area the last frame's moving parts drew on

    def draw(self, surface: pygame.Surface, state: SceneState) -> None:
        """Draw the frame for `state` over the whole of `surface`."""
        key = self.scene.still_key(surface, state)
        last = self._painted.pop(surface, None)
        if key is None:                                   # a title card covers the frame
            self.scene.draw(surface, state)
            return
        if last is None or last.key != key:
            self.scene.draw_still(surface, state)
            self._keep_patch(surface, key)
        else:
            self._restore(surface, state, last.rects, self._patches.get(key))
        rects = _outermost(self.scene.draw_moving(surface, state))
        self._painted[surface] = _Painted(key, rects)
        if rects:
            self._hot = max(rects, key=lambda r: r.w * r.h)

    def _restore(self, surface: pygame.Surface, state: SceneState, rects: tuple[pygame.Rect, ...],
                 patch: tuple[pygame.Rect, pygame.Surface] | None) -> None:
        """Put the still layer back inside `rects`, from the kept patch where it holds them."""
        clip = surface.get_clip()
        for rect in rects:
            if patch is not None and patch[0].contains(rect):
                where, pixels = patch
                surface.blit(pixels, rect.topleft, rect.move(-where.x, -where.y))
                continue
            surface.set_clip(rect.clip(clip))
            self.scene.draw_still(surface, state)   # the still layer again, only inside `rect`
            surface.set_clip(clip)

    def _keep_patch(self, surface: pygame.Surface, key: Hashable) -> None:
        """Copy the fresh still layer around where the head was last drawn, for this still key."""
        if key in self._patches or self._hot.w == 0:
            return
        margin_w, margin_h = self._hot.w // 8 + 4, self._hot.h // 8 + 4
        where = self._hot.inflate(2 * margin_w, 2 * margin_h).clip(surface.get_rect())
        self._patches[key] = (where, surface.subsurface(where).copy())
        while len(self._patches) > 1 and sum(p.get_width() * p.get_height() * 4
                                             for _, p in self._patches.values()) > PATCH_BYTES:
            self._patches.popitem(last=False)


def _outermost(rects: list[pygame.Rect]) -> tuple[pygame.Rect, ...]:
    """The non-empty rects that no other rect holds (a highlighted word lies on its caption)."""
    solid = [r for r in rects if r.w > 0 and r.h > 0]
    return tuple(r for i, r in enumerate(solid)
                 if not any(j != i and o.contains(r) and (o != r or j < i) for j, o in enumerate(solid)))
