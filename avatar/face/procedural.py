"""A drawn digital human in a suit: still parts cached per size, moving parts redrawn each frame."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable

import pygame

from avatar.face.base import FacePart, clipped_to, union_of
from avatar.face.body import build_body
from avatar.face.features import Features
from avatar.face.head import build_head
from avatar.face.jaw import (CHIN_Y, JAW_DROP, STRETCH_END, STRETCH_TOP, ChinShadow, blit_head, jaw_drop,
                             stretch_rows)
from avatar.face.layer_cache import cached_layer
from avatar.face.look import Look
from avatar.face.pose_store import store_for
from avatar.face.state import FaceState
from avatar.lru import BytesLru, surface_bytes

MAX_TILT_DEG = 2.0
HEAD_PIVOT = (0.0, 0.3)        # head units: the head rolls about the top of the neck
EYE_LINE = 0.36                # eye line at most this fraction of the rect height from its top...
EYE_LINE_UNITS = 0.9           # ...and at most this many head heights (tall rects keep the head up)
_ROTATION_CACHE_BYTES = 96 * 1024 * 1024


def head_unit_px(rect_size: tuple[int, int]) -> float:
    """Head height (crown to chin) in pixels for a face drawn into a rect of this size."""
    w, h = rect_size
    return min(h * 0.40, w * 0.46)


def eye_line_px(rect_size: tuple[int, int]) -> float:
    """Distance from the rect's top to the eye line, in pixels."""
    return min(rect_size[1] * EYE_LINE, EYE_LINE_UNITS * head_unit_px(rect_size))


def _supersampling(unit_px: float) -> int:
    # Small heads need more samples per pixel to stay smooth; big ones have pixels to spare.
    # (2 and 4 only: pygame's smoothscale averages those factors exactly.)
    return 4 if unit_px < 500 else 2


@dataclass
class _Layers:
    """Everything cached for one rect size."""

    unit_px: float
    body: pygame.Surface
    body_origin: tuple[float, float]     # where head (0, 0) sits on `body`
    body_bounds: pygame.Rect             # the part of `body` with any colour
    head: pygame.Surface
    head_origin: tuple[float, float]
    features: Features
    chin_shadow: ChinShadow
    tilt_step_deg: float
    rotated: "BytesLru[int, pygame.Surface]"
    # Per tilt step: the part of the turned head that is not fully clear, and where it lies in it.
    opaque: "dict[int, tuple[pygame.Surface, tuple[int, int]]]"


@dataclass(frozen=True)
class _Pose:
    """Where the head and its features go for one state."""

    tilt_key: int                   # the tilt in steps of the layers' `tilt_step_deg`
    tilt_deg: float                 # that many steps
    head: pygame.Surface            # the head turned that far, cut to what is not fully clear
    pos: tuple[int, int]            # where that goes, whole pixels
    origin: tuple[float, float]     # head (0, 0) on screen, following the whole-pixel head
    drop_px: int                    # how far the chin drops
    rows: tuple[int, int]           # rows of `head` where the jaw's stretch starts and ends
    chin: tuple[float, float]       # the bottom of the lowered chin on screen


class ProceduralFace:
    """Draws the presenter for `look`; `draw` is cheap after the first call for a given rect size."""

    def __init__(self, look: Look) -> None:
        self.look = look
        self._layers: dict[tuple[int, int], _Layers] = {}
        self.poses = store_for(look)     # the features' poses, for every size: built once per look
        self._last_pose: tuple[FaceState, pygame.Rect, _Layers, _Pose] | None = None

    def prepare(self, size: tuple[int, int]) -> None:
        """Build the cached parts for a rect of `size` now rather than on the first draw."""
        self._get(size)

    def keep_built(self) -> None:
        """Keep the poses built in this run on disk for the next (see avatar.face.pose_store)."""
        self.poses.save()

    def _get(self, size: tuple[int, int]) -> _Layers:
        layers = self._layers.get(size)
        if layers is None:
            unit = head_unit_px(size)
            ss = _supersampling(unit)
            bottom = (size[1] - eye_line_px(size)) / unit + 0.02
            # Drawn once per look and size, then read back from the cache (a few ms instead of ~0.25 s).
            body, body_origin = cached_layer("body", (self.look, unit, 2, bottom),
                                             lambda: build_body(self.look, unit, 2, bottom))  # 2 is plenty here
            head, head_origin = cached_layer("head", (self.look, unit, ss), lambda: build_head(self.look, unit, ss))
            # Tilt steps small enough that the crown moves under a pixel per step.
            step = math.degrees(0.8 / (0.75 * unit))
            opaque: dict = {}           # per turned head: dropped with it
            rotated = BytesLru(_ROTATION_CACHE_BYTES, surface_bytes, on_drop=lambda key: opaque.pop(key, None))
            layers = _Layers(unit, body, body_origin, body.get_bounding_rect(), head, head_origin,
                             Features(self.look, unit, self.poses), ChinShadow(unit, round(JAW_DROP * unit)), step,
                             rotated, opaque)
            if len(self._layers) >= 4:      # a window resized many times must not hoard memory
                self._layers.pop(next(iter(self._layers)))
            self._layers[size] = layers
        return layers

    def _rotated(self, layers: _Layers, key: int) -> pygame.Surface:
        if key == 0:
            return layers.head
        surf = layers.rotated.get(key)
        if surf is not None:
            return surf
        # Interpolating premultiplied pixels is exactly right, so rotation adds no fringes either.
        return layers.rotated.put(key, pygame.transform.rotozoom(layers.head, key * layers.tilt_step_deg, 1.0))

    def _opaque(self, layers: _Layers, key: int, head: pygame.Surface) -> tuple[pygame.Surface, tuple[int, int]]:
        """The part of the turned `head` with any colour, and its offset: blitting a premultiplied clear
        pixel changes nothing, and the turned layers have wide clear margins (a third of their area)."""
        kept = layers.opaque.get(key)
        if kept is None or kept[0].get_parent() is not head:
            bounds = head.get_bounding_rect()
            kept = layers.opaque[key] = (head.subsurface(bounds), bounds.topleft)
        return kept

    def draw(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
             state: FaceState) -> None:
        """Draw the presenter for `state` into `rect` of `surface` (nothing outside `rect`)."""
        self.draw_still(surface, rect, state)
        self.draw_moving(surface, rect, state)

    @staticmethod
    def _body_dy(unit_px: float, state: FaceState) -> int:
        breath = min(1.0, max(0.0, state.breath))
        return -round(breath * 0.008 * unit_px)

    def still_key(self, size: tuple[int, int], state: FaceState) -> int:
        """The body's lift with the breath in pixels: all that the still layer depends on for one rect."""
        return self._body_dy(head_unit_px(size), state)

    def draw_still(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
                   state: FaceState) -> None:
        """The body (shoulders, suit, neck), lifted a pixel or so with the breath."""
        rect = pygame.Rect(rect)
        with clipped_to(surface, rect) as visible:
            if not visible:
                return
            layers = self._get(rect.size)
            x, y = self._body_pos(layers, rect)
            surface.blit(layers.body, (x, y + self._body_dy(layers.unit_px, state)),
                         special_flags=pygame.BLEND_PREMULTIPLIED)

    def still_change(self, rect: pygame.Rect | tuple[int, int, int, int], old_key: Hashable,
                     new_key: Hashable) -> pygame.Rect:
        """Where the still layers of two keys (lifts of the body) may differ: the body's coloured part at
        both lifts, within `rect` (about half the presenter's rect)."""
        rect = pygame.Rect(rect)
        layers = self._get(rect.size)
        x, y = self._body_pos(layers, rect)
        bounds = layers.body_bounds
        lifts = [k for k in (old_key, new_key) if isinstance(k, int)]
        if len(lifts) < 2:
            return rect
        return bounds.move(x, y + lifts[0]).union(bounds.move(x, y + lifts[1])).clip(rect)

    @staticmethod
    def _body_pos(layers: _Layers, rect: pygame.Rect) -> tuple[int, int]:
        """Where the body layer's top left goes at rest."""
        eye_x = rect.x + rect.w / 2
        eye_y = rect.y + eye_line_px(rect.size)
        return round(eye_x - layers.body_origin[0]), round(eye_y - layers.body_origin[1])

    def draw_moving(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
                    state: FaceState) -> pygame.Rect:
        """The head with its eyes and mouth; returns the area drawn on (empty if none).

        Under a clip smaller than `rect`, parts outside the clip are skipped and the pixels inside
        it are exactly those of a full draw (see `moving_parts`)."""
        rect = pygame.Rect(rect)
        with clipped_to(surface, rect) as visible:
            if not visible:
                return pygame.Rect(rect.topleft, (0, 0))
            layers = self._get(rect.size)
            return self._draw_head(surface, layers, self._pose(layers, rect, state), state)

    def moving_parts(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
                     state: FaceState) -> frozenset[FacePart]:
        """The parts `draw_moving` draws for `state`: the chin's shadow, the head above the jaw, the jaw
        (with the chin lowered), the eyes, the brows and the mouth."""
        rect = pygame.Rect(rect)
        with clipped_to(surface, rect) as visible:
            if not visible:
                return frozenset()
            layers = self._get(rect.size)
            pose = self._pose(layers, rect, state)
            clip = surface.get_clip()
            hw, hh = pose.head.get_size()
            (bx, by), drop = pose.pos, pose.drop_px
            r0, r1 = stretch_rows(hh, *pose.rows)
            found = [(layers.chin_shadow.area(*pose.chin, drop), ("chin", pose.chin, drop)),
                     (pygame.Rect(bx, by, hw, r0), ("head", pose.tilt_key, pose.pos, r0)),
                     (pygame.Rect(bx, by + r0, hw, hh - r0 + drop), ("jaw", pose.tilt_key, pose.pos, r0, r1, drop)),
                     layers.features.eyes_part(surface, *pose.origin, pose.tilt_deg, state),
                     layers.features.brows_part(surface, *pose.origin, pose.tilt_deg, state),
                     layers.features.mouth_part(surface, *pose.origin, pose.tilt_deg, state)]
            parts = set()
            for got in found:
                if got is None or got[0] is None:
                    continue
                area = got[0].clip(clip)
                if area.w > 0 and area.h > 0:
                    parts.add(FacePart(tuple(area), got[1]))
            return frozenset(parts)

    def _pose(self, layers: _Layers, rect: pygame.Rect, state: FaceState) -> _Pose:
        """Where the head and its features go for `state` (kept for the last state asked about: the
        parts and the drawing of one frame ask for the same)."""
        memo = self._last_pose
        if memo is not None and memo[0] is state and memo[1] == rect and memo[2] is layers:
            return memo[3]
        unit = layers.unit_px
        eye_x = rect.x + rect.w / 2
        eye_y = rect.y + eye_line_px(rect.size)
        tilt = max(-MAX_TILT_DEG, min(MAX_TILT_DEG, state.head_tilt_deg))
        key = round(tilt / layers.tilt_step_deg)
        tilt_q = key * layers.tilt_step_deg
        head = self._rotated(layers, key)
        # Head origin on screen: sway and nod, then the roll about the neck pivot.
        c, s = math.cos(math.radians(tilt_q)), math.sin(math.radians(tilt_q))
        px, py = HEAD_PIVOT
        vx, vy = -px, -py          # origin relative to the pivot, turned with the head
        ox = eye_x + (state.head_dx + px + vx * c + vy * s) * unit
        oy = eye_y + (state.head_dy + py - vx * s + vy * c) * unit
        # Centre of the unrotated layer relative to the origin; rotozoom keeps centres fixed.
        hw, hh = layers.head.get_size()
        cx = hw / 2 - layers.head_origin[0]
        cy = hh / 2 - layers.head_origin[1]
        centre_x = ox + cx * c + cy * s
        centre_y = oy - cx * s + cy * c
        exact_x = centre_x - head.get_width() / 2
        exact_y = centre_y - head.get_height() / 2
        bx, by = round(exact_x), round(exact_y)
        # Features follow the head's whole-pixel position so they never slide against it.
        ox += bx - exact_x
        oy += by - exact_y
        # The chin drops with the open mouth; the tilt is at most a couple of degrees, so the
        # stretch can run along the screen's rows through the middle of the face.
        drop_px = round(jaw_drop(state.mouth_shape, state.mouth_open) * unit)
        opaque, (dx, dy) = self._opaque(layers, key, head)
        # Whole rows of the turned head, then of its opaque part.
        top_row = round(oy + STRETCH_TOP * unit * c - by) - dy
        end_row = round(oy + STRETCH_END * unit * c - by) - dy
        pose = _Pose(key, tilt_q, opaque, (bx + dx, by + dy), (ox, oy), drop_px, (top_row, end_row),
                     (ox + s * CHIN_Y * unit, oy + c * CHIN_Y * unit + drop_px))
        self._last_pose = (state, pygame.Rect(rect), layers, pose)
        return pose

    def _draw_head(self, surface: pygame.Surface, layers: _Layers, pose: _Pose, state: FaceState) -> pygame.Rect:
        drawn = [layers.chin_shadow.draw(surface, *pose.chin, pose.drop_px),
                 blit_head(surface, pose.head, pose.pos, *pose.rows, pose.drop_px),
                 layers.features.draw_eyes(surface, *pose.origin, pose.tilt_deg, state),
                 layers.features.draw_brows(surface, *pose.origin, pose.tilt_deg, state),
                 layers.features.draw_mouth(surface, *pose.origin, pose.tilt_deg, state)]
        return union_of(drawn)
