"""The photo's eyes and brows for one pose: eyelids that close over the eye, irises that shift, brows lifted.

A blink stretches the skin just above the upper lid down over the eye, with a lash line at its edge;
only a band about one eye-opening high moves, so glasses frames above and below the eye stay intact.
"""

from __future__ import annotations

import math

import numpy as np

from avatar.face.photo_warp import column_map, curve, smoothstep

EYES = (
    # (outer corner, inner corner, upper lid, lower lid, iris centre)
    (33, 133, [33, 246, 161, 160, 159, 158, 157, 173, 133], [33, 7, 163, 144, 145, 153, 154, 155, 133], 468),
    (263, 362, [263, 466, 388, 387, 386, 385, 384, 398, 362], [263, 249, 390, 373, 374, 380, 381, 382, 362], 473),
)
BROWS = ([70, 63, 105, 66, 107], [300, 293, 334, 296, 336])
BROWS_LOWER = ([46, 53, 52, 65, 55], [276, 283, 282, 295, 285])
BAND = 1.25                  # eye openings of skin above the lid that stretch down in a blink
GAZE_SHIFT = 0.09            # iris travel at full gaze, in eye widths
BROW_LIFT = 0.045            # brow travel at a full raise, in face heights


class EyeRig:
    """One eye's curves and box in a displayed portrait; `render(blink, gaze_x)` makes its patch."""

    def __init__(self, image: np.ndarray, points: np.ndarray, which: int) -> None:
        outer, inner, upper, lower, iris = EYES[which]
        p = points
        self.upper_pts, self.lower_pts = p[upper], p[lower]
        self.left = float(min(p[outer, 0], p[inner, 0]))
        self.right = float(max(p[outer, 0], p[inner, 0]))
        self.width = self.right - self.left
        self.open_px = float(max(1.0, (self.lower_pts[:, 1].max() - self.upper_pts[:, 1].min())))
        ih, iw = image.shape[:2]
        self.band = self._band(image, p, which) / self.open_px     # in eye openings
        margin = 0.22 * self.width
        x0 = int(max(0, math.floor(self.left - margin)))
        x1 = int(min(iw, math.ceil(self.right + margin)))
        y0 = int(max(0, math.floor(self.upper_pts[:, 1].min() - self.band * self.open_px - 3)))
        y1 = int(min(ih, math.ceil(self.lower_pts[:, 1].max() + 0.35 * self.open_px + 3)))
        self.box = (x0, y0, x1, y1)
        self.xs = np.arange(x0, x1, dtype=np.float32)
        self.ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        self.src = np.ascontiguousarray(image[y0:y1, x0:x1])
        self.u = curve(self.upper_pts, self.xs)
        self.lo = curve(self.lower_pts, self.xs)
        inside = (self.xs > self.left) & (self.xs < self.right)
        self.u = np.where(inside, self.u, np.minimum(self.u, self.lo))
        self.lo = np.where(inside, np.maximum(self.lo, self.u), self.u)
        self.iris_x = float(p[iris, 0])

    def _band(self, image: np.ndarray, p: np.ndarray, which: int) -> float:
        """How many pixels of skin above the lid may stretch: stop short of the brow and of a glasses rim."""
        cx = (self.left + self.right) / 2
        u_c = float(curve(self.upper_pts, np.array([cx]))[0])
        brow = float(curve(p[BROWS_LOWER[which]], np.array([cx]))[0])
        band = min(BAND * self.open_px, 0.75 * max(0.0, u_c - brow))
        # A glasses frame is a run of dark rows above the eye: find the first one looking upwards.
        c0, c1 = int(self.left + 0.25 * self.width), int(self.right - 0.25 * self.width)
        r_start, r_end = int(round(u_c - 0.25 * self.open_px)), int(round(u_c - BAND * self.open_px))
        if c1 > c0 and r_end >= 0 and r_start < image.shape[0]:
            lum = image[max(0, r_end):r_start + 1, c0:c1].astype(np.float32) @ np.array([0.299, 0.587, 0.114],
                                                                                          np.float32)
            rows = np.median(lum, axis=1)[::-1]           # from just above the lid upwards
            if rows.size > 2:
                ref = float(np.median(rows[:2]))
                dark = np.flatnonzero(rows < 0.72 * ref)
                if dark.size:
                    band = min(band, 0.25 * self.open_px + float(dark[0]) - 2.0)
        return float(np.clip(band, 0.35 * self.open_px, BAND * self.open_px))

    def render(self, blink: float, gaze_x: float) -> np.ndarray:
        import cv2

        xs, ys, u, lo = self.xs, self.ys, self.u, self.lo
        opening = lo - u
        c = float(np.clip(blink, 0.0, 1.0))
        lid = u + c * 0.92 * opening                          # the lid's edge, output rows
        band = self.band * opening
        top = u - band - 1
        bottom = lo + 0.3 * self.open_px + 1
        if c > 0.0:
            map_y = column_map(ys, [top, lid, lid + 1e-3, bottom], [top, u, lid + 1e-3, bottom])
        else:
            map_y = np.broadcast_to(ys, (ys.shape[0], xs.shape[0])).astype(np.float32).copy()
        # The iris slides along the opening; the white stretches, the corners stay.
        taper = smoothstep((xs - self.left) / (0.45 * self.width)) * smoothstep((self.right - xs) / (0.45 * self.width))
        in_eye = (map_y > u[None, :] - 0.5) & (map_y < lo[None, :] + 0.5)
        shift = gaze_x * GAZE_SHIFT * self.width * taper[None, :] * in_eye
        map_x = np.broadcast_to(xs[None, :], map_y.shape) - shift
        x0, y0 = self.box[0], self.box[1]
        patch = cv2.remap(self.src, (map_x - x0).astype(np.float32), (map_y - y0).astype(np.float32),
                          cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if c > 0.02:
            # Lashes and the lid's shadow along its edge (darker as the eye closes).
            d = ys - lid[None, :]
            width = max(0.8, 0.07 * self.open_px)
            line = np.exp(-(d / width) ** 2) * (0.15 + 0.3 * c)
            shadow = np.clip(1.0 - d / (0.35 * self.open_px + 1), 0, 1) * (d > 0) * 0.18 * c
            w = (line + shadow) * (opening > 0.5)[None, :] * smoothstep(opening / (0.35 * opening.max() + 1e-3))[None, :]
            patch = np.clip(patch * (1.0 - w[..., None]), 0, 255).astype(np.uint8)
        return patch


class BrowRig:
    """Both brows: the forehead between hairline and upper lids slides up by `raise_` (down if negative)."""

    def __init__(self, image: np.ndarray, points: np.ndarray, eyes: list[EyeRig]) -> None:
        p = points
        self.fh = float(np.hypot(*(p[152] - p[10])))
        brow_pts = np.concatenate([p[BROWS[0]], p[BROWS[1]]])
        ih, iw = image.shape[:2]
        x0 = int(max(0, math.floor(brow_pts[:, 0].min() - 0.08 * self.fh)))
        x1 = int(min(iw, math.ceil(brow_pts[:, 0].max() + 0.08 * self.fh)))
        y0 = int(max(0, math.floor(brow_pts[:, 1].min() - 0.16 * self.fh)))
        y1 = int(min(ih, min(e.box[1] for e in eyes)))
        self.box = (x0, y0, x1, max(y0 + 2, y1))
        self.xs = np.arange(x0, x1, dtype=np.float32)
        self.ys = np.arange(self.box[1], self.box[3], dtype=np.float32)[:, None]
        self.src = np.ascontiguousarray(image[self.box[1]:self.box[3], x0:x1])
        self.brow_y = curve(brow_pts, self.xs)
        left, right = brow_pts[:, 0].min(), brow_pts[:, 0].max()
        self.weight = smoothstep((self.xs - left + 0.06 * self.fh) / (0.12 * self.fh)) * \
            smoothstep((right + 0.06 * self.fh - self.xs) / (0.12 * self.fh))

    def render(self, raise_: float) -> np.ndarray:
        import cv2

        first, last = float(self.box[1]), float(self.box[3] - 1)
        reach = max(0.0, (last - first) / 6)           # a short forehead moves its brows less
        d = np.clip(raise_ * BROW_LIFT * self.fh, -reach, reach) * self.weight
        top = np.full_like(self.xs, first)
        bottom = np.full_like(self.xs, last)
        brow = np.clip(self.brow_y, top + np.abs(d) + 1, np.maximum(top + np.abs(d) + 1, bottom - np.abs(d) - 1))
        map_y = column_map(self.ys, [top, brow - d, bottom], [top, brow, bottom])
        map_x = np.broadcast_to(self.xs[None, :], map_y.shape)
        return cv2.remap(self.src, (map_x - self.box[0]).astype(np.float32),
                         (map_y - self.box[1]).astype(np.float32), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
