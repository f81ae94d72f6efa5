"""Draws a scene into a few reused surfaces, repainting only what changed since each was last drawn."""

from __future__ import annotations

import dataclasses
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Hashable, Iterator

import pygame

from avatar.face.base import FacePart, union_of
from avatar.lru import BytesLru, surface_bytes
from avatar.scene import Scene
from avatar.scene_state import SceneState
from avatar.yuv import FrameUpdate, I420Frame, even_box, surface_pixels

PATCH_BYTES = 16 * 1024 * 1024   # still layers kept around the head (the body's few breath positions, a slide)
STILL_BYTES = 24 * 1024 * 1024   # the still layer where the breath changes it (RGB and yuv420p), per position
_COVERED = object()              # the still key of a frame a title card covers whole


@dataclass(frozen=True)
class _Painted:
    """What a surface holds: the still layer for `key`, with moving parts drawn over it in `moving`
    (the face's area first, then those of `overlay`: captions, lower third...), the face made of
    `parts` when it can list them, the caption page and spoken word's highlight `mark` (`Scene.caption_mark`)."""

    key: Hashable
    moving: tuple[pygame.Rect, ...]
    overlay: tuple
    parts: frozenset[FacePart] | None
    mark: tuple | None = None

    @property
    def face(self) -> pygame.Rect:
        return self.moving[0]

    @property
    def rects(self) -> tuple[pygame.Rect, ...]:
        """The areas to put the still layer back in."""
        return _outermost(self.moving)


def _overlay(state: SceneState) -> tuple:
    """All the moving parts draw apart from the face: equal overlays over the same still layer are equal
    pixels outside the face's areas."""
    return (state.caption, state.lower_third, state.title, state.hint, state.input_text, state.cursor_on,
            state.listening)


class Repainter:
    """`draw(surface, state)` gives the same pixels as `scene.draw`, at a fraction of the cost, and says
    which areas changed (a recorder converts only those for the encoder).

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
        self._patches: BytesLru[Hashable, tuple[pygame.Rect, pygame.Surface]] = \
            BytesLru(PATCH_BYTES, lambda patch: surface_bytes(patch[1]))
        self._hot = pygame.Rect(0, 0, 0, 0)     # the biggest area the last frame's moving parts drew on
        # The still layer where a breath changes it, as pixels and in yuv420p, per still key and area: a
        # recording's buffers pass through the same few body positions again and again.
        self._stills: BytesLru[tuple, tuple[pygame.Surface, I420Frame]] = \
            BytesLru(STILL_BYTES, lambda kept: surface_bytes(kept[0]) + kept[1].data.nbytes)
        # The surface `draw_i420` drew last, if all of its picture is in it (no face written straight
        # into its frame): the next buffer starts from it (`_catch_up`).
        self._previous: weakref.ref[pygame.Surface] | None = None

    def draw(self, surface: pygame.Surface, state: SceneState) -> list[pygame.Rect] | None:
        """Draw the frame for `state` over the whole of `surface`; return the areas whose pixels may
        differ from what `surface` held before (None: any of them)."""
        key = self.scene.still_key(surface, state)
        last = self._painted.pop(surface, None)
        overlay = _overlay(state)
        if key is None:                                   # a title card covers the frame
            card = (state.title,)                         # all that shows
            self._painted[surface] = _Painted(_COVERED, (surface.get_rect(),), card, None)
            if last is not None and last.key is _COVERED and last.overlay == card:
                return []                                 # the same card: nothing to draw
            self.scene.draw(surface, state)
            return None
        parts = self.scene.face_parts(surface, state)
        if last is not None and last.key == key and parts is not None and last.parts is not None:
            repainted = self._repaint_parts(surface, state, last, parts, overlay)
            if repainted is not None:
                return repainted
        changed: list[pygame.Rect] | None
        if last is None:
            self.scene.draw_still(surface, state)
            self._keep_patch(surface, key)
            changed = None
        elif last.key != key:
            area = self.scene.still_change(last.key, key, state)
            if area is None:                              # another slide or background: all of it
                self.scene.draw_still(surface, state)
                changed = None
            else:                                         # the presenter's breath: only its own rect
                self._restore(surface, state, (*last.rects, area), self._patches.get(key))
                changed = [*last.rects, area]
            self._keep_patch(surface, key)
        else:
            self._restore(surface, state, last.rects, self._patches.get(key))
            changed = list(last.rects)
        moving = tuple(self.scene.draw_moving(surface, state))
        painted = _Painted(key, moving, overlay, parts, self.scene.caption_mark(state))
        self._remember(surface, painted)
        if changed is None:
            return None
        if last is not None and last.overlay == overlay:
            # Captions, lower third and the rest were put back and drawn again as they were: only
            # the face (before and now) and a breath's change of the still layer differ.
            return [*changed[len(last.rects):], last.face, painted.face]
        return changed + list(painted.rects)

    def draw_i420(self, surface: pygame.Surface, state: SceneState) -> FrameUpdate:
        """`draw`, for a recorder's buffer: a face that can compose itself in yuv420p (`I420Face`) is
        then left off `surface` and written straight into the frame after the areas are converted.

        Over the same still layer as last time, only captions and the rest that changed are repainted
        on `surface`; its face area is left as it was (stale: the frame gets the face). Where a caption
        or lower third lies over the face, the face's pixels there are taken back from the frame, the
        overlay drawn over them and converted again. When the still layer changed, or a card covers
        much of the face, the whole frame is drawn as `draw` does.

        Calls are taken to come in the recorder's order: a buffer first catches up with the one drawn
        by the call before (`_catch_up`; the update's `copied` areas, whose yuv420p the recorder copies
        from that frame), then only what changed since that frame is drawn.
        """
        direct = self.scene.face_i420(surface, state)
        copied = self._catch_up(surface) if direct is None else []
        self._previous = weakref.ref(surface) if direct is None else None
        update = self._draw_i420(surface, state, direct)
        return dataclasses.replace(update, copied=copied) if copied else update

    def _catch_up(self, surface: pygame.Surface) -> list[pygame.Rect]:
        """Make `surface` hold what the surface drawn just before it holds, by copying the areas where
        the two can differ, when both hold the same still layer; returns those areas (none: nothing
        copied). A recorder's buffer is two frames old: a change that came one frame ago (the head moved
        a pixel, a caption turned its page) is then copied, not drawn and converted once more."""
        prev = self._previous() if self._previous is not None else None
        if prev is None or prev is surface or prev.get_size() != surface.get_size():
            return []
        mine, theirs = self._painted.get(surface), self._painted.get(prev)
        if mine is None or theirs is None or mine is theirs or mine.key != theirs.key or mine.key is _COVERED:
            return []
        # Equal parts draw equal pixels over the same still layer, and so do equal overlays.
        if mine.parts is not None and theirs.parts is not None:
            differ = [pygame.Rect(part.area) for part in mine.parts ^ theirs.parts]
        else:
            differ = [mine.face, theirs.face]
        if mine.overlay is None or theirs.overlay is None:
            differ += [*mine.moving[1:], *theirs.moving[1:]]
        elif mine.overlay != theirs.overlay:
            marks = self._marks_moved(mine, theirs.overlay, theirs.mark, ())   # only a highlight moved
            differ += marks if marks is not None else [*mine.moving[1:], *theirs.moving[1:]]
        areas = list(_outermost(differ))
        for area in areas:
            surface.blit(prev, area.topleft, area)
        self._painted[surface] = theirs
        return areas

    def _draw_i420(self, surface: pygame.Surface, state: SceneState,
                   direct: tuple[pygame.Rect, Callable[[I420Frame], None]] | None) -> FrameUpdate:
        last = self._painted.get(surface)
        key = self.scene.still_key(surface, state)
        if last is not None and key is not None and last.key not in (key, _COVERED):
            breath = self._breath_i420(surface, state, last, key)
            if breath is not None:
                return breath
        if direct is None or last is None or last.key != key:
            return FrameUpdate(self.draw(surface, state))
        area, write = direct
        overlay = _overlay(state)
        mark = self.scene.caption_mark(state)
        old_overlay = _outermost(last.moving[1:])
        marks = self._marks_moved(last, overlay, mark, (area,)) if overlay != last.overlay else None
        if overlay == last.overlay:
            drawn, changed = list(last.moving[1:]), []
        elif marks is not None:                           # only the spoken word's highlight moved
            changed = [self._repaint_overlay_in(surface, state, last.key, marks)]
            drawn = list(_outermost([*last.moving[1:], *marks]))
        else:
            self._restore(surface, state, old_overlay, self._patches.get(last.key))
            drawn = self.scene.draw_overlay(surface, state)
            changed = [*old_overlay, *_outermost(drawn)]
        over = union_of(r.clip(area) for r in drawn)
        if over.w * over.h > area.w * area.h // 4:
            # `draw` puts back all these areas, draws the frame there and reports them all (no overlay
            # equals None), the old overlay's too: the frame still shows it.
            self._painted[surface] = _Painted(last.key, (area, *old_overlay, *drawn), None, None)
            return FrameUpdate(self.draw(surface, state))
        self._remember(surface, _Painted(last.key, (area, *drawn), overlay, None, mark))
        changed = [part for r in changed for part in _outside(r, area)]     # the face is written over it
        if over.w == 0:
            return FrameUpdate(changed, write)
        box = even_box(over.left, over.top, over.right, over.bottom)

        def write_under_overlay(frame: I420Frame) -> None:
            write(frame)
            pixels = surface_pixels(surface)
            frame.paint(pixels, box)             # the face there, from the frame
            del pixels                           # (the view locks the surface)
            where = pygame.Rect(box[0], box[1], box[2] - box[0], box[3] - box[1])
            with _clipped(surface, where):
                self.scene.draw_overlay(surface, state)
            frame.update(surface_pixels(surface), [where])

        return FrameUpdate(changed, write_under_overlay)

    def _breath_i420(self, surface: pygame.Surface, state: SceneState, last: _Painted,
                     key: Hashable) -> FrameUpdate | None:
        """A frame whose still layer changed only inside the presenter (the body lifted by the breath):
        the still layer there is put back from the pixels kept the first time this position was drawn,
        and its yuv420p copied rather than converted again; only what is drawn over it is converted.
        Over an unchanged caption only that area and the face's changed parts are drawn again
        (`_breath_parts`). None when the still layer changed elsewhere too (a slide, the background)."""
        area = self.scene.still_change(last.key, key, state)
        if area is None:
            return None
        x0, y0, x1, y1 = even_box(area.left, area.top, area.right, area.bottom, surface.get_size())
        if x1 <= x0 or y1 <= y0:
            return None
        area = pygame.Rect(x0, y0, x1 - x0, y1 - y0)
        still = self._stills.get((key, tuple(area)))
        parts = self.scene.face_parts(surface, state)
        overlay = _overlay(state)
        patch = self._patches.get(key)
        if still is not None and patch is not None and parts is not None and last.parts is not None \
                and overlay == last.overlay:
            painted, changed = self._breath_parts(surface, state, last, parts, key, area, still[0], patch)
            outside = [part for r in changed for part in _outside(r, area)]
        else:
            del self._painted[surface]
            self._restore(surface, state, (*last.rects, area), patch)
            self._keep_patch(surface, key)
            if still is None:
                frame = I420Frame(area.size)
                frame.update(surface_pixels(surface)[y0:y1, x0:x1])
                still = self._stills.put((key, tuple(area)), (surface.subsurface(area).copy(), frame))
            moving = tuple(self.scene.draw_moving(surface, state))
            painted = _Painted(key, moving, overlay, parts, self.scene.caption_mark(state))
            outside = [part for r in (*last.rects, *painted.rects) for part in _outside(r, area)]
        self._remember(surface, painted)
        over = [r.clip(area) for r in painted.rects if r.colliderect(area)]
        still_i420 = still[1]

        def write_over_still(frame: I420Frame) -> None:
            for dst, src in zip(frame.planes((x0, y0, x1, y1)), (still_i420.y, still_i420.u, still_i420.v)):
                dst[...] = src
            frame.update(surface_pixels(surface), over)

        return FrameUpdate(outside, write_over_still)

    def _breath_parts(self, surface: pygame.Surface, state: SceneState, last: _Painted,
                      parts: frozenset[FacePart], key: Hashable, area: pygame.Rect, still: pygame.Surface,
                      patch: tuple[pygame.Rect, pygame.Surface]) -> tuple[_Painted, list[pygame.Rect]]:
        """A breath over a surface that holds the frame before it, captions and the rest unchanged: the
        still layer is put back where the breath changed it (`still`, kept pixels) and where the face's
        parts changed, and only there is drawn again. Returns what the surface now holds and the areas
        of the parts that changed."""
        changed = [pygame.Rect(part.area) for part in parts ^ last.parts]
        old_overlay = _outermost(last.moving[1:])
        for rect in (area, union_of(changed)) if changed else (area,):
            # Each area is put back whole before it is drawn: drawn twice, blended pixels would darken.
            if rect is area:
                surface.blit(still, area)
            else:
                self._restore(surface, state, (rect,), patch)
            with _clipped(surface, rect):
                if any(r.colliderect(rect) for r in old_overlay):
                    self.scene.draw_moving(surface, state)       # a caption or card lies there too
                else:
                    self.scene.draw_face_parts(surface, state)
        face = union_of(pygame.Rect(part.area) for part in parts)
        painted = _Painted(key, (face, *last.moving[1:]), last.overlay, parts, self.scene.caption_mark(state))
        return painted, changed

    def _repaint_parts(self, surface: pygame.Surface, state: SceneState, last: _Painted,
                       parts: frozenset[FacePart], overlay: tuple) -> list[pygame.Rect] | None:
        """Same still layer as `surface` holds: only the face's parts that differ (a blink, the mouth
        and jaw) are put back and drawn again, clipped to where they lie, and the captions and the
        rest if they changed (only the spoken word's highlights when nothing else did). None (nothing
        drawn) when an old caption or card lay over the face."""
        changed = [pygame.Rect(part.area) for part in parts ^ last.parts]
        face = union_of(pygame.Rect(part.area) for part in parts)
        mark = self.scene.caption_mark(state)
        new_overlay = overlay != last.overlay
        marks = self._marks_moved(last, overlay, mark, (last.face, face)) if new_overlay else None
        old_overlay = _outermost(last.moving[1:])
        if new_overlay and marks is None and any(r.colliderect(last.face) or r.colliderect(face)
                                                 for r in old_overlay):
            return None
        if changed:
            bound = union_of(changed)
            self._restore(surface, state, (bound,), self._patches.get(last.key))
            with _clipped(surface, bound):
                if (not new_overlay or marks is not None) and any(r.colliderect(bound) for r in old_overlay):
                    self.scene.draw_moving(surface, state)     # a caption or card lies over the face there
                else:
                    self.scene.draw_face_parts(surface, state)
        if not new_overlay:
            self._remember(surface, _Painted(last.key, (face, *last.moving[1:]), overlay, parts, mark))
            return changed
        if marks is not None:
            area = self._repaint_overlay_in(surface, state, last.key, marks)
            self._remember(surface, _Painted(last.key, (face, *_outermost([*last.moving[1:], *marks])), overlay,
                                             parts, mark))
            return [*changed, area]
        self._restore(surface, state, old_overlay, self._patches.get(last.key))
        drawn = self.scene.draw_overlay(surface, state)
        self._remember(surface, _Painted(last.key, (face, *drawn), overlay, parts, mark))
        return [*changed, *old_overlay, *_outermost(drawn)]

    def _marks_moved(self, last: _Painted, overlay: tuple, mark: tuple | None,
                     faces: tuple[pygame.Rect, ...]) -> list[pygame.Rect] | None:
        """When the overlay differs from `last`'s only in which word of the same caption page is
        highlighted, and the area holding both highlights touches none of `faces`: the two highlights'
        areas (all that differs). Else None."""
        if mark is None or last.mark is None or mark[0] != last.mark[0] or overlay[1:] != last.overlay[1:]:
            return None
        marks = [r for r in (last.mark[1], mark[1]) if r is not None]
        bound = union_of(marks)            # what `_repaint_overlay_in` puts back
        if any(bound.colliderect(f) for f in faces):
            return None
        return marks

    def _repaint_overlay_in(self, surface: pygame.Surface, state: SceneState, key: Hashable,
                            areas: list[pygame.Rect]) -> pygame.Rect:
        """Put the still layer back where `areas` lie and draw the overlay there (nothing of the face
        lies there); returns the area repainted."""
        area = union_of(areas)
        self._restore(surface, state, (area,), self._patches.get(key))
        with _clipped(surface, area):
            self.scene.draw_overlay(surface, state)
        return area

    def _remember(self, surface: pygame.Surface, painted: _Painted) -> None:
        self._painted[surface] = painted
        # The still layer is kept around the face (the head moves a little; captions change seldom).
        hot = painted.face if painted.face.w > 0 else max(painted.rects, key=lambda r: r.w * r.h, default=None)
        if hot is not None and hot.w > 0:
            self._hot = hot

    def _restore(self, surface: pygame.Surface, state: SceneState, rects: tuple[pygame.Rect, ...],
                 patch: tuple[pygame.Rect, pygame.Surface] | None) -> None:
        """Put the still layer back inside `rects`, from the kept patch where it holds them."""
        for rect in rects:
            if patch is not None and patch[0].contains(rect):
                where, pixels = patch
                surface.blit(pixels, rect.topleft, rect.move(-where.x, -where.y))
                continue
            with _clipped(surface, rect):
                self.scene.draw_still(surface, state)   # the still layer again, only inside `rect`

    def _keep_patch(self, surface: pygame.Surface, key: Hashable) -> None:
        """Copy the fresh still layer around where the head was last drawn, for this still key."""
        if key in self._patches or self._hot.w == 0:
            return
        margin_w, margin_h = self._hot.w // 8 + 4, self._hot.h // 8 + 4
        where = self._hot.inflate(2 * margin_w, 2 * margin_h).clip(surface.get_rect())
        self._patches.put(key, (where, surface.subsurface(where).copy()))


@contextmanager
def _clipped(surface: pygame.Surface, rect: pygame.Rect) -> Iterator[None]:
    """Draw on `surface` only inside `rect` (and the clip already set) for the block."""
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip))
    try:
        yield
    finally:
        surface.set_clip(clip)


def _outside(rect: pygame.Rect, hole: pygame.Rect) -> list[pygame.Rect]:
    """`rect` without `hole`: up to four strips (above, below, left, right)."""
    if not rect.colliderect(hole):
        return [rect]
    top, bottom = max(rect.top, hole.top), min(rect.bottom, hole.bottom)
    strips = [pygame.Rect(rect.left, rect.top, rect.w, top - rect.top),
              pygame.Rect(rect.left, bottom, rect.w, rect.bottom - bottom),
              pygame.Rect(rect.left, top, hole.left - rect.left, bottom - top),
              pygame.Rect(hole.right, top, rect.right - hole.right, bottom - top)]
    return [s for s in strips if s.w > 0 and s.h > 0]


def _outermost(rects: list[pygame.Rect]) -> tuple[pygame.Rect, ...]:
    """The non-empty rects that no other rect holds (a highlighted word lies on its caption)."""
    solid = [r for r in rects if r.w > 0 and r.h > 0]
    return tuple(r for i, r in enumerate(solid)
                 if not any(j != i and o.contains(r) and (o != r or j < i) for j, o in enumerate(solid)))
