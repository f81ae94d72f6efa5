"""The portrait's head for one frame, in buffers reused frame to frame: feature patches pasted where they
changed, the head moved by one affine warp and faded back into the still photo by a tiled mask."""

from __future__ import annotations

import math
from contextlib import contextmanager
from itertools import pairwise
from typing import Iterator

import numpy as np

Box = tuple[int, int, int, int]          # x0, y0, x1, y1 in head-box pixels
TILE_PX = 48
BAND_PX = 16
SURE = 0.0015    # a blend weight this near 0 or 1 gives exactly one side (0.0015 * 255 is well under half a level)


class HeadCompositor:
    """`paste(patches)` then `move(matrix)` give the head box's moving part (`moving`) for one frame.

    `pose` is the head box with the features pasted: the patches cover the same boxes in the same order
    every frame, so a patch is pasted again only when it changed (or one pasted before it overlaps it).
    `out` is `moving` of `pose` with the head moved; what the mask leaves still is copied into it only
    when the pose changed there. Moved by the same matrix as last time, `out` is composed again only
    around the boxes that changed since (a new mouth under a head that held still).

    The head is warped only where the mask moves it: per row of tiles, over the columns from its first
    to its last tile that is not still (a head is round: the motion area's corners stay)."""

    def __init__(self, head_base: np.ndarray, mask: np.ndarray, motion: tuple[slice, slice],
                 moving: tuple[slice, slice], boxes: list[Box], *, tile_px: int = TILE_PX,
                 band_px: int = BAND_PX) -> None:
        if tile_px % band_px:
            raise ValueError(f"bands of {band_px} rows must not cross tiles of {tile_px}")
        self.pose = head_base.copy()
        self.motion, self.moving = motion, moving
        self.boxes = boxes
        self._pasted: list[np.ndarray | None] = [None] * len(boxes)
        self.tiles, still_tiles = _tiles(mask, tile_px, band_px)
        # Each pixel's weight as the tiles and bands use it: 1 where the moved head is copied, 0 where
        # the photo stays, the mask where they blend (a blend with these weights gives the same pixels).
        self._weights = np.zeros(mask.shape, np.float32)
        for t in self.tiles:
            self._weights[t[0], t[1]] = 1.0 if len(t) == 2 else t[2]
        self._inverse = 1.0 - self._weights
        warps = _warp_rects(self.tiles, tile_px)
        # Still runs: inside a warped rect they are warped over and put back every frame; the others
        # (and the strips of `moving` around `motion`) only when the pose changed.
        inside, outside = _split_still(still_tiles, warps)
        rows, cols = moving
        dy, dx = motion[0].start - rows.start, motion[1].start - cols.start
        shift = lambda r0, r1, c0, c1: (r0 + dy, r1 + dy, c0 + dx, c1 + dx)     # noqa: E731 (motion -> moving)
        self._still = [shift(*f) for f in outside]
        self._still += _frame((0, rows.stop - rows.start, 0, cols.stop - cols.start),
                              (dy, dy + motion[0].stop - motion[0].start, dx, dx + motion[1].stop - motion[1].start))
        self._warps = [shift(*w) for w in warps]
        self.out = self.pose[moving].copy()      # its own buffer, even when `moving` is the whole box
        self._part = self.pose[motion]
        self._offset = (dx, dy)                  # where the motion area starts in `moving`
        # Every frame works on the same buffers: their views are cut once.
        out, pose = self.out, self.pose[moving]
        cut = lambda a, r0, r1, c0, c1: a[r0:r1, c0:c1]     # noqa: E731
        self._warp_views = [cut(out, *w) for w in self._warps]
        self._fill_views = [(cut(out, *f), cut(pose, *f)) for f in (shift(*f) for f in inside)]
        self._blend_views = [(cut(out, *b), self._part[t[0], t[1]], t[2], t[3])
                             for t in self.tiles if len(t) == 4
                             for b in [shift(t[0].start, t[0].stop, t[1].start, t[1].stop)]]
        self._still_views = [(cut(out, *f), cut(pose, *f)) for f in self._still]
        self._moved_by: np.ndarray | None = None     # the matrix `out` shows the head moved by
        self._dirty: list[Box] | None = None         # boxes of `pose` changed since (None: any of it)

    def paste(self, patches: list[np.ndarray]) -> np.ndarray:
        """`pose` with `patches` (one per box, in the boxes' order) pasted in."""
        self.pose_changed(paste_changed(self.pose, patches, self.boxes, self._pasted))
        return self.pose

    def pose_changed(self, boxes: list[Box] | None = None) -> None:
        """Say that `pose` was written to outside `paste`, in `boxes` (x0, y0, x1, y1 in its pixels) or
        anywhere (None): the next `move` composes those parts again."""
        if boxes is None or self._dirty is None:
            self._dirty = None
        else:
            self._dirty += boxes

    def move(self, matrix: np.ndarray) -> np.ndarray:
        """`out`: the head moved by the 2x3 `matrix` (about the motion area's origin) over the still photo."""
        if self._dirty is not None and self._moved_by is not None and np.array_equal(matrix, self._moved_by):
            for box in self._dirty:              # the same move: only what changed under it
                self._recompose(box, matrix)
        else:
            self._compose(matrix, still=self._dirty is None or bool(self._dirty))
            self._moved_by = matrix.copy()
        self._dirty = []
        return self.out

    def _compose(self, matrix: np.ndarray, still: bool) -> None:
        import cv2

        if still:
            for dst, src in self._still_views:
                np.copyto(dst, src)
        # The head moves a few pixels; the mask fades the move out over the hair's edge and the neck.
        # (A warp plus a blend costs less than a remap with per-pixel maps at this size.)
        dx, dy = self._offset
        with _one_thread():
            for (r0, _, c0, _), dst in zip(self._warps, self._warp_views):
                self._warp_into(dst, matrix, r0 - dy, c0 - dx)
        for dst, src in self._fill_views:       # still runs the warped rects covered
            np.copyto(dst, src)
        for dst, src, w, inv in self._blend_views:     # blend only where it fades
            cv2.blendLinear(dst, src, w, inv, dst=dst)

    def _recompose(self, box: Box, matrix: np.ndarray) -> None:
        """`out` again where `box` of `pose` shows, moved by `matrix` or not: the box and where the
        matrix takes it, a pixel round both for the interpolation."""
        import cv2

        rows, cols = self.moving
        mr, mc = self.motion
        x0, y0, x1, y1 = box
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64)
        corners[:, :2] -= (mc.start, mr.start)
        moved = corners @ matrix.T + (mc.start, mr.start)
        r0 = max(rows.start, min(y0, math.floor(moved[:, 1].min())) - 2)
        r1 = min(rows.stop, max(y1, math.ceil(moved[:, 1].max())) + 2)
        c0 = max(cols.start, min(x0, math.floor(moved[:, 0].min())) - 2)
        c1 = min(cols.stop, max(x1, math.ceil(moved[:, 0].max())) + 2)
        if r1 <= r0 or c1 <= c0:
            return
        self.out[r0 - rows.start:r1 - rows.start, c0 - cols.start:c1 - cols.start] = self.pose[r0:r1, c0:c1]
        r0, r1 = max(r0, mr.start), min(r1, mr.stop)           # where the head moves, in motion pixels
        c0, c1 = max(c0, mc.start), min(c1, mc.stop)
        if r1 <= r0 or c1 <= c0:
            return
        dst = self.out[r0 - rows.start:r1 - rows.start, c0 - cols.start:c1 - cols.start]
        r0, r1, c0, c1 = r0 - mr.start, r1 - mr.start, c0 - mc.start, c1 - mc.start
        with _one_thread():
            self._warp_into(dst, matrix, r0, c0)
        cv2.blendLinear(dst, self._part[r0:r1, c0:c1], self._weights[r0:r1, c0:c1], self._inverse[r0:r1, c0:c1],
                        dst=dst)

    def _warp_into(self, dst: np.ndarray, matrix: np.ndarray, row: int, col: int) -> None:
        """The head moved by `matrix` over the rect of the motion area that starts at (`col`, `row`) and
        is `dst`'s size, written into `dst`: the same bytes as that rect of a warp of the whole area."""
        import cv2

        shifted = matrix.copy()
        shifted[0, 2] -= col            # the rect's corner is the warp's own origin
        shifted[1, 2] -= row
        cv2.warpAffine(self._part, shifted, (dst.shape[1], dst.shape[0]), dst=dst, flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)


@contextmanager
def _one_thread() -> Iterator[None]:
    """OpenCV on one thread: split over two, a warp this small spends more CPU waking and waiting for
    the other thread than it saves, and a recording's encoder wants that core (same pixels either way)."""
    import cv2

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def paste_changed(pose: np.ndarray, patches: list[np.ndarray], boxes: list[Box],
                  pasted: list[np.ndarray | None]) -> list[Box]:
    """Paste each patch into its box of `pose` unless `pasted` shows it there already (and no box pasted
    before it overlaps it); update `pasted` and return the boxes pasted."""
    fresh: list[Box] = []
    for i, (patch, box) in enumerate(zip(patches, boxes)):
        if patch is pasted[i] and not any(overlap(box, b) for b in fresh):
            continue
        x0, y0, x1, y1 = box
        pose[y0:y1, x0:x1] = patch
        pasted[i] = patch
        fresh.append(box)
    return fresh


def _tiles(mask: np.ndarray, step: int = TILE_PX, band: int = BAND_PX) -> tuple[list, list]:
    """What to do where: copy the moved head where the mask is 1, blend where it fades (the ellipse's
    rim), leave the still photo where it is 0; as (rows, cols) runs, the still ones apart.

    The mask is judged per `step` tile (a tile near 1 throughout is copied, near 0 left); inside a tile
    that blends, bands of `band` rows are cut into runs of columns, and a run whose weights are all
    within SURE of 0 or 1 is left or copied instead, as a blend would give exactly those pixels."""
    h, w = mask.shape
    kind = np.empty((h, w), np.uint8)               # per pixel: 0 still, 1 copy, 2 blend
    for y in range(0, h, step):
        for x in range(0, w, step):
            m = mask[y:y + step, x:x + step]
            kind[y:y + step, x:x + step] = 0 if float(m.max()) < 0.002 else 1 if float(m.min()) > 0.998 else 2
    tiles: list = []
    still: list = []
    for y in range(0, h, band):                     # a band lies within one row of tiles
        rows = slice(y, min(h, y + band))
        k, m = kind[rows], mask[rows]
        sure = np.where((m <= SURE).all(axis=0), 0, np.where((m >= 1 - SURE).all(axis=0), 1, 2))
        col = np.where(k[0] != 2, k[0], sure)
        cuts = [0, *(np.flatnonzero(np.diff(col)) + 1).tolist(), w]
        for a, b in pairwise(cuts):
            cols = slice(a, b)
            if col[a] == 0:
                still.append((rows, cols))
            elif col[a] == 1:
                tiles.append((rows, cols))
            else:
                part = np.ascontiguousarray(m[:, cols])
                tiles.append((rows, cols, part, np.ascontiguousarray(1.0 - part)))
    return tiles, still


def _warp_rects(tiles: list, step: int) -> list[tuple[int, int, int, int]]:
    """(row0, row1, col0, col1) per row of `step`-pixel tiles: the rows and columns its copied and
    blended runs span (the warp has to reach them all)."""
    spans: dict[int, list[int]] = {}
    for t in tiles:
        rows, cols = t[0], t[1]
        span = spans.setdefault(rows.start // step, [rows.start, rows.stop, cols.start, cols.stop])
        span[0], span[1] = min(span[0], rows.start), max(span[1], rows.stop)
        span[2], span[3] = min(span[2], cols.start), max(span[3], cols.stop)
    return [tuple(spans[k]) for k in sorted(spans)]


def _split_still(still: list, rects: list[tuple[int, int, int, int]]) -> tuple[list, list]:
    """The still runs (rows, cols) cut into their parts inside `rects` and outside, as
    (row0, row1, col0, col1). A run lies within one band, so within one rect's rows or none's."""
    inside, outside = [], []
    for rows, cols in still:
        r0, r1, c0, c1 = rows.start, rows.stop, cols.start, cols.stop
        rect = next((r for r in rects if r[0] <= r0 and r1 <= r[1]), None)
        if rect is None:
            outside.append((r0, r1, c0, c1))
            continue
        a, b = max(c0, rect[2]), min(c1, rect[3])
        if a < b:
            inside.append((r0, r1, a, b))
        outside += [(r0, r1, x0, x1) for x0, x1 in ((c0, min(c1, rect[2])), (max(c0, rect[3]), c1)) if x0 < x1]
    return inside, outside


def _frame(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The (up to four) strips of `outer` around `inner`, both (row0, row1, col0, col1) with inner inside."""
    r0, r1, c0, c1 = outer
    i0, i1, j0, j1 = inner
    strips = [(r0, i0, c0, c1), (i1, r1, c0, c1), (i0, i1, c0, j0), (i0, i1, j1, c1)]
    return [s for s in strips if s[1] > s[0] and s[3] > s[2]]


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
