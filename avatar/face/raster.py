"""Drawing helpers for supersampled shapes: curves, head-space mapping, soft shadows, downsampling."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pygame

Point = tuple[float, float]
Color = tuple[int, int, int]
RGBA = tuple[int, int, int, int]


def shade(c: Color, f: float) -> Color:
    """`c` scaled by `f` (<1 darker, >1 lighter), clamped."""
    return (min(255, max(0, round(c[0] * f))), min(255, max(0, round(c[1] * f))),
            min(255, max(0, round(c[2] * f))))


def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend from `a` (t=0) to `b` (t=1)."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def rgba(c: Color, a: float) -> RGBA:
    """`c` with opacity `a` in 0..1."""
    return (c[0], c[1], c[2], max(0, min(255, round(a * 255))))


def bezier(p0: Point, p1: Point, p2: Point, p3: Point, n: int = 16) -> list[Point]:
    """`n`+1 points along a cubic Bezier curve, ends included."""
    out = []
    for i in range(n + 1):
        t = i / n
        u = 1.0 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def spline(points: Sequence[Point], closed: bool = False, n: int = 8) -> list[Point]:
    """A Catmull-Rom curve through `points` with `n` samples per segment."""
    pts = list(points)
    count = len(pts)
    if count < 3:
        return pts
    out: list[Point] = []
    segments = count if closed else count - 1
    for i in range(segments):
        p0 = pts[(i - 1) % count] if closed or i > 0 else pts[0]
        p1 = pts[i]
        p2 = pts[(i + 1) % count]
        p3 = pts[(i + 2) % count] if closed or i + 2 < count else pts[-1]
        for j in range(n):
            t = j / n
            t2, t3 = t * t, t * t * t
            out.append((
                0.5 * (2 * p1[0] + (-p0[0] + p2[0]) * t + (2 * p0[0] - 5 * p1[0] + 4 * p2[0] - p3[0]) * t2
                       + (-p0[0] + 3 * p1[0] - 3 * p2[0] + p3[0]) * t3),
                0.5 * (2 * p1[1] + (-p0[1] + p2[1]) * t + (2 * p0[1] - 5 * p1[1] + 4 * p2[1] - p3[1]) * t2
                       + (-p0[1] + 3 * p1[1] - 3 * p2[1] + p3[1]) * t3)))
    if not closed:
        out.append(pts[-1])
    return out


def symmetric(right_half: Sequence[Point]) -> list[Point]:
    """A closed outline from its right half listed top to bottom (ends on the axis)."""
    left = [(-x, y) for x, y in reversed(right_half) if x != 0.0]
    return list(right_half) + left


def _unit_circle(n: int) -> tuple[tuple[float, float], ...]:
    return tuple((math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i in range(n))


# Constant tables for the point counts used every frame (drawing is hot; trig is not free).
_UNIT_CIRCLES = {n: _unit_circle(n) for n in (12, 16, 20, 24, 28, 32)}


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 32, rot_deg: float = 0.0) -> list[Point]:
    """`n` points around an ellipse, optionally rotated."""
    unit = _UNIT_CIRCLES.get(n) or _unit_circle(n)
    if rot_deg == 0.0:
        return [(cx + rx * c, cy + ry * s) for c, s in unit]
    c0, s0 = math.cos(math.radians(rot_deg)), math.sin(math.radians(rot_deg))
    return [(cx + rx * c * c0 - ry * s * s0, cy + rx * c * s0 + ry * s * c0) for c, s in unit]


def stroke(path: Sequence[Point], widths: Sequence[float] | float, round_start: bool = False) -> list[Point]:
    """A filled outline around an open `path`, `widths` per point (tapered strokes).

    `round_start` closes the first end with a half circle instead of a square cut.
    """
    n = len(path)
    if isinstance(widths, (int, float)):
        widths = [float(widths)] * n
    left: list[Point] = []
    right: list[Point] = []
    for i in range(n):
        a = path[max(0, i - 1)]
        b = path[min(n - 1, i + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        ln = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / ln, dx / ln
        h = widths[i] / 2.0
        left.append((path[i][0] + nx * h, path[i][1] + ny * h))
        right.append((path[i][0] - nx * h, path[i][1] - ny * h))
    if round_start and n > 1:
        (x0, y0), (x1, y1) = path[0], path[1]
        back = math.atan2(y0 - y1, x0 - x1)
        h = widths[0] / 2.0
        # From the right edge round the back of the start point to the left edge.
        cap = [(x0 + h * math.cos(back + math.pi / 2 - math.pi * k / 8),
                y0 + h * math.sin(back + math.pi / 2 - math.pi * k / 8)) for k in range(1, 8)]
        return left + right[::-1] + cap
    return left + right[::-1]


def taper(n: int, w0: float, w1: float, w_end: float | None = None) -> list[float]:
    """Widths for `stroke`: from w0 to w1 (and back down to w_end if given), smoothly."""
    out = []
    for i in range(n):
        t = i / max(1, n - 1)
        if w_end is None:
            out.append(w0 + (w1 - w0) * t)
        else:
            out.append(w0 + (w1 - w0) * math.sin(math.pi * t) + (w_end - w0) * t)
    return out


@dataclass(frozen=True)
class Mapping:
    """Head units -> pixels of one surface: p_px = origin + R(tilt) * p * scale."""

    origin_x: float
    origin_y: float
    scale: float               # pixels per head unit (head height)
    tilt_deg: float = 0.0      # counterclockwise on screen, as pygame.transform.rotate

    def pts(self, points: Iterable[Point]) -> list[Point]:
        s = self.scale
        if self.tilt_deg == 0.0:
            return [(self.origin_x + x * s, self.origin_y + y * s) for x, y in points]
        c, sn = math.cos(math.radians(self.tilt_deg)), math.sin(math.radians(self.tilt_deg))
        return [(self.origin_x + (x * c + y * sn) * s, self.origin_y + (-x * sn + y * c) * s)
                for x, y in points]

    def pts_xy(self, xy: "np.ndarray") -> list[Point]:
        """`pts` for a (2, n) float64 array of xs then ys: the same arithmetic on each point, so the same
        numbers, without a Python loop over the points."""
        s = self.scale
        x, y = xy[0], xy[1]
        if self.tilt_deg == 0.0:
            return list(zip((self.origin_x + x * s).tolist(), (self.origin_y + y * s).tolist()))
        c, sn = math.cos(math.radians(self.tilt_deg)), math.sin(math.radians(self.tilt_deg))
        return list(zip((self.origin_x + (x * c + y * sn) * s).tolist(),
                        (self.origin_y + (-x * sn + y * c) * s).tolist()))

    def pt(self, x: float, y: float) -> Point:
        return self.pts(((x, y),))[0]

    def len(self, d: float) -> float:
        return d * self.scale


def poly(surf: pygame.Surface, color: Color | RGBA, points: Sequence[Point]) -> None:
    """Fill a polygon (no-op for degenerate ones)."""
    if len(points) >= 3:
        pygame.draw.polygon(surf, color, points)


def blend_poly(surf: pygame.Surface, color: Color, alpha: float, points: Sequence[Point]) -> None:
    """Composite a translucent polygon over `surf` (pygame.draw writes alpha, it does not blend)."""
    if len(points) < 3 or alpha <= 0.0:
        return
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0, y0 = max(0, int(min(xs)) - 1), max(0, int(min(ys)) - 1)
    x1, y1 = min(surf.get_width(), int(max(xs)) + 2), min(surf.get_height(), int(max(ys)) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    tmp = pygame.Surface((x1 - x0, y1 - y0), pygame.SRCALPHA)
    tmp.fill((*color, 0))
    pygame.draw.polygon(tmp, rgba(color, alpha), [(x - x0, y - y0) for x, y in points])
    surf.blit(tmp, (x0, y0))


def blur(surf: pygame.Surface, radius_px: float) -> pygame.Surface:
    """A soft copy of `surf` (shrink then grow with smoothing): cheap, good for shadow shapes."""
    w, h = surf.get_size()
    f = max(1.0, radius_px)
    small = pygame.transform.smoothscale(surf, (max(1, round(w / f)), max(1, round(h / f))))
    # A second smaller pass rounds off the box-filter corners.
    small = pygame.transform.smoothscale(small, (max(1, round(w / f / 1.5)), max(1, round(h / f / 1.5))))
    return pygame.transform.smoothscale(small, (w, h))


def soft_shapes(size: tuple[int, int], color: Color, shapes: Sequence[tuple[Sequence[Point], float]],
                radius_px: float, mask: pygame.Surface | None = None
                ) -> tuple[pygame.Surface, tuple[int, int]] | None:
    """Polygons of one colour with given opacities, blurred by `radius_px`, clipped to `mask`.

    Returns the layer and where to blit it, covering only the shapes' neighbourhood; the shapes
    are drawn at reduced resolution since the blur removes any detail finer than its radius.
    """
    xs = [x for pts, _ in shapes for x, _ in pts]
    ys = [y for pts, _ in shapes for _, y in pts]
    if not xs:
        return None
    margin = 2.5 * radius_px + 2
    x0, y0 = max(0, int(min(xs) - margin)), max(0, int(min(ys) - margin))
    x1, y1 = min(size[0], int(max(xs) + margin) + 1), min(size[1], int(max(ys) + margin) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    k = max(1.0, radius_px / 3.0)
    sw, sh = max(1, round((x1 - x0) / k)), max(1, round((y1 - y0) / k))
    kx, ky = sw / (x1 - x0), sh / (y1 - y0)
    small = pygame.Surface((sw, sh), pygame.SRCALPHA)
    small.fill((*color, 0))
    for points, alpha in shapes:
        blend_poly(small, color, alpha, [((x - x0) * kx, (y - y0) * ky) for x, y in points])
    small = blur(small, radius_px * kx)
    layer = pygame.transform.smoothscale(small, (x1 - x0, y1 - y0))
    if mask is not None:
        layer.blit(mask, (0, 0), pygame.Rect(x0, y0, x1 - x0, y1 - y0), special_flags=pygame.BLEND_RGBA_MULT)
    return layer, (x0, y0)


def mask_of(size: tuple[int, int], points: Sequence[Point]) -> pygame.Surface:
    """White, opaque inside `points`, transparent outside: a clip mask for BLEND_RGBA_MULT."""
    m = pygame.Surface(size, pygame.SRCALPHA)
    m.fill((255, 255, 255, 0))
    poly(m, (255, 255, 255, 255), points)
    return m
