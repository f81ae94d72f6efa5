"""The portrait's head for one frame, in buffers reused frame to frame: feature patches pasted where they
changed, the head moved by one affine warp and faded back into the still photo by a tiled mask."""

from __future__ import annotations

from itertools import pairwise

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
    when the pose changed there."""

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
        rows, cols = moving
        dy, dx = motion[0].start - rows.start, motion[1].start - cols.start
        self._still = [(r.start + dy, r.stop + dy, c.start + dx, c.stop + dx) for r, c in still_tiles]
        self._still += _frame((0, rows.stop - rows.start, 0, cols.stop - cols.start),
                              (dy, dy + motion[0].stop - motion[0].start, dx, dx + motion[1].stop - motion[1].start))
        self.out = self.pose[moving].copy()      # its own buffer, even when `moving` is the whole box
        self._out_from: tuple | None = tuple(self._pasted)   # None: `pose` changed outside `paste`
        self.moved = np.empty_like(self.pose[motion])
        # Every frame works on the same buffers: their views are cut once.
        pose, out, moved = self.pose, self.out, self.moved
        self._part = pose[motion]
        mr, mc = motion
        target = out[mr.start - rows.start:mr.stop - rows.start, mc.start - cols.start:mc.stop - cols.start]
        self._still_views = [(out[r0:r1, c0:c1], pose[rows.start + r0:rows.start + r1, cols.start + c0:cols.start + c1])
                             for r0, r1, c0, c1 in self._still]
        self._copy_views = [(target[t], moved[t]) for t in self.tiles if len(t) == 2]
        self._blend_views = [(moved[t_rows, t_cols], self._part[t_rows, t_cols], w, inv, target[t_rows, t_cols])
                             for t_rows, t_cols, w, inv in (t for t in self.tiles if len(t) == 4)]

    def paste(self, patches: list[np.ndarray]) -> np.ndarray:
        """`pose` with `patches` (one per box, in the boxes' order) pasted in."""
        paste_changed(self.pose, patches, self.boxes, self._pasted)
        return self.pose

    def pose_changed(self) -> None:
        """Say that `pose` was written to outside `paste`: the next `move` copies its still parts again."""
        self._out_from = None

    def move(self, matrix: np.ndarray) -> np.ndarray:
        """`out`: the head moved by the 2x3 `matrix` (about the motion area's origin) over the still photo."""
        import cv2

        if self._out_from is None or any(a is not b for a, b in zip(self._out_from, self._pasted)):
            for dst, src in self._still_views:
                np.copyto(dst, src)
            self._out_from = tuple(self._pasted)
        # The head moves a few pixels; the mask fades the move out over the hair's edge and the neck.
        # (A warp plus a blend costs less than a remap with per-pixel maps at this size.)
        # On one thread: split over two, a warp this small spends more CPU waking and waiting for the
        # other thread than it saves, and a recording's encoder wants that core (same pixels either way).
        part, moved = self._part, self.moved
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            cv2.warpAffine(part, matrix, (part.shape[1], part.shape[0]), dst=moved, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        finally:
            cv2.setNumThreads(threads)
        for dst, src in self._copy_views:       # copy where the mask is 1, blend only where it fades
            np.copyto(dst, src)
        for src1, src2, w, inv, dst in self._blend_views:
            cv2.blendLinear(src1, src2, w, inv, dst=dst)
        return self.out


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


def _frame(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The (up to four) strips of `outer` around `inner`, both (row0, row1, col0, col1) with inner inside."""
    r0, r1, c0, c1 = outer
    i0, i1, j0, j1 = inner
    strips = [(r0, i0, c0, c1), (i1, r1, c0, c1), (i0, i1, c0, j0), (i0, i1, j1, c1)]
    return [s for s in strips if s[1] > s[0] and s[3] > s[2]]


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
