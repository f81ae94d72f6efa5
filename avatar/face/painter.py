"""A supersampled drawing surface addressed in head units, shrunk to screen size when done."""

from __future__ import annotations

import math
from typing import Sequence

import pygame

from avatar.face.raster import Color, Mapping, Point, blend_poly, mask_of, poly, soft_shapes


class Painter:
    """Draws head-unit shapes onto an `ss`-times larger transparent surface.

    `box` is (x0, y0, x1, y1) in head units; `unit_px` is the head height in final pixels; `ss` is
    2 or 4 (pygame's smoothscale is an exact box filter for those factors).
    """

    def __init__(self, box: tuple[float, float, float, float], unit_px: float, ss: int,
                 fill: Color = (0, 0, 0)) -> None:
        x0, y0, x1, y1 = box
        self.ss = ss
        self.unit_px = unit_px
        self.size_px = (max(1, math.ceil((x1 - x0) * unit_px)), max(1, math.ceil((y1 - y0) * unit_px)))
        # Where head-unit (0, 0) lands in the final (1x) surface.
        self.origin_px = (-x0 * unit_px, -y0 * unit_px)
        self.surface = pygame.Surface((self.size_px[0] * ss, self.size_px[1] * ss), pygame.SRCALPHA)
        self.surface.fill((*fill, 0))
        self.map = Mapping(self.origin_px[0] * ss, self.origin_px[1] * ss, unit_px * ss)

    def px(self, points: Sequence[Point]) -> list[Point]:
        return self.map.pts(points)

    def fill(self, color: Color, points: Sequence[Point], alpha: float = 1.0) -> None:
        """An opaque (or translucent, blended) shape."""
        if alpha >= 1.0:
            poly(self.surface, color, self.px(points))
        else:
            blend_poly(self.surface, color, alpha, self.px(points))

    def mask(self, points: Sequence[Point]) -> pygame.Surface:
        return mask_of(self.surface.get_size(), self.px(points))

    def soft(self, color: Color, shapes: Sequence[tuple[Sequence[Point], float]], radius: float,
             mask: pygame.Surface | None = None) -> None:
        """Blurred shapes (`radius` in head units), clipped to `mask`, composited on top."""
        done = soft_shapes(self.surface.get_size(), color, [(self.px(p), a) for p, a in shapes],
                           radius * self.map.scale, mask)
        if done is not None:
            self.surface.blit(*done)

    def finish(self) -> pygame.Surface:
        """The final-resolution surface with PREMULTIPLIED alpha: blit it with BLEND_PREMULTIPLIED.

        Averaging premultiplied pixels is what keeps edges free of dark or coloured fringes.
        """
        premultiplied = self.surface.premul_alpha()
        if self.ss == 1:
            return premultiplied
        return pygame.transform.smoothscale(premultiplied, self.size_px)
