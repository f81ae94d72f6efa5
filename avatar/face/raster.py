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

    def pts_array(self, points: "np.ndarray") -> list[list[float]]:
        """`pts` for an (n, 2) float64 array at once: the same arithmetic in the same order, so the
        same numbers, without a Python loop over the points."""
        s = self.scale
        x, y = points[:, 0], points[:, 1]
        if self.tilt_deg == 0.0:
            out = np.stack((self.origin_x + x * s, self.origin_y + y * s), axis=1)
        else:
            c, sn = math.cos(math.radians(self.tilt_deg)), math.sin(math.radians(self.tilt_deg))
            out = np.stack((self.origin_x + (x * c + y * sn) * s, self.origin_y + (-x * sn + y * c) * s), axis=1)
        return out.tolist()

    def pts_xy(self, xy: "np.ndarray") -> list[Point]:
        """`pts` for a (2, n) float64 array of xs then ys: the same numbers as `pts_array` (the same
        arithmetic on each point), sooner, since each row is contiguous and points become tuples."""
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


# Relative costs for `Premultiplied`'s split, in blended pixels: a blit (the call and the loop
# around it), a copied pixel.
_BLIT_CALL_COST = 2500.0
_COPY_PX_COST = 0.1
_SPLIT_ROWS = 8       # band edges fall on multiples of this many rows...
_BAND_BLOCKS = 24     # ...and a band is at most this many times that high


class Premultiplied:
    """A premultiplied-alpha surface blitted with BLEND_PREMULTIPLIED, split into pieces that cost less.

    Blending a fully opaque pixel gives exactly that pixel and blending a fully transparent one
    (all four channels 0) leaves the target's exactly as it was: so onto a 32-bit target without
    per-pixel alpha, rectangles that are all opaque are copied from an opaque twin of the surface,
    those all transparent are skipped, and only the rest (the edges) are blended. The pixels come out
    the same as one blended blit, for a fraction of the time.
    """

    def __init__(self, surface: pygame.Surface) -> None:
        self.surface = surface
        # Bands of rows (top, bottom, spans): spans (x0, x1, opaque) hold every pixel not fully transparent.
        self.bands = _split(surface)
        self._twins: dict[tuple, pygame.Surface] = {}

    @staticmethod
    def splits_onto(target: pygame.Surface) -> bool:
        """Whether blits onto `target` are split (32 bits a pixel, no per-pixel alpha); else whole."""
        return target.get_bitsize() == 32 and not target.get_flags() & pygame.SRCALPHA

    def columns(self, top: int, bottom: int) -> tuple[int, int]:
        """Columns [x0, x1) holding every pixel not fully transparent in rows `top` to `bottom`."""
        x0, x1 = self.surface.get_width(), 0
        for t, b, spans in self.bands:
            if b > top and t < bottom:
                x0, x1 = min(x0, spans[0][0]), max(x1, spans[-1][1])
        return x0, x1

    def _twin(self, target: pygame.Surface) -> pygame.Surface:
        key = (target.get_bitsize(), target.get_masks())
        twin = self._twins.get(key)
        if twin is None:
            w, h = self.surface.get_size()
            # Rows a multiple of 16 bytes apart would let SDL copy with streaming stores, which are
            # many times slower whenever a piece's width is not a multiple of 16 pixels.
            padded = pygame.Surface((w + (1 if w % 4 == 0 else 0), h), 0, target)
            padded.fill((0, 0, 0))
            padded.blit(self.surface, (0, 0), special_flags=pygame.BLEND_PREMULTIPLIED)
            twin = self._twins[key] = padded
        return twin

    def blit(self, target: pygame.Surface, pos: tuple[int, int], area: pygame.Rect | None = None) -> pygame.Rect:
        """`target.blit(surface, pos, area, special_flags=BLEND_PREMULTIPLIED)`: the same pixels and the
        same rect returned."""
        src = self.surface
        flags = pygame.BLEND_PREMULTIPLIED
        if not self.splits_onto(target):
            return target.blit(src, pos, area, special_flags=flags)
        full = src.get_rect()
        area = full if area is None else pygame.Rect(area).clip(full)
        x, y = pos
        drawn = pygame.Rect(x, y, area.w, area.h).clip(target.get_clip())
        if drawn.w <= 0 or drawn.h <= 0:
            return target.blit(src, pos, area, special_flags=flags)   # nothing to draw: pygame's own rect
        # In source coordinates: the part of `area` that shows on `target`.
        dx, dy = x - area.x, y - area.y
        vx0, vy0 = drawn.x - dx, drawn.y - dy
        vx1, vy1 = vx0 + drawn.w, vy0 + drawn.h
        twin = self._twin(target)
        blit = target.blit
        for top, bottom, spans in self.bands:
            if bottom <= vy0 or top >= vy1:
                continue
            top, bottom = max(top, vy0), min(bottom, vy1)
            for x0, x1, opaque in spans:
                x0, x1 = max(x0, vx0), min(x1, vx1)
                if x1 > x0:
                    if opaque:
                        blit(twin, (x0 + dx, top + dy), (x0, top, x1 - x0, bottom - top))
                    else:
                        blit(src, (x0 + dx, top + dy), (x0, top, x1 - x0, bottom - top), flags)
        return drawn


def _split(surface: pygame.Surface) -> list[tuple[int, int, tuple[tuple[int, int, bool], ...]]]:
    """Bands of rows of `surface` (premultiplied, 32-bit with alpha), each with spans of columns all
    opaque (True) or to blend (False) that hold every pixel not fully transparent: a blended left
    edge, a copied middle and a blended right edge, the bands chosen for the least blending and calls."""
    w, h = surface.get_size()
    if w == 0 or h == 0:
        return []
    solid = pygame.surfarray.array2d(surface).T != 0          # (h, w): any channel set
    clear = pygame.surfarray.array_alpha(surface).T != 255    # not opaque
    any_solid = solid.any(axis=1)
    first = np.where(any_solid, np.argmax(solid, axis=1), w)
    last = np.where(any_solid, w - np.argmax(solid[:, ::-1], axis=1), 0)
    # Per row the run of opaque pixels [lo, hi) through the middle of what is there (empty if none).
    rows = np.arange(h)
    mid = np.clip((first + last) // 2, 0, w - 1)
    cols = np.arange(w)
    before = np.maximum.accumulate(np.where(clear, cols, -1), axis=1)[rows, mid]
    after = np.minimum.accumulate(np.where(clear, cols, w)[:, ::-1], axis=1)[:, ::-1][rows, mid]
    lo = np.where(clear[rows, mid], 0, before + 1)
    hi = np.where(clear[rows, mid], 0, after)
    # The same per block of rows, then the best way to group blocks into bands (a shortest path).
    step = _SPLIT_ROWS
    tops = list(range(0, h, step)) + [h]
    n = len(tops) - 1
    b_first = [int(v) for v in np.minimum.reduceat(first, tops[:-1])]
    b_last = [int(v) for v in np.maximum.reduceat(last, tops[:-1])]
    b_lo = [int(v) for v in np.maximum.reduceat(lo, tops[:-1])]
    b_hi = [int(v) for v in np.minimum.reduceat(hi, tops[:-1])]
    best = [0.0] + [math.inf] * n
    came = [0] * (n + 1)
    call, copy = _BLIT_CALL_COST, _COPY_PX_COST
    for b in range(1, n + 1):
        left, right, c0, c1 = w, 0, 0, w
        for a in range(b - 1, max(-1, b - 1 - _BAND_BLOCKS), -1):
            left, right = min(left, b_first[a]), max(right, b_last[a])
            c0, c1 = max(c0, b_lo[a]), min(c1, b_hi[a])
            height = tops[b] - tops[a]
            if right <= left:
                cost = best[a]
            elif c1 <= c0:
                cost = best[a] + call + (right - left) * height
            else:
                cost = (best[a] + call * (1 + (c0 > left) + (right > c1))
                        + ((c0 - left) + (right - c1) + (c1 - c0) * copy) * height)
            if cost < best[b]:
                best[b], came[b] = cost, a
    bands = []
    b = n
    while b > 0:
        a = came[b]
        left, right = min(b_first[a:b]), max(b_last[a:b])
        c0, c1 = max(b_lo[a:b]), min(b_hi[a:b])
        if right > left:
            if c1 <= c0:
                spans = ((left, right, False),)
            else:
                spans = tuple((p, q, o) for p, q, o in ((left, c0, False), (c0, c1, True), (c1, right, False))
                              if q > p)
            bands.append((tops[a], tops[b], spans))
        b = a
    return bands[::-1]
