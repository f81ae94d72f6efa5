"""The portrait's head for a recording, composed straight in yuv420p: the same paste, move and fade as
`HeadCompositor`, on the luma plane and on the two quarter-size chroma planes.

A recorder would otherwise warp three RGB channels, blit them into its frame and convert them to
yuv420p: here the warp and the fade touch half the bytes and nothing is converted but the pasted
feature patches. The area is widened to even screen edges so that its chroma blocks are the frame's.
"""

from __future__ import annotations

import numpy as np

from avatar.face.photo_head import Box, HeadCompositor, overlap, paste_changed
from avatar.lru import BytesLru
from avatar.yuv import even_box, plane_views, rgb_to_i420

KEPT_BYTES = 12 * 1024 * 1024   # converted mouth patches kept (about 70 at 1080p)
# One byte a pixel: a blend call's own cost weighs more than in RGB, so bands of the fade are taller.
_TILES = {"tile_px": 96, "band_px": 32}


class PlanarHead:
    """`paste(patches)` then `move(matrix)` give the head's area (`size`, even sides) as Y, U and V planes.

    `rgb` is the still photo over the area; `origin` is where the area starts in head-box pixels, the
    coordinates of `mask` (over `motion`), `motion` and the patches' `boxes`, as for `HeadCompositor`."""

    def __init__(self, rgb: np.ndarray, origin: tuple[int, int], mask: np.ndarray,
                 motion: tuple[slice, slice], boxes: list[Box]) -> None:
        h, w = rgb.shape[:2]
        if w % 2 or h % 2:
            raise ValueError(f"a yuv420p area needs even sides, got {w}x{h}")
        self.size = (w, h)
        ox, oy = origin
        self.rgb = np.ascontiguousarray(rgb)
        self.boxes = [(x0 - ox, y0 - oy, x1 - ox, y1 - oy) for x0, y0, x1, y1 in boxes]
        self._pasted: list[np.ndarray | None] = [None] * len(boxes)
        self._even = [even_box(*b, (w, h)) for b in self.boxes]    # what converting a box converts
        # A box whose widened edges reach no other box converts the same way whenever its patch is the
        # same (the still photo around it never changes): its planes are kept per patch.
        self._alone = [not any(overlap(e, b) for j, b in enumerate(self.boxes) if j != i)
                       for i, e in enumerate(self._even)]
        # By the patch's id; the patch is held too, so its id stays its own while kept.
        self._converted: BytesLru[int, tuple[np.ndarray, ...]] = \
            BytesLru(KEPT_BYTES, lambda kept: sum(plane.nbytes for plane in kept[1:]))
        rows = slice(motion[0].start - oy, motion[0].stop - oy)
        cols = slice(motion[1].start - ox, motion[1].stop - ox)
        if rows.start < 0 or cols.start < 0 or rows.stop > h or cols.stop > w:
            raise ValueError("the head's motion area must lie inside the yuv420p area")
        y = np.empty((h, w), np.uint8)
        u = np.empty((h // 2, w // 2), np.uint8)
        v = np.empty_like(u)
        rgb_to_i420(self.rgb[..., 0], self.rgb[..., 1], self.rgb[..., 2], y, u, v)
        whole = (slice(0, h), slice(0, w))
        self.luma = HeadCompositor(y, mask, (rows, cols), whole, [], **_TILES)
        # Chroma: each 2x2 block's share of the head is the mean of its four pixels' mask.
        full = np.zeros((h, w), np.float32)
        full[rows, cols] = mask
        quarter = full.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3), dtype=np.float32)
        c_rows = slice(rows.start // 2, (rows.stop + 1) // 2)
        c_cols = slice(cols.start // 2, (cols.stop + 1) // 2)
        c_mask = np.ascontiguousarray(quarter[c_rows, c_cols])
        c_whole = (slice(0, h // 2), slice(0, w // 2))
        self.chroma = [HeadCompositor(plane, c_mask, (c_rows, c_cols), c_whole, [], **_TILES) for plane in (u, v)]
        # Where a full-size pixel's centre maps to in each motion area's own pixels.
        self._luma_origin = np.array([cols.start, rows.start], np.float64)
        self._chroma_origin = np.array([c_cols.start, c_rows.start], np.float64)

    def paste(self, patches: list[np.ndarray]) -> None:
        """Paste the patches that changed (RGB, one per box) and convert their boxes, widened to even
        edges, into the planes (or copy a box's planes kept from the last time it showed that patch)."""
        fresh = paste_changed(self.rgb, patches, self.boxes, self._pasted)
        if not fresh:
            return
        y, u, v = self.luma.pose, self.chroma[0].pose, self.chroma[1].pose
        for i, box in enumerate(self.boxes):
            if box not in fresh:
                continue
            luma, cb, cr = plane_views(y, u, v, self._even[i])
            patch = self._pasted[i]
            kept = self._converted.get(id(patch)) if self._alone[i] else None
            if kept is not None and kept[0] is patch:
                np.copyto(luma, kept[1])
                np.copyto(cb, kept[2])
                np.copyto(cr, kept[3])
                continue
            x0, y0, x1, y1 = self._even[i]
            part = self.rgb[y0:y1, x0:x1]
            rgb_to_i420(part[..., 0], part[..., 1], part[..., 2], luma, cb, cr)
            if self._alone[i]:
                self._converted.put(id(patch), (patch, luma.copy(), cb.copy(), cr.copy()))
        boxes = [self._even[i] for i, box in enumerate(self.boxes) if box in fresh]
        self.luma.pose_changed(boxes)
        for plane in self.chroma:
            plane.pose_changed([(x0 // 2, y0 // 2, x1 // 2, y1 // 2) for x0, y0, x1, y1 in boxes])

    def move(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Y, U and V of the area with the head moved by the 2x3 `matrix` (in pixels of the motion area,
        about its origin, as `HeadCompositor.move` takes it). The arrays are reused by the next call."""
        luma = self.luma.move(matrix)
        c_matrix = self._chroma_matrix(matrix)
        return luma, self.chroma[0].move(c_matrix), self.chroma[1].move(c_matrix)

    def _chroma_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """The same motion in chroma samples: sample (j, i) of the chroma motion area stands for the
        full-size point 2 * (j, i) + 2 * origin + 0.5 (a 2x2 block's centre)."""
        a, t = matrix[:, :2], matrix[:, 2]
        c0, m0 = self._chroma_origin, self._luma_origin
        offset = (a @ (2.0 * c0 + 0.5 - m0) + t + m0 - 0.5) / 2.0 - c0
        return np.hstack([a, offset[:, None]])

