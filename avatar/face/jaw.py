"""How far the lower jaw drops for a mouth shape, and blitting the head with its chin lowered that far."""

from __future__ import annotations

import math

import pygame

from avatar.face.base import union_of
from avatar.face.raster import blur
from avatar.lipsync.track import MouthShape

JAW_DROP = 0.04          # head units the chin drops for a wide-open D
# Share of the full drop per shape: wide vowels open the jaw, lip and teeth shapes barely move it.
JAW_WEIGHT: dict[MouthShape, float] = {
    MouthShape.X: 0.0, MouthShape.A: 0.0, MouthShape.F: 0.04, MouthShape.G: 0.12, MouthShape.B: 0.15,
    MouthShape.E: 0.3, MouthShape.H: 0.42, MouthShape.C: 0.55, MouthShape.D: 1.0,
}
# Head-unit rows of the stretch: above STRETCH_TOP (under the nose) nothing moves; below STRETCH_END
# (under the lower lip) the chin moves rigidly by the whole drop; in between the cheeks stretch.
STRETCH_TOP = 0.235
STRETCH_END = 0.43
_BANDS = 5
CHIN_Y = 0.503           # the bottom of the chin at rest (head.py's face outline)
_SHADE = (204, 186, 180)   # multiplied into the neck under the lowered chin at the full drop


def jaw_drop(shape: MouthShape, mouth_open: float) -> float:
    """How far the chin drops, in head units, for `shape` drawn at openness `mouth_open` (0..1)."""
    mo = min(1.0, max(0.0, mouth_open))
    # Same growth with openness as the lip gap in mouth.py, so the lower lip and chin move together.
    return JAW_DROP * JAW_WEIGHT.get(shape, 0.0) * (0.4 + 0.6 * mo)


def _smoothstep(t: float) -> float:
    return t * t * (3.0 - 2.0 * t)


def stretch_rows(head_h: int, top_row: float, end_row: float) -> tuple[int, int]:
    """The whole rows of a head `head_h` rows tall where the stretch starts and ends: rows above the
    first never move with the jaw."""
    r0 = max(0, min(head_h, round(top_row)))
    return r0, max(r0, min(head_h, round(end_row)))


def blit_head(surface: pygame.Surface, head: pygame.Surface, pos: tuple[int, int], top_row: float,
              end_row: float, drop_px: int) -> pygame.Rect:
    """Blit the premultiplied `head` at `pos`, its rows below `top_row` pushed down by up to `drop_px`;
    returns the area drawn on.

    Rows from `top_row` to `end_row` (rows of `head`) are stretched in a few bands whose stretch
    rises and falls smoothly, and everything below moves down rigidly: the picture stays one
    continuous surface, so there is no cut line, and the chin covers more of the neck behind it.
    The rows above the stretch are the same whatever the drop.
    """
    x, y = pos
    flags = pygame.BLEND_PREMULTIPLIED
    w, h = head.get_size()
    r0, r1 = stretch_rows(h, top_row, end_row)
    bands = min(_BANDS, r1 - r0)
    if drop_px <= 0 or bands < 1:
        return surface.blit(head, pos, special_flags=flags)
    drawn = [surface.blit(head, pos, pygame.Rect(0, 0, w, r0), special_flags=flags)]
    rows = [r0 + round((r1 - r0) * k / bands) for k in range(bands + 1)]
    shifts = [round(drop_px * _smoothstep(k / bands)) for k in range(bands + 1)]
    clip = surface.get_clip()
    for k in range(bands):
        src_h = rows[k + 1] - rows[k]
        out_h = src_h + shifts[k + 1] - shifts[k]
        if src_h <= 0 or out_h <= 0 or not clip.colliderect((x, y + rows[k] + shifts[k], w, out_h)):
            continue
        band = head.subsurface(pygame.Rect(0, rows[k], w, src_h))
        if out_h != src_h:
            band = pygame.transform.smoothscale(band, (w, out_h))
        drawn.append(surface.blit(band, (x, y + rows[k] + shifts[k]), special_flags=flags))
    drawn.append(surface.blit(head, (x, y + r1 + shifts[-1]), pygame.Rect(0, r1, w, h - r1), special_flags=flags))
    return union_of(drawn)


class ChinShadow:
    """The extra shade the lowered chin casts on the neck, multiplied under the head before it is drawn.

    The neck's own shadow (in the body layer) is made for the chin at rest; when the chin drops it
    covers the darkest part, so without this the jaw would look pasted onto a lit neck.
    """

    def __init__(self, unit_px: float, max_drop_px: int) -> None:
        self.unit_px = unit_px
        self.max_drop_px = max(1, max_drop_px)
        rx, ry, blur_r = 0.12 * unit_px, 0.05 * unit_px, 0.025 * unit_px
        w, h = math.ceil(2 * rx + 5 * blur_r) + 2, math.ceil(2 * ry + 5 * blur_r) + 2
        dark = pygame.Surface((w, h), pygame.SRCALPHA)
        dark.fill((*_SHADE, 0))
        centre = (w / 2, h / 2)
        pts = [(centre[0] + rx * math.cos(a * math.pi / 16), centre[1] + ry * math.sin(a * math.pi / 16))
               for a in range(32)]
        pygame.draw.polygon(dark, (*_SHADE, 255), pts)
        dark = blur(dark, blur_r)
        self._full = pygame.Surface((w, h))
        self._full.fill((255, 255, 255))
        self._full.blit(dark, (0, 0))
        self.centre = centre
        self._levels: dict[int, pygame.Surface] = {}

    def area(self, x: float, y: float, drop_px: int) -> pygame.Rect | None:
        """Where `draw` with these arguments multiplies the shade (None: nowhere, the chin is at rest)."""
        if drop_px <= 0:
            return None
        return pygame.Rect((round(x - self.centre[0]), round(y - self.centre[1])), self._full.get_size())

    def draw(self, surface: pygame.Surface, x: float, y: float, drop_px: int) -> pygame.Rect | None:
        """Multiply the shade for a chin dropped `drop_px` into `surface`, centred on (`x`, `y`);
        returns the area drawn on (None when the chin is at rest)."""
        if drop_px <= 0:
            return None
        level = self._levels.get(drop_px)
        if level is None:
            level = pygame.Surface(self._full.get_size())
            level.fill((255, 255, 255))
            self._full.set_alpha(round(255 * min(1.0, drop_px / self.max_drop_px)))
            level.blit(self._full, (0, 0))
            self._levels[drop_px] = level
        return surface.blit(level, (round(x - self.centre[0]), round(y - self.centre[1])),
                            special_flags=pygame.BLEND_RGB_MULT)
