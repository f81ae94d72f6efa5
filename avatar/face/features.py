"""The moving parts of the face (eyes, brows, mouth), redrawn every frame into small supersampled boxes.

Each box starts as a pixel-for-pixel enlargement of what is already on screen (the cached head), so
everything can be drawn opaque or blended straight onto it and shrunk back: no per-pixel alpha needed.
A finished box is kept, keyed by the pose and by the pixels it was drawn over: poses repeat all the time
(open eyes looking ahead, the rest mouth) and the head under a box is the same for the same tilt, so
most frames blit a kept box instead of drawing it again (that is most of a recording's drawing time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pygame
import pygame.gfxdraw

from avatar.face.look import Look
from avatar.face.mouth import mouth_geometry
from avatar.face.pose_store import PoseStore, store_for
from avatar.face.raster import Mapping, Point, bezier, ellipse, mix, shade, stroke, taper
from avatar.face.state import FaceState
from avatar.lru import BytesLru, Lru, surface_bytes

EYES_BOX = (-0.285, -0.175, 0.285, 0.07)
MOUTH_BOX = (-0.2, 0.17, 0.2, 0.47)
_MARGIN = 0.016        # head units of slack so a tilted box still holds its contents
_KEY = (255, 0, 254)   # colour key that never occurs in skin: marks "keep what was there"
_KEPT_BYTES = 4 * 1024 * 1024    # finished boxes kept per box (eyes, brows, mouth) for one head size
# More helps the mouth a little (on the 1080p sample, 745 -> 1014 of 4103 mouths from kept boxes with 16 MB): about
# 0.1 CPU-s a recording, too little to measure, for 12 MB more.

GAZE_STEPS = 100      # gaze to a hundredth of its range: an iris moves well under a pixel per step
EYE_CENTER_X = 0.144
IRIS_R = 0.029


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _expr(state: FaceState, name: str) -> float:
    return state.expression_amount if state.expression == name else 0.0


def fill(surf: pygame.Surface, color: tuple[int, int, int], pts: Sequence[Point]) -> None:
    if len(pts) >= 3:
        pygame.draw.polygon(surf, color, pts)


def blend(surf: pygame.Surface, color: tuple[int, int, int], alpha: float, pts: Sequence[Point]) -> None:
    """A translucent polygon blended onto an opaque surface."""
    if len(pts) >= 3 and alpha > 0.0:
        pygame.gfxdraw.filled_polygon(surf, pts, (*color, max(0, min(255, round(alpha * 255)))))


Extent = tuple[float, float, float, float]   # (x0, y0, x1, y1) in head units: where a pose draws
_EXTENT_MARGIN_PX = 2   # screen pixels around a pose's extent (a polygon's edge pixels, a KEEP step's slack)


class _Box:
    """One supersampled drawing box for a head-unit rectangle, reused every frame.

    With the pose's `extent` only the part of the box the pose can draw on is enlarged, shrunk back
    and kept (a closed mouth covers a fifth of the mouth box); the rest of the box would come back
    unchanged anyway, since shrinking an untouched enlargement restores the screen exactly.
    """

    def __init__(self, box: tuple[float, float, float, float], unit_px: float, ss: int) -> None:
        x0, y0, x1, y1 = box
        self.box = (x0 - _MARGIN, y0 - _MARGIN, x1 + _MARGIN, y1 + _MARGIN)
        self.unit_px = unit_px
        self.ss = ss
        self.size = (math.ceil((self.box[2] - self.box[0]) * unit_px) + 2,
                     math.ceil((self.box[3] - self.box[1]) * unit_px) + 2)
        self._big: pygame.Surface | None = None
        self._pristine: pygame.Surface | None = None
        self.surface: pygame.Surface = pygame.Surface((1, 1))
        self.rect = pygame.Rect(0, 0, 0, 0)       # the box on screen (the big surface is this, enlarged)
        self.area = pygame.Rect(0, 0, 0, 0)       # the part of `rect` this pose draws on
        self._kept: BytesLru[tuple, pygame.Surface] = BytesLru(_KEPT_BYTES, surface_bytes)
        self._key: tuple | None = None
        self._placed: tuple | None = None

    def reuse(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
              pose: tuple, extent: Extent | None = None) -> pygame.Rect | None:
        """Blit the kept box for this pose over these pixels if there is one and return where; else
        remember what to keep and return None."""
        self._key = None
        rect, whole = self._place(target, head_x, head_y, tilt_deg, extent)
        if rect is None:
            return None
        area = whole.clip(target.get_clip())
        if area.w == 0 or area.h == 0:
            return None
        under = pygame.image.tobytes(target.subsurface(area), "RGBX")
        # Where the head sits within the box, to an eighth of a pixel (the same for the same tilt).
        key = (pose, area.size, round((head_x - area.x) * 8), round((head_y - area.y) * 8), tilt_deg, hash(under))
        kept = self._kept.get(key)
        if kept is not None:
            return target.blit(kept, area.topleft)
        self._key = key
        return None

    def screen_area(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                    extent: Extent | None = None) -> pygame.Rect | None:
        """Where drawing a pose within `extent` (the whole box without one) can change `target`'s pixels,
        within its clip (None: nowhere)."""
        rect, whole = self._place(target, head_x, head_y, tilt_deg, extent)
        if rect is None:
            return None
        area = whole.clip(target.get_clip())
        return area if area.w > 0 and area.h > 0 else None

    def _place(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
               extent: Extent | None) -> tuple[pygame.Rect | None, pygame.Rect | None]:
        """`_locate`, then `_area` before any clip (None, None: off the surface). A frame asks the same
        three times (the part's area, the kept box, the drawing): the last answer is kept."""
        asked = (target.get_size(), head_x, head_y, tilt_deg, extent)
        if self._placed is not None and self._placed[0] == asked:
            return self._placed[1]
        rect = self._locate(target, head_x, head_y, tilt_deg)
        place = (None, None) if rect is None else (rect, self._area(rect, head_x, head_y, tilt_deg, extent))
        self._placed = (asked, place)
        return place

    def _locate(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float) -> pygame.Rect | None:
        """The box on screen: it follows the turned head, its own axes stay screen-aligned.

        Only the surface's edges cut it, not its clip: a pose maps to the same pixels whatever part
        of it is drawn (`begin` loads only what the clip lets through)."""
        c, s = math.cos(math.radians(tilt_deg)), math.sin(math.radians(tilt_deg))
        cx = (self.box[0] + self.box[2]) / 2
        cy = (self.box[1] + self.box[3]) / 2
        sx = head_x + (cx * c + cy * s) * self.unit_px
        sy = head_y + (-cx * s + cy * c) * self.unit_px
        full = pygame.Rect(math.floor(sx - self.size[0] / 2), math.floor(sy - self.size[1] / 2), *self.size)
        rect = full.clip(target.get_rect())
        return rect if rect.w >= 2 and rect.h >= 2 else None

    def _area(self, rect: pygame.Rect, head_x: float, head_y: float, tilt_deg: float,
              extent: Extent | None) -> pygame.Rect:
        """The part of `rect` that a pose drawing within `extent` can change (all of it without one)."""
        if extent is None:
            return rect
        c, s = math.cos(math.radians(tilt_deg)), math.sin(math.radians(tilt_deg))
        x0, y0, x1, y1 = extent
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):   # the turned extent's corners
            xs.append(head_x + (x * c + y * s) * self.unit_px)
            ys.append(head_y + (-x * s + y * c) * self.unit_px)
        m = _EXTENT_MARGIN_PX
        left, top = math.floor(min(xs)) - m, math.floor(min(ys)) - m
        area = pygame.Rect(left, top, math.ceil(max(xs)) + m - left, math.ceil(max(ys)) + m - top)
        return area.clip(rect)

    def begin(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
              extent: Extent | None = None) -> Mapping | None:
        """Load the screen under the box, enlarged; returns the head-unit mapping into it (None if off screen)."""
        rect, whole = self._place(target, head_x, head_y, tilt_deg, extent)
        if rect is None:
            return None
        ss = self.ss
        area = whole.clip(target.get_clip())
        if area.w == 0 or area.h == 0:
            return None
        big_size = (rect.w * ss, rect.h * ss)
        src = target.subsurface(area)
        if src.get_flags() & pygame.SRCALPHA:
            opaque = pygame.Surface(area.size)
            opaque.blit(src, (0, 0))
            src = opaque
        if (self._big is None or self._big.get_size() != big_size
                or self._big.get_bitsize() != src.get_bitsize() or self._big.get_masks() != src.get_masks()):
            self._big = pygame.Surface(big_size, 0, src)
            self._pristine = pygame.Surface(big_size, 0, src)
        # Only `area` is loaded: the drawing never leaves it, and only it is shrunk back.
        big_area = pygame.Rect((area.x - rect.x) * ss, (area.y - rect.y) * ss, area.w * ss, area.h * ss)
        pygame.transform.scale(src, big_area.size, self._big.subsurface(big_area))   # nearest: shrinks back exactly
        self._pristine.blit(self._big, big_area.topleft, big_area)
        self.surface = self._big
        self.rect = rect
        self.area = area
        # The mapping stays relative to the whole box, so every point lands where it always did.
        return Mapping((head_x - rect.x) * ss, (head_y - rect.y) * ss, self.unit_px * ss, tilt_deg)

    def keep_only_inside(self, inside: Sequence[Point], drawn: Sequence[Point]) -> None:
        """Undo whatever was drawn (within the bounds of `drawn`) outside the polygon `inside`."""
        xs = [p[0] for p in drawn] + [p[0] for p in inside]
        ys = [p[1] for p in drawn] + [p[1] for p in inside]
        area = pygame.Rect(int(min(xs)) - 2, int(min(ys)) - 2, int(max(xs) - min(xs)) + 5,
                           int(max(ys) - min(ys)) + 5).clip(self.surface.get_rect())
        if area.w <= 0 or area.h <= 0:
            return
        patch = self._pristine.subsurface(area).copy()
        if len(inside) >= 3:
            pygame.draw.polygon(patch, _KEY, [(x - area.x, y - area.y) for x, y in inside])
        patch.set_colorkey(_KEY)
        self.surface.blit(patch, area.topleft)

    def finish(self, target: pygame.Surface) -> pygame.Rect:
        """Shrink the drawn area back onto `target` (and keep it); returns the area drawn on."""
        ss = self.ss
        area, rect = self.area, self.rect
        big_area = pygame.Rect((area.x - rect.x) * ss, (area.y - rect.y) * ss, area.w * ss, area.h * ss)
        if ss == 3:
            done = _shrink3(self.surface.subsurface(big_area))
        else:
            done = pygame.transform.smoothscale(self.surface.subsurface(big_area), area.size)
        drawn = target.blit(done, area.topleft)
        if self._key is not None:
            self._kept.put(self._key, done)
            self._key = None
        return drawn


def _pixels(surface: pygame.Surface) -> np.ndarray:
    """A 32-bit surface's bytes as an (h, w, 4) array view (locks the surface while it lives)."""
    w, h = surface.get_size()
    rows = np.frombuffer(surface.get_buffer(), np.uint8).reshape(h, surface.get_pitch())
    return rows[:, :w * 4].reshape(h, w, 4)


def _shrink3(big: pygame.Surface) -> pygame.Surface:
    """`big` shrunk by 3 on each side, each pixel the rounded mean of its 3x3 block: exact, so a block
    of one colour gives that colour back (pygame's smoothscale is exact for 2 and 4, not for 3)."""
    w, h = big.get_width() // 3, big.get_height() // 3
    if big.get_bytesize() != 4:
        wide = pygame.Surface(big.get_size(), 0, 32)
        wide.blit(big, (0, 0))
        big = wide
    src = _pixels(big)
    rows = src[0::3].astype(np.uint16)
    rows += src[1::3]
    rows += src[2::3]
    del src
    block = rows[:, 0::3] + rows[:, 1::3]
    block += rows[:, 2::3]
    block += 4
    block //= 9
    out = pygame.Surface((w, h), 0, big)
    _pixels(out)[...] = block
    return out


def supersampling(unit_px: float) -> int:
    """Samples per pixel side for the moving parts: about the same fineness on the face at every size
    (2 x 432 px at 1080p, 3 x 288 at 720p, 4 below), so a bigger face is not drawn finer than it shows."""
    return 4 if unit_px < 240 else 3 if unit_px < 360 else 2


FILL, BLEND, KEEP = 0, 1, 2
# One drawing step in head units: (kind, colour, alpha, points, bounds); KEEP undoes anything drawn
# within `bounds` outside `points` (clipping to the eye or mouth opening).
Op = tuple[int, tuple[int, int, int] | None, float, tuple[Point, ...], tuple[Point, ...] | None]
_CACHE_SIZE = 1024     # poses kept per part: a long speech shows about 800 mouth poses


# Points are stored as tuples: cached poses then hold no lists, so the garbage collector can
# stop scanning them (long collector pauses would show up as dropped frames).
def _fill(color: tuple[int, int, int], pts: Sequence[Point]) -> Op:
    return (FILL, color, 1.0, tuple(pts), None)


def _blend(color: tuple[int, int, int], alpha: float, pts: Sequence[Point]) -> Op:
    return (BLEND, color, alpha, tuple(pts), None)


def _keep(inside: Sequence[Point], x0: float, y0: float, x1: float, y1: float) -> Op:
    # All four corners: the box is turned with the head, so two would not bound it.
    return (KEEP, None, 1.0, tuple(inside), ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))


@dataclass(frozen=True)
class _Steps:
    """Drawing steps with all their points in one array, mapped to pixels in one go per frame.

    An array holds a pose's points in a fifth of the memory tuples of floats take (caches hold hundreds)."""

    paint: tuple[tuple[int, tuple[int, int, int] | None, float], ...]   # per step: kind, colour, alpha
    points: np.ndarray                        # (2, n) head units, xs then ys: each step's points, then its bounds
    spans: tuple[tuple[int, int, int], ...]   # per step: columns of its points, of its bounds, end

    @property
    def extent(self) -> Extent:
        """Where the steps can draw, in head units: the bounds of all their points."""
        lo, hi = self.points.min(axis=1), self.points.max(axis=1)
        return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


def _steps(ops: Sequence[Op]) -> _Steps:
    flat: list[Point] = []
    spans = []
    for op in ops:
        start = len(flat)
        flat.extend(op[3])
        mid = len(flat)
        flat.extend(op[4] or ())
        spans.append((start, mid, len(flat)))
    return _Steps(tuple((kind, color, alpha) for kind, color, alpha, _, _ in ops),
                  np.ascontiguousarray(np.array(flat, dtype=np.float64).reshape(-1, 2).T), tuple(spans))


def _run(box: _Box, m: Mapping, steps: _Steps) -> None:
    surf = box.surface
    px_all = m.pts_xy(steps.points)
    for (kind, color, alpha), (a, b, end) in zip(steps.paint, steps.spans):
        px = px_all[a:b]
        if kind == FILL:
            fill(surf, color, px)  # type: ignore[arg-type]
        elif kind == BLEND:
            blend(surf, color, alpha, px)  # type: ignore[arg-type]
        else:
            box.keep_only_inside(px, px_all[b:end])


def _draw(box: _Box, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float, pose: tuple,
          steps: _Steps, extent: Extent) -> pygame.Rect | None:
    """One pose's steps drawn in `box` over `target` (or the box kept from the last time the same pose
    lay over the same pixels); returns the area drawn on (None if off screen)."""
    kept = box.reuse(target, head_x, head_y, tilt_deg, pose, extent)
    if kept is not None:
        return kept
    m = box.begin(target, head_x, head_y, tilt_deg, extent)
    if m is None:
        return None
    _run(box, m, steps)
    return box.finish(target)


def _q(x: float, steps: int) -> int:
    return round(min(1.0, max(0.0, x)) * steps)


class Features:
    """Draws eyes, brows and mouth for one look at one head size.

    The shapes for a given lid, brow and mouth pose are computed once and kept (poses repeat
    constantly: open eyes, rest mouth); each frame only maps them to pixels and draws.
    """

    def __init__(self, look: Look, unit_px: float, store: PoseStore | None = None) -> None:
        """`store`: where poses built in earlier runs are kept (shared by the sizes of one look)."""
        self.look = look
        self.unit_px = unit_px
        self.store = store if store is not None else store_for(look)
        ss = supersampling(unit_px)
        # Eyes and brows share a box's frame but draw apart, each over its own extent: a blink or a
        # glance redraws the eyes alone, a raised brow the brows alone.
        self.eyes = _Box(EYES_BOX, unit_px, ss)
        self.brows = _Box(EYES_BOX, unit_px, ss)
        self.mouth = _Box(MOUTH_BOX, unit_px, ss)
        skin = look.skin
        self.sclera = mix((244, 240, 234), skin, 0.12)
        self.lash = mix(shade(look.hair, 0.6), (20, 16, 16), 0.5)
        self.brow = mix(shade(look.hair, 0.9), skin, 0.1)
        self.skin_dark = shade(skin, 0.72)
        self.cavity = (58, 22, 26)
        self.teeth = (238, 234, 222)
        self.tongue = mix((150, 66, 72), look.lip, 0.2)
        self._eye_ops: Lru[tuple, tuple[tuple[tuple[_Steps, _Steps], ...], Extent]] = Lru(_CACHE_SIZE)
        self._brow_ops: Lru[tuple, tuple[_Steps, Extent]] = Lru(_CACHE_SIZE)
        self._mouth_ops: Lru[tuple, tuple[_Steps, Extent]] = Lru(_CACHE_SIZE)
        self._iris_ops: Lru[tuple, _Steps] = Lru(_CACHE_SIZE)    # by eye, gaze and surprise

    # Where the parts draw, and what decides their pixels there ------------------------------

    def eyes_part(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                  state: FaceState) -> tuple[pygame.Rect, tuple] | None:
        """The area `draw_eyes` with these arguments draws on, and a key: equal keys for the same
        area draw equal pixels over equal pixels (None: draws nothing)."""
        pose = self._eyes_pose(state)
        area = self.eyes.screen_area(target, head_x, head_y, tilt_deg, self._eye_steps(pose[0])[1])
        return None if area is None else (area, ("eyes", head_x, head_y, tilt_deg, pose))

    def brows_part(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                   state: FaceState) -> tuple[pygame.Rect, tuple] | None:
        """The same for `draw_brows`."""
        key = self._brows_pose(state)
        area = self.brows.screen_area(target, head_x, head_y, tilt_deg, self._brow_steps(key)[1])
        return None if area is None else (area, ("brows", head_x, head_y, tilt_deg, key))

    def mouth_part(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                   state: FaceState) -> tuple[pygame.Rect, tuple] | None:
        """The same for `draw_mouth`."""
        key, _, extent = self._mouth_pose(state)
        area = self.mouth.screen_area(target, head_x, head_y, tilt_deg, extent)
        return None if area is None else (area, ("mouth", head_x, head_y, tilt_deg, key))

    # Eyes and brows -----------------------------------------------------------------------

    def _eyes_pose(self, state: FaceState) -> tuple[tuple, float, float]:
        """The lids' pose key and the gaze, each as finely as they are drawn."""
        key = (_q(state.blink, 50), _q(_expr(state, "surprised"), 20), _q(_expr(state, "smile"), 20))
        gx = round(max(-1.0, min(1.0, state.gaze_x)) * GAZE_STEPS) / GAZE_STEPS
        gy = round(max(-1.0, min(1.0, state.gaze_y)) * GAZE_STEPS) / GAZE_STEPS
        return key, gx, gy

    def _brows_pose(self, state: FaceState) -> tuple:
        """The brows' pose key, as finely as they are drawn."""
        return (_q(state.brow_raise, 40), _q(_expr(state, "surprised"), 20), _q(_expr(state, "smile"), 20),
                _q(_expr(state, "serious"), 20))

    def _eye_steps(self, key: tuple) -> tuple[tuple[tuple[_Steps, _Steps], ...], Extent]:
        """Both eyes' steps before and after the iris for a lid pose, and where they draw (built once)."""
        cached = self._eye_ops.get(key)
        if cached is None:
            b0, a0, b1, a1 = self._poses("eyes", key, lambda: [
                _steps(ops) for pair in self._build_eyes(key[0] / 50, key[1] / 20, key[2] / 20) for ops in pair])
            eyes = ((b0, a0), (b1, a1))
            # The irises are drawn inside the lids' clip, whose bounds are among the points.
            extents = [steps.extent for pair in eyes for steps in pair]
            extent = (min(e[0] for e in extents), min(e[1] for e in extents),
                      max(e[2] for e in extents), max(e[3] for e in extents))
            cached = self._eye_ops.put(key, (eyes, extent))
        return cached

    def _brow_steps(self, key: tuple) -> tuple[_Steps, Extent]:
        """Both brows' steps for a brow pose, and where they draw (built once)."""
        cached = self._brow_ops.get(key)
        if cached is None:
            raise_, surprise, smile, serious = key[0] / 40, key[1] / 20, key[2] / 20, key[3] / 20
            (steps,) = self._poses("brows", key, lambda: [
                _steps([op for s in (-1, 1) for op in self._brow(s, raise_, surprise, smile, serious)])])
            cached = self._brow_ops.put(key, (steps, steps.extent))
        return cached

    def draw_brows(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                   state: FaceState) -> pygame.Rect | None:
        """Draw both brows (after the eyes); returns the area drawn on (None if off screen)."""
        key = self._brows_pose(state)
        steps, extent = self._brow_steps(key)
        return _draw(self.brows, target, head_x, head_y, tilt_deg, key, steps, extent)

    def draw_eyes(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                  state: FaceState) -> pygame.Rect | None:
        """Draw both eyes (lids, whites, irises, lashes; not the brows); returns the area drawn on
        (None if off screen)."""
        box = self.eyes
        key, gx, gy = self._eyes_pose(state)
        eyes, extent = self._eye_steps(key)
        kept = box.reuse(target, head_x, head_y, tilt_deg, (key, gx, gy), extent)
        if kept is not None:
            return kept
        m = box.begin(target, head_x, head_y, tilt_deg, extent)
        if m is None:
            return None
        for s, (before, after) in zip((-1, 1), eyes):
            _run(box, m, before)
            iris_key = (s, gx, gy, key[1])
            iris = self._iris_ops.get(iris_key)
            if iris is None:
                (steps,) = self._poses("iris", iris_key, lambda: [_steps(self._iris(
                    s * EYE_CENTER_X + gx * 0.03, 0.003 + gy * 0.012, IRIS_R * (1.0 + 0.04 * (key[1] / 20))))])
                iris = self._iris_ops.put(iris_key, steps)
            _run(box, m, iris)
            _run(box, m, after)
        return box.finish(target)

    def _poses(self, part: str, key: tuple, build: Callable[[], list[_Steps]]) -> tuple[_Steps, ...]:
        """The step lists of `part`'s pose `key`: read back from the store (an earlier run built them),
        else built now and given to the store."""
        kept = self.store.get(part, key)
        if kept is not None:
            return tuple(_Steps(paint, points, spans) for paint, points, spans in kept)
        built = tuple(build())
        self.store.add(part, key, [(steps.paint, steps.points, steps.spans) for steps in built])
        return built

    def _iris(self, ix: float, iy: float, r: float) -> list[Op]:
        iris = self.look.iris
        return [
            _fill(shade(iris, 0.45), ellipse(ix, iy, r, r, 28)),
            _fill(iris, ellipse(ix, iy, r * 0.84, r * 0.84, 28)),
            _blend(mix(iris, (230, 200, 160), 0.35), 0.5,
                   ellipse(ix + r * 0.1, iy + r * 0.35, r * 0.55, r * 0.4, 20)),
            _fill((14, 11, 11), ellipse(ix, iy, r * 0.4, r * 0.4, 20)),
            _fill((250, 250, 250), ellipse(ix - r * 0.32, iy - r * 0.34, r * 0.16, r * 0.16, 12)),
        ]

    def _build_eyes(self, blink: float, surprise: float,
                    smile: float) -> tuple[tuple[tuple[Op, ...], tuple[Op, ...]], ...]:
        """For each eye (viewer's left first): the steps before the iris and after it."""
        out = []
        for s in (-1, 1):
            upper, lower = self._lids(s, blink, surprise, smile)
            aperture = upper + lower[::-1]
            before: list[Op] = [_fill(self.sclera, aperture)]
            # The whites darken towards the corners.
            for corner in (upper[0], upper[-1]):
                before.append(_blend(shade(self.sclera, 0.75), 0.45,
                                     ellipse(corner[0], corner[1] + 0.004, 0.022, 0.016)))
            # Shadow of the upper lid and lashes on the eyeball, then clip all of it to the opening.
            after: list[Op] = [_blend((60, 40, 36), 0.35, upper + [(x, y + 0.012) for x, y in upper[::-1]])]
            after.append(_keep(aperture, min(s * 0.04, s * 0.25), -0.08, max(s * 0.04, s * 0.25), 0.06))
            n = len(upper)
            # Lash line, heaviest over the middle of the eye.
            lash = upper + [(upper[-1][0] + s * 0.004, upper[-1][1] - 0.001)]
            widths = [0.0025 + 0.0032 * math.sin(math.pi * min(1.0, 0.15 + 0.75 * i / (n - 1)))
                      for i in range(n)] + [0.0012]
            after.append(_fill(self.lash, stroke(lash, widths)))
            lower_line = lower[n // 5:]
            lower_widths = taper(len(lower_line), 0.002, 0.004, 0.001)
            after.append(_blend(self.skin_dark, 0.55, stroke(lower_line, lower_widths)))
            inner = upper[0]
            after.append(_blend(mix(self.look.skin, (200, 90, 90), 0.45), 0.7,
                                ellipse(inner[0] + s * 0.006, inner[1] + 0.003, 0.006, 0.004, 16)))
            out.append((tuple(before), tuple(after)))
        return tuple(out)

    def _lids(self, s: int, blink: float, surprise: float, smile: float) -> tuple[list[Point], list[Point]]:
        """Upper and lower lid edges of one eye, inner corner to outer corner."""
        inner = (s * 0.074, 0.006)
        outer = (s * 0.216, -0.004)
        lift = 0.011 * surprise - 0.004 * smile
        up1 = (s * 0.098, -0.032 - lift)
        up2 = (s * 0.18, -0.04 - lift)
        squint = 0.008 * smile
        lo1 = (s * 0.105, 0.026 - squint + 0.003 * surprise)
        lo2 = (s * 0.182, 0.023 - squint + 0.003 * surprise)
        # Closed, the upper lid meets the lower in a curve that sags a little.
        cl1 = (s * 0.105, 0.019 - squint)
        cl2 = (s * 0.182, 0.016 - squint)
        upper = bezier(inner, _lerp(up1, cl1, blink), _lerp(up2, cl2, blink), outer, 14)
        lower = bezier(inner, lo1, lo2, outer, 14)
        return upper, lower

    def _brow(self, s: int, raise_: float, surprise: float, smile: float, serious: float) -> list[Op]:
        lift = 0.022 * raise_ + 0.004 * smile - 0.007 * serious
        inner_lift = lift + 0.008 * surprise - 0.008 * serious
        p0 = (s * 0.05, -0.07 - inner_lift)
        p1 = (s * 0.12, -0.094 - inner_lift * 0.8 - lift * 0.2)
        p2 = (s * 0.2, -0.108 - lift + 0.006 * serious)
        p3 = (s * 0.252, -0.08 - lift * 0.7)
        path = bezier(p0, p1, p2, p3, 20)
        n = len(path)
        # Full at the head, which starts soft and rounded, thinning to a fine tail.
        widths = []
        for i in range(n):
            t = i / (n - 1)
            head = min(1.0, 0.6 + t / 0.18 * 0.4)
            widths.append(0.029 * head * (1.0 - 0.65 * t ** 1.4))
        # Two soft halos then the body: reads as hair at the edges rather than a painted bar.
        ops = [_blend(self.brow, 0.28, stroke(path, [w + 0.006 for w in widths], round_start=True)),
               _blend(self.brow, 0.5, stroke(path, [w + 0.0025 for w in widths], round_start=True)),
               _blend(self.brow, 0.88, stroke(path, widths, round_start=True))]
        return ops

    # Mouth ---------------------------------------------------------------------------------

    def draw_mouth(self, target: pygame.Surface, head_x: float, head_y: float, tilt_deg: float,
                   state: FaceState) -> pygame.Rect | None:
        """Draw the mouth; returns the area drawn on (None if off screen)."""
        key, steps, extent = self._mouth_pose(state)
        return _draw(self.mouth, target, head_x, head_y, tilt_deg, key, steps, extent)

    def _mouth_pose(self, state: FaceState) -> tuple[tuple, _Steps, Extent]:
        """The mouth's pose key, its drawing steps and where they draw (built once per pose)."""
        key = (state.mouth_shape, _q(state.mouth_open, 50), _q(_expr(state, "smile"), 20),
               _q(_expr(state, "serious"), 20))
        cached = self._mouth_ops.get(key)
        if cached is None:
            (steps,) = self._poses("mouth", key, lambda: [
                _steps(self._build_mouth(state.mouth_shape, key[1] / 50, key[2] / 20, key[3] / 20))])
            cached = self._mouth_ops.put(key, (steps, steps.extent))
        return (key, *cached)

    def _build_mouth(self, shape, mouth_open: float, smile: float, serious: float) -> list[Op]:
        g = mouth_geometry(shape, mouth_open, smile, serious)
        spec = g.spec
        lip = self.look.lip
        skin = self.look.skin
        ops: list[Op] = []
        # Folds from the nose wings to the mouth corners deepen with a smile.
        fold = 0.25 * smile + 0.08 * serious
        if fold > 0.01:
            for s in (-1, 1):
                path = bezier((s * 0.062, 0.19), (s * 0.1, 0.215), (s * 0.118, 0.26),
                              (s * (g.half_width + 0.022), g.corner_y + 0.02), 12)
                ops.append(_blend(self.skin_dark, fold, stroke(path, taper(len(path), 0.002, 0.007, 0.002))))
        # Shadow under the lower lip, graded in three steps.
        for depth, alpha in ((0.018, 0.08), (0.011, 0.1), (0.005, 0.12)):
            band = g.outer_lower[2:-2] + [(x * 0.92, y + depth) for x, y in g.outer_lower[-3:1:-1]]
            ops.append(_blend(self.skin_dark, alpha, band))
        if g.open:
            opening = g.opening()
            first = len(ops)
            ops.append(_fill(self.cavity, opening))
            up_y = g.inner_upper[len(g.inner_upper) // 2][1]
            lo_y = g.inner_lower[len(g.inner_lower) // 2][1]
            hw = g.half_width
            if spec.tongue == "low":
                ops.append(_fill(self.tongue, ellipse(0.0, lo_y + 0.012, hw * 0.6, 0.028)))
                ops.append(_blend(mix(self.tongue, (255, 255, 255), 0.2), 0.5,
                                  ellipse(-0.01, lo_y - 0.008, hw * 0.3, 0.007)))
            elif spec.tongue == "up":
                ops.append(_fill(self.tongue, ellipse(0.0, up_y + 0.018, hw * 0.5, 0.022)))
                ops.append(_fill(self.tongue, ellipse(0.0, lo_y + 0.01, hw * 0.65, 0.025)))
            if spec.lower_teeth > 0:
                top = lo_y - spec.lower_teeth
                ops.append(_fill(shade(self.teeth, 0.9),
                                 bezier((-hw * 0.7, lo_y), (-hw * 0.3, top), (hw * 0.3, top), (hw * 0.7, lo_y), 12)))
            if spec.upper_teeth > 0:
                ops += self._upper_teeth(up_y, min(spec.upper_teeth, 0.7 * (lo_y - up_y) + 0.004), hw)
            # The far corners of the mouth are in shadow.
            for s in (-1, 1):
                ops.append(_blend((24, 8, 10), 0.45, ellipse(s * hw * 0.92, g.corner_y, hw * 0.25, 0.05)))
            xs = [x for op in ops[first:] for x, _ in op[3]]
            ys = [y for op in ops[first:] for _, y in op[3]]
            ops.append(_keep(opening, min(xs), min(ys), max(xs), max(ys)))
        upper_col = shade(lip, 0.8)
        ops.append(_fill(upper_col, g.upper_lip()))
        ops.append(_fill(lip, g.lower_lip()))
        if not g.open:
            line = g.inner_upper
            dark = shade(lip, 0.45 if spec.upper_lip > 0.02 else 0.38)
            ops.append(_blend(dark, 0.9, stroke(line, taper(len(line), 0.002, 0.0045, 0.002))))
        else:
            edge = stroke(g.inner_upper, taper(len(g.inner_upper), 0.001, 0.003, 0.001))
            ops.append(_blend(shade(lip, 0.5), 0.6, edge))
        # The lower lip catches the light; the upper lip's border is slightly defined.
        mid = len(g.inner_lower) // 2
        ly = (g.inner_lower[mid][1] + g.outer_lower[mid][1]) / 2 - 0.003
        ops.append(_blend(mix(lip, (255, 236, 230), 0.3), 0.3,
                          ellipse(-0.012, ly, g.half_width * 0.45, spec.lower_lip * 0.2)))
        ops.append(_blend(shade(skin, 1.06), 0.35, stroke(g.outer_upper[3:-3], 0.003)))
        for s in (-1, 1):
            ops.append(_blend(shade(lip, 0.5), 0.3,
                              ellipse(s * (g.half_width - 0.001), g.corner_y, 0.006, 0.003, 16)))
        if spec.teeth_on_lip:
            up_y = g.inner_upper[len(g.inner_upper) // 2][1]
            ops += self._upper_teeth(up_y, spec.upper_teeth, g.half_width * 0.85)
            ops.append(_fill(upper_col, g.upper_lip()))
        return ops

    def _upper_teeth(self, top_y: float, height: float, hw: float) -> list[Op]:
        """Upper front teeth hanging from `top_y`, the edge curving up towards the canines."""
        w = min(hw * 0.78, 0.075)
        bottom = top_y + height
        edge = bezier((w, bottom - 0.012), (w * 0.5, bottom + 0.001), (-w * 0.5, bottom + 0.001),
                      (-w, bottom - 0.012), 14)
        shape = [(-w, top_y - 0.01), (w, top_y - 0.01)] + edge
        ops = [_fill(self.teeth, shape)]
        # Gaps between incisors and the darker side teeth.
        for x in (-0.017, 0.0, 0.017):
            ops.append(_blend((150, 140, 130), 0.5, stroke([(x, top_y), (x, bottom - 0.002)], 0.0018)))
        for s in (-1, 1):
            ops.append(_blend((120, 110, 100), 0.45, [(s * 0.034, top_y - 0.01), (s * w, top_y - 0.01),
                                                      (s * w, bottom - 0.012), (s * 0.034, bottom - 0.004)]))
        return ops
