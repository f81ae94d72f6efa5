"""A drawn digital human in a suit: still parts cached per size, moving parts redrawn each frame."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import pygame

from avatar.face.base import clipped_to, union_of
from avatar.face.body import build_body
from avatar.face.features import Features
from avatar.face.head import build_head
from avatar.face.jaw import CHIN_Y, JAW_DROP, STRETCH_END, STRETCH_TOP, ChinShadow, blit_head, jaw_drop
from avatar.face.look import Look
from avatar.face.state import FaceState

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
    head: pygame.Surface
    head_origin: tuple[float, float]
    features: Features
    chin_shadow: ChinShadow
    tilt_step_deg: float
    rotated: "OrderedDict[int, pygame.Surface]"
    rotated_bytes: int = 0


class ProceduralFace:
    """Draws the presenter for `look`; `draw` is cheap after the first call for a given rect size."""

    def __init__(self, look: Look) -> None:
        self.look = look
        self._layers: dict[tuple[int, int], _Layers] = {}

    def prepare(self, size: tuple[int, int]) -> None:
        """Build the cached parts for a rect of `size` now rather than on the first draw."""
        self._get(size)

    def _get(self, size: tuple[int, int]) -> _Layers:
        layers = self._layers.get(size)
        if layers is None:
            unit = head_unit_px(size)
            ss = _supersampling(unit)
            bottom = (size[1] - eye_line_px(size)) / unit + 0.02
            body, body_origin = build_body(self.look, unit, 2, bottom)   # big soft shapes: 2 is plenty
            head, head_origin = build_head(self.look, unit, ss)
            # Tilt steps small enough that the crown moves under a pixel per step.
            step = math.degrees(0.8 / (0.75 * unit))
            layers = _Layers(unit, body, body_origin, head, head_origin,
                             Features(self.look, unit), ChinShadow(unit, round(JAW_DROP * unit)), step, OrderedDict())
            if len(self._layers) >= 4:      # a window resized many times must not hoard memory
                self._layers.pop(next(iter(self._layers)))
            self._layers[size] = layers
        return layers

    def _rotated(self, layers: _Layers, key: int) -> pygame.Surface:
        if key == 0:
            return layers.head
        surf = layers.rotated.get(key)
        if surf is not None:
            layers.rotated.move_to_end(key)
            return surf
        # Interpolating premultiplied pixels is exactly right, so rotation adds no fringes either.
        surf = pygame.transform.rotozoom(layers.head, key * layers.tilt_step_deg, 1.0)
        layers.rotated[key] = surf
        layers.rotated_bytes += surf.get_width() * surf.get_height() * 4
        while layers.rotated_bytes > _ROTATION_CACHE_BYTES and len(layers.rotated) > 1:
            _, old = layers.rotated.popitem(last=False)
            layers.rotated_bytes -= old.get_width() * old.get_height() * 4
        return surf

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
            eye_x = rect.x + rect.w / 2
            eye_y = rect.y + eye_line_px(rect.size)
            surface.blit(layers.body, (round(eye_x - layers.body_origin[0]),
                                       round(eye_y - layers.body_origin[1]) + self._body_dy(layers.unit_px, state)),
                         special_flags=pygame.BLEND_PREMULTIPLIED)

    def draw_moving(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
                    state: FaceState) -> pygame.Rect:
        """The head with its eyes and mouth; returns the area drawn on (empty if none)."""
        rect = pygame.Rect(rect)
        with clipped_to(surface, rect) as visible:
            if not visible:
                return pygame.Rect(rect.topleft, (0, 0))
            layers = self._get(rect.size)
            eye_x = rect.x + rect.w / 2
            eye_y = rect.y + eye_line_px(rect.size)
            return self._draw_head(surface, layers, eye_x, eye_y, state)

    def _draw_head(self, surface: pygame.Surface, layers: _Layers, eye_x: float, eye_y: float,
                   state: FaceState) -> pygame.Rect:
        unit = layers.unit_px
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
        drawn = [layers.chin_shadow.draw(surface, ox + s * CHIN_Y * unit, oy + c * CHIN_Y * unit + drop_px, drop_px),
                 blit_head(surface, head, (bx, by), oy + STRETCH_TOP * unit * c - by,
                           oy + STRETCH_END * unit * c - by, drop_px),
                 layers.features.draw_eyes(surface, ox, oy, tilt_q, state),
                 layers.features.draw_mouth(surface, ox, oy, tilt_q, state)]
        return union_of(drawn)
