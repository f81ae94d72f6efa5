"""The photo's lower face for one mouth pose: lips and jaw warped by the Rhubarb shape, a drawn inner mouth.

Everything here runs once per (shape, openness level, smile level) and display size; a frame only pastes
the finished patch. The photo's own inner mouth is never shown: between the moved inner lip lines a
mouth is drawn (cavity, teeth with gaps, tongue), so a smiling photo's teeth cannot split with the jaw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from avatar.face.mouth import SHAPES
from avatar.face.photo_warp import column_map, curve, smoothstep
from avatar.lipsync.track import MouthShape

INNER_UPPER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]
INNER_LOWER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308]
OUTER_UPPER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291]
OUTER_LOWER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291]
JAW = [58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288]
NOSE_BASE = 2

HEAD_UNITS_PER_FACE = 1.15     # the drawn face's head unit in forehead-to-chin heights
MAX_GAP = 0.105                # the widest lip gap a photo bears, in face heights
UPPER_SHARE = 0.3              # of the opening, the upper lip takes this much; the jaw the rest
WIDTH_EFFECT = 0.7             # how much of the drawn face's narrowing a photo's lips follow
SMILE_LIFT = 0.03              # corner lift at a full smile, face heights
GAP_BOOST = {MouthShape.B: 1.6, MouthShape.H: 1.2}   # small openings need a few more pixels on a photo
NECK = 0.32                    # below the chin, the neck takes up the jaw's drop over this many face heights
FEATHER = 0.005                # the drawn opening fades in over this many face heights (never a hard edge)
RIM = 0.012                    # the lips' inner rim is shaded over this many face heights


@dataclass(frozen=True)
class Pucker:
    """How a rounded shape reshapes a photo's mouth (the drawn face's table is too gentle for a photo).

    A pucker draws the corners in, brings a smiling photo's upturned corners down to the middle's level,
    pushes the lips out (fuller from the front) and opens only a round hole in the middle."""

    width: float        # mouth width, times the photo's own
    opening: float      # the hole's half-width, times the (narrowed) mouth's half-width
    height: float       # the hole's height, times its width
    flatten: float      # 0 keeps the photo's lip curve .. 1 levels the corners with the middle
    fuller: float       # extra lip thickness in the middle, times the photo's own


PUCKERS = {
    MouthShape.E: Pucker(width=0.8, opening=0.78, height=0.34, flatten=0.55, fuller=0.25),
    MouthShape.F: Pucker(width=0.64, opening=0.48, height=0.62, flatten=0.9, fuller=0.5),
}


def opening(shape: MouthShape, mouth_open: float) -> float:
    """How far 0..1 of the way the jaw drops for the drawn face (same growth with openness)."""
    mo = min(1.0, max(0.0, mouth_open))
    return 0.4 + 0.6 * mo


@dataclass(frozen=True)
class _Pose:
    """One pose's lines, per output column of the patch: source and moved lip lines, in patch rows."""

    spec: object
    f: float                 # openness growth 0.4..1
    s: float                 # mouth width, times the photo's
    wx: np.ndarray           # how much each column takes part in the narrowing (not for a pucker)
    src_x: np.ndarray        # the column each output column samples at the lip line
    pucker: bool             # narrowed by `src_x` itself, fading above and below the lips
    u0: np.ndarray           # the photo's inner lip lines (sampled where each column looks)
    l0: np.ndarray
    u: np.ndarray            # the moved inner lip lines
    l: np.ndarray
    drop: float              # the jaw's drop at the middle, px
    xn: np.ndarray           # column in mouth half-widths from the middle
    xo: np.ndarray           # column in opening half-widths from the middle
    outer: tuple | None      # (source upper, moved upper, source lower, moved lower) outer lip lines


class MouthRig:
    """Lip curves and the lower-face box of one displayed portrait; `render` makes one pose's patch."""

    def __init__(self, image: np.ndarray, points: np.ndarray, softness_px: float = 0.0) -> None:
        self.image = image
        self.softness_px = softness_px      # the drawn mouth is blurred this much to match an enlarged photo
        p = points
        self.p = p
        self.fh = float(np.hypot(*(p[152] - p[10])))
        fh = self.fh
        ih, iw = image.shape[:2]
        self.left_corner, self.right_corner = sorted([p[61], p[291]], key=lambda q: q[0])
        self.cx = float((p[61, 0] + p[291, 0]) / 2)
        self.hw = float(abs(p[291, 0] - p[61, 0]) / 2)
        jaw = p[JAW]
        x0 = int(max(0, math.floor(jaw[:, 0].min() - 0.08 * fh)))
        x1 = int(min(iw, math.ceil(jaw[:, 0].max() + 0.08 * fh)))
        self.nose_y = float(p[NOSE_BASE, 1])
        y0 = int(max(0, math.floor(self.nose_y - 0.02 * fh)))
        y1 = int(min(ih, math.ceil(jaw[:, 1].max() + (NECK + 0.08) * fh)))
        self.box = (x0, y0, x1, y1)
        self.xs = np.arange(x0, x1, dtype=np.float32) + 0.0
        self.ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        self.src = np.ascontiguousarray(image[y0:y1, x0:x1])
        self.jaw_left = float(jaw[:, 0].min())
        self.jaw_right = float(jaw[:, 0].max())
        self.jaw_pts = jaw
        # Lighting of the photo, so drawn teeth and mouth are never brighter than its skin allows.
        cheek = image[int(p[205, 1]) - 2:int(p[205, 1]) + 3, int(p[205, 0]) - 2:int(p[205, 0]) + 3]
        lum = float(cheek.reshape(-1, 3).mean(axis=0) @ np.array([0.299, 0.587, 0.114])) if cheek.size else 170
        self.light = float(np.clip(lum / 175.0, 0.55, 1.05))
        # The photo's colour cast (warm or cool light), a little of which tints the drawn teeth.
        mean = cheek.reshape(-1, 3).mean(axis=0) if cheek.size else np.array([1.0, 1.0, 1.0])
        self.cast = np.clip((mean / max(1.0, float(mean.mean()))) ** 0.2, 0.9, 1.1).astype(np.float32)
        lip = image[int(p[14, 1]) + 1:int(p[17, 1]), int(p[14, 0]) - 2:int(p[14, 0]) + 3]
        self.lip_rgb = lip.reshape(-1, 3).mean(axis=0) if lip.size else np.array([150, 90, 90], np.float64)

    # Geometry of one pose --------------------------------------------------------------------------------

    def _pose(self, shape: MouthShape, mouth_open: float, smile: float) -> _Pose:
        fh, cx, hw = self.fh, self.cx, self.hw
        spec = SHAPES.get(shape, SHAPES[MouthShape.X])
        pucker = PUCKERS.get(shape)
        f = opening(shape, mouth_open)
        if pucker is not None:
            s = pucker.width
        else:
            narrow = 1.0 if shape in (MouthShape.A, MouthShape.X) else f
            s = 1.0 - (1.0 - spec.width) * WIDTH_EFFECT * narrow
        s *= 1.0 + 0.05 * max(0.0, smile)
        xs = self.xs
        # Where each output column samples at the lip line (the mouth narrows or widens about its middle).
        wx = np.exp(-0.5 * ((xs - cx) / (1.25 * hw)) ** 4)
        if pucker is None:
            src_x_line = cx + (xs - cx) / (1.0 + (s - 1.0) * wx)
        else:
            src_x_line = self._pucker_pull(s)
        u0 = curve(self.p[INNER_UPPER], src_x_line)
        l0 = curve(self.p[INNER_LOWER], src_x_line)
        inside = (src_x_line > self.left_corner[0]) & (src_x_line < self.right_corner[0])
        u0 = np.where(inside, u0, np.minimum(u0, l0))
        l0 = np.where(inside, np.maximum(l0, u0), u0)
        mid = (u0 + l0) / 2
        xn = (xs - cx) / max(1.0, hw * s)
        roundness = spec.round
        power = 2.0 + 4.0 * (1.0 - roundness)
        reach = 1.0                                          # the opening's half-width, in mouth half-widths
        if pucker is not None:
            reach = pucker.opening * (0.85 + 0.15 * f)
            power = 2.0
        xo = xn / reach
        prof = np.sqrt(np.clip(1.0 - np.abs(xo) ** power, 0.0, 1.0))
        if pucker is not None:
            # A round hole: its height follows its width (so it stays round on any photo), growing with openness.
            gap_mid = min(MAX_GAP * fh, pucker.height * 2.0 * reach * hw * s * (0.55 + 0.45 * f))
            # The corners come down to the middle's level (a smiling photo's upturned corners read as a smile).
            centre = float(np.interp(cx, xs, mid))
            fade = smoothstep((1.7 - np.abs(xs - cx) / hw) / 1.0)     # eased out over the cheeks
            mid = mid + (centre - mid) * pucker.flatten * fade
        else:
            gap_mid = min(MAX_GAP, spec.gap * GAP_BOOST.get(shape, 1.0) * HEAD_UNITS_PER_FACE * f) * fh
        if shape is MouthShape.X:
            u, l = u0.copy(), l0.copy()                     # the photo's own lips at rest
            drop = 0.0
        elif spec.teeth_on_lip:                             # G: upper lip up, lower lip tucked under the teeth
            teeth = spec.upper_teeth * HEAD_UNITS_PER_FACE * fh
            u = mid - (0.55 * teeth + 0.4 * gap_mid) * prof
            l = u + 0.85 * teeth * prof
            drop = 0.0
        else:
            gap = gap_mid * prof
            share = UPPER_SHARE if pucker is None else 0.4  # a pucker opens the upper lip as much as the lower
            u = mid - share * gap
            l = mid + (1.0 - share) * gap
            drop = (1.0 - share) * gap_mid
        lift = smile * SMILE_LIFT * fh * np.clip(np.abs(xn), 0.0, 1.3) ** 2 * np.exp(-np.maximum(np.abs(xn) - 1, 0) * 3)
        u, l = u - lift, l - lift
        outer = None
        if pucker is not None:
            # The lips keep (and gain) their thickness as they move: pushed out, they look fuller from the front.
            thick = 1.0 + pucker.fuller * (0.6 + 0.4 * f) * smoothstep((1.15 - np.abs(xn)) / 0.6)
            ou0 = np.minimum(curve(self.p[OUTER_UPPER], src_x_line), u0)
            ol0 = np.maximum(curve(self.p[OUTER_LOWER], src_x_line), l0)
            outer = (ou0, u - (u0 - ou0) * thick, ol0, l + (ol0 - l0) * thick)
        return _Pose(spec, f, s, wx, src_x_line, pucker is not None, u0, l0, u, l, drop, xn, xo, outer)

    def _pucker_pull(self, s: float) -> np.ndarray:
        """The column each output column samples at the lip line for lips drawn in to `s` of their width.

        Between the corners the lips are squeezed evenly; beyond them the pull fades out smoothly, to
        nothing short of the jaw's edge, so the face keeps its outline and the cheek beside a corner is
        only ever stretched a little, never squeezed (squeezed skin shows as streaks)."""
        cx, hw, xs = self.cx, self.hw, self.xs
        r = xs - cx
        side = np.where(r < 0, cx - self.jaw_left, self.jaw_right - cx)
        corner = s * hw
        edge = np.maximum(0.9 * side, corner + 0.3 * hw)
        a = np.abs(r)
        fade = 1.0 - smoothstep((a - corner) / (edge - corner))
        pulled = np.where(a <= corner, a / s, a + hw * (1.0 - s) * fade)
        return (cx + np.sign(r) * pulled).astype(xs.dtype)

    def opening_size(self, shape: MouthShape, mouth_open: float, smile: float = 0.0) -> tuple[float, float]:
        """Width and height (px) of the gap between the moved inner lip lines: the opening a viewer sees."""
        pose = self._pose(shape, mouth_open, smile)
        gap = pose.l - pose.u
        cols = np.flatnonzero(gap > 1.0)
        return (float(cols[-1] - cols[0] + 1) if cols.size else 0.0), float(max(0.0, gap.max()))

    def render(self, shape: MouthShape, mouth_open: float, smile: float = 0.0) -> np.ndarray:
        """The lower-face patch (the ROI of `box`) for one pose, as uint8 RGB."""
        import cv2

        fh = self.fh
        pose = self._pose(shape, mouth_open, smile)
        u0, l0, u, l = pose.u0, pose.l0, pose.u, pose.l
        xs, ys = self.xs, self.ys
        chin = curve(self.jaw_pts, xs)
        chin = np.maximum(chin, np.maximum(l0, l) + 0.05 * fh)
        jaw_w = smoothstep((xs - self.jaw_left) / (0.35 * (self.cx - self.jaw_left))) * \
            smoothstep((self.jaw_right - xs) / (0.35 * (self.jaw_right - self.cx)))
        jdrop = pose.drop * jaw_w
        top = np.full_like(xs, self.nose_y)
        bottom = chin + NECK * fh
        out_anchors = [top, np.maximum(u, top + 1), np.maximum(l, u + 1e-3), chin + jdrop, bottom + 1]
        src_anchors = [top, np.maximum(u0, top + 1), np.maximum(l0, u0 + 1e-3), chin, bottom + 1]
        if pose.outer is not None:          # the outer lip lines move too (a pucker's fuller lips)
            ou0, ou, ol0, ol = pose.outer
            out_anchors[1:1] = [np.maximum(ou, top + 1)]
            src_anchors[1:1] = [np.maximum(ou0, top + 1)]
            out_anchors[4:4] = [np.minimum(ol, chin + jdrop - 1)]
            src_anchors[4:4] = [np.minimum(ol0, chin - 1)]
        # Guard the order of the anchors (tiny photos, odd landmarks).
        for k in range(1, len(out_anchors)):
            out_anchors[k] = np.maximum(out_anchors[k], out_anchors[k - 1] + 1e-3)
            src_anchors[k] = np.maximum(src_anchors[k], src_anchors[k - 1] + 1e-3)
        map_y = column_map(ys, out_anchors, src_anchors)
        # Per pixel in float32 (the per-column lines are float64): half the memory to go through, and
        # far finer than the remap's 1/32 pixel.
        row = lambda a: np.asarray(a, np.float32)[None, :]      # noqa: E731 - a per-column line
        mid_y, bottom_y = row((u0 + l0) / 2), row(bottom)
        # The narrowing is whole along the moved lips (where the lip lines above were sampled), fading above
        # and below them...
        off = np.maximum(np.maximum(row(u) - ys, ys - row(l)), 0.0)
        off *= 1.0 / (0.6 * self.hw)
        wy = np.exp(-0.5 * off * off)
        # ...and nothing at the patch's top (under the nose) or bottom (the neck), so it meets the photo.
        wy *= smoothstep((ys - self.nose_y) / np.maximum(1.0, mid_y - self.nose_y))
        wy *= smoothstep((bottom_y - ys) / np.maximum(1.0, bottom_y - mid_y))
        if pose.pucker:
            map_x = xs[None, :] + (pose.src_x - xs)[None, :] * wy
        else:
            map_x = self.cx + (xs[None, :] - self.cx) / (1.0 + (pose.s - 1.0) * pose.wx[None, :] * wy)
        x0, y0 = self.box[0], self.box[1]
        map_x -= x0
        map_y -= y0
        patch = cv2.remap(self.src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        gap = l - u
        if shape is MouthShape.A or float(gap.max()) < 0.6:
            if shape is MouthShape.A:
                self._press(patch, u, fh)
            return patch
        if shape in PUCKERS:                # the pressed lips beside a pucker's hole
            self._press(patch, (u + l) / 2, fh, strength=0.22,
                        along=(np.abs(pose.xo) > 0.9) * smoothstep((0.97 - np.abs(pose.xn)) / 0.15))
        self._inner_mouth(patch, shape, pose, fh)
        return patch

    # Drawing -------------------------------------------------------------------------------------------

    def _press(self, patch: np.ndarray, line: np.ndarray, fh: float, strength: float = 0.35,
               along: np.ndarray | None = None) -> None:
        """A closed, pressed mouth: a soft dark line where the lips meet, as dark as `along` (0..1 per
        column) says; it fades out towards the mouth's corners rather than ending in a tick, and is as
        soft as the photo (an enlarged photo's lips have no crisp lines)."""
        fade = smoothstep((0.98 - np.abs(self.xs - self.cx) / self.hw) / 0.12)
        weight = fade if along is None else fade * along
        mask = weight > 0.0
        cols = np.flatnonzero(mask)
        if cols.size == 0:
            return
        width = math.hypot(max(0.8, 0.004 * fh), self.softness_px)
        c0, c1 = int(cols[0]), int(cols[-1]) + 1           # only the rows and columns around the line
        y_first = int(self.ys[0, 0])
        r0 = max(0, math.floor(float(line[c0:c1].min()) - 3 * width) - y_first)
        r1 = min(patch.shape[0], math.ceil(float(line[c0:c1].max()) + 3 * width) + 1 - y_first)
        if r1 <= r0:
            return
        import cv2

        d = np.abs(self.ys[r0:r1] - line[None, c0:c1])
        near = np.exp(-(d / width) ** 2) * weight[None, c0:c1]
        part = patch[r0:r1, c0:c1]
        # Where the lips meet, the warp joins rows from above and below the photo's own opening: a hard
        # seam on a soft photo. Across the line the patch is blurred as the photo is, then darkened.
        soft = cv2.GaussianBlur(part, (1, 0), sigmaX=0.1, sigmaY=max(0.5, 0.8 * width)).astype(np.float32)
        out = part.astype(np.float32)
        out += (soft - out) * near[..., None]
        out *= 1.0 - strength * near[..., None]
        part[:] = np.clip(out + 0.5, 0, 255).astype(np.uint8)

    def _inner_mouth(self, patch: np.ndarray, shape: MouthShape, pose: _Pose, fh: float) -> None:
        """Draw the opening, working only on the rows and columns around it."""
        u, l = pose.u, pose.l
        cols = np.flatnonzero((l - u > 0.0) | (np.abs(pose.xo) < 1.05))
        if cols.size == 0:
            return
        margin = math.ceil(RIM * fh + 3 * max(0.5, self.softness_px)) + 3
        c0, c1 = max(0, int(cols[0]) - margin), min(patch.shape[1], int(cols[-1]) + 1 + margin)
        y_first = int(self.ys[0, 0])
        r0 = max(0, math.floor(float(u[c0:c1].min())) - margin - y_first)
        r1 = min(patch.shape[0], math.ceil(float(l[c0:c1].max())) + margin + 1 - y_first)
        if r1 <= r0:
            return
        cut = slice(c0, c1)
        f32 = lambda a: np.asarray(a[cut], np.float32)    # noqa: E731 - per-pixel work in float32
        self._draw_opening(patch[r0:r1, cut], self.ys[r0:r1], shape, pose.spec, pose.f, f32(u), f32(l),
                           f32(pose.xn), f32(pose.xo), fh)

    def _draw_opening(self, patch: np.ndarray, ys: np.ndarray, shape: MouthShape, spec, f: float,
                      u: np.ndarray, l: np.ndarray, xn: np.ndarray, xo: np.ndarray, fh: float) -> None:
        import cv2

        gap = np.maximum(l - u, 1e-3)[None, :]
        v = (ys - u[None, :]) / gap                          # 0 at the upper lip .. 1 at the lower
        depth_x = np.sqrt(np.clip(1.0 - xo ** 2, 0.0, 1.0))[None, :]
        light = self.light
        # Cavity: warm dark red near the lips, darker deep inside and towards the corners.
        deep = np.sin(np.clip(v, 0, 1) * math.pi) * depth_x
        edge = np.array([88, 34, 36], np.float32) * light
        back = np.array([22, 8, 10], np.float32) * light
        colour = edge[None, None, :] * (1 - deep[..., None]) + back[None, None, :] * deep[..., None]
        colour = colour * (0.5 + 0.5 * depth_x[..., None])
        py = ys - u[None, :]                                  # px below the upper lip
        qy = l[None, :] - ys                                  # px above the lower lip
        unit = HEAD_UNITS_PER_FACE * fh
        upper_h = spec.upper_teeth * unit * (0.75 + 0.25 * f)
        lower_h = spec.lower_teeth * unit * (0.75 + 0.25 * f)
        if spec.teeth_on_lip:
            upper_h = float(gap.max()) + 2
        if shape is MouthShape.X:          # a photo that smiles with teeth keeps (drawn) teeth at rest
            upper_h, lower_h = 0.62 * float(gap.max()), 0.3 * float(gap.max())
        # The tongue first: the teeth are in front of it.
        if spec.tongue != "none" and float(gap.max()) > 0.012 * fh:
            pink = np.array([168, 82, 88], np.float32) * light
            if spec.tongue == "up":
                # H: the tongue's tip raised to the back of the upper teeth, its underside showing below it.
                tip_y = u[None, :] + 0.6 * upper_h                # (its very tip hidden by the teeth)
                t = np.clip((ys - tip_y) / np.maximum(1.0, l[None, :] - tip_y), 0, 1)
                half = 0.3 * np.sqrt(np.clip(t * 3.0, 0, 1)) + 0.12 * t   # a rounded tip, wider below
                cover = np.clip((half - np.abs(xo[None, :])) * 12, 0, 1) * np.clip(ys - tip_y + 0.5, 0, 1)
                tshade = (0.95 - 0.45 * t) * (0.75 + 0.25 * depth_x)
            else:                          # resting low in the mouth
                top_y = l[None, :] - gap * 0.38 * np.clip(1.0 - (xo[None, :] / 0.85) ** 2, 0, 1) - 0.5
                cover = np.clip(ys - top_y + 0.5, 0, 1) * (np.abs(xo) < 0.85)[None, :]
                tshade = 0.5 + 0.5 * (1.0 - np.clip((ys - top_y) / max(1.0, float(gap.max())), 0, 1)) * depth_x
            colour = colour * (1 - cover[..., None]) + (pink[None, None, :] * tshade[..., None]) * cover[..., None]
        # Teeth along the arch: equal steps in angle look right for a curved row seen from the front.
        theta = np.arcsin(np.clip(xn * 0.92, -0.999, 0.999))
        step = 0.36
        k = theta / step
        frac = np.abs(k - np.round(k))                        # 0 at a tooth boundary (central gap at 0)
        seam = np.exp(-(frac / 0.05) ** 2)[None, :]
        within = 0.5 - np.abs(np.abs(k - np.floor(k)) - 0.5)  # 0 at boundaries, 0.5 mid-tooth
        scallop = 1.0 - 0.22 * (1.0 - np.sqrt(np.clip(within * 2, 0, 1)))[None, :]
        side = np.clip(1.0 - np.abs(xn) ** 2.2, 0.0, 1.0)[None, :]
        # Never pure white: teeth in a photo are in the mouth's shade, a little of the light's colour.
        ivory = np.array([214, 204, 186], np.float32) * light * self.cast
        # Teeth fade into the dark of the cheeks towards the corners (no bright band from corner to corner).
        reach = np.clip((0.86 - np.abs(xn)) / 0.2, 0, 1)[None, :] * np.clip((1.0 - np.abs(xo)) / 0.25, 0, 1)[None, :]
        fe = max(1.5, FEATHER * fh)                          # edges fade over this many px
        lip_shadow = max(1.5, RIM * fh)                      # the upper lip shades the teeth under it
        if upper_h > 0.5:
            edge_y = upper_h * scallop * (0.55 + 0.45 * side)
            cover = np.clip((edge_y - py) / fe + 0.5, 0, 1) * reach
            shade = (0.3 + 0.7 * side ** 0.8) * (0.62 + 0.38 * np.clip(py / lip_shadow, 0, 1) ** 0.7)
            shade = shade * (1.0 - 0.12 * np.clip((py - 0.7 * edge_y) / max(1.0, 0.3 * upper_h), 0, 1))
            shade = shade * (1.0 - 0.22 * seam)
            tooth = ivory[None, None, :] * shade[..., None]
            colour = colour * (1 - cover[..., None]) + tooth * cover[..., None]
        if lower_h > 0.5:
            edge_y = lower_h * (0.5 + 0.5 * side) * (0.9 + 0.1 * scallop)
            cover = np.clip((edge_y - qy) / fe + 0.5, 0, 1) * np.clip((0.6 - np.abs(xn)) * 6, 0, 1)[None, :]
            shade = (0.35 + 0.45 * side ** 0.7) * (1.0 - 0.2 * seam)
            tooth = ivory[None, None, :] * shade[..., None] * 0.75
            colour = colour * (1 - cover[..., None]) + tooth * cover[..., None]
        # Coverage of the opening: feathered over a few pixels, so the drawn mouth blends into the photo's lips
        # (centred a little inside the lip line; a thin gap fades out rather than ending in a hard cut).
        px_per_xo = 1.0 / max(1e-6, float(np.abs(np.diff(xo)).mean())) if xo.size > 1 else 1.0
        ends = smoothstep(((1.0 - np.abs(xo)) * px_per_xo + 0.3 * fe) / (1.5 * fe))
        inside = smoothstep((py + 0.3 * fe) / fe) * smoothstep((qy + 0.3 * fe) / fe) \
            * (np.clip(l - u, 0, 1) * ends)[None, :]
        # The lips' inner rim turns away from the light: a shaded band on each lip along the opening.
        rim_w = max(1.5, RIM * fh)
        along = np.clip((1.0 - np.abs(xo)) / 0.15, 0, 1)[None, :] * np.clip(l - u, 0, 2)[None, :] / 2
        rim = (0.28 * np.exp(-(np.maximum(-py, 0) / rim_w) ** 2) * (py < 0.5 * fe)
               + 0.18 * np.exp(-(np.maximum(-qy, 0) / rim_w) ** 2) * (qy < 0.5 * fe)) * along
        out = patch.astype(np.float32) * (1.0 - rim[..., None])
        layer = colour * inside[..., None]
        soft = max(0.5, self.softness_px)
        inside = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), soft)
        layer = cv2.GaussianBlur(layer.astype(np.float32), (0, 0), soft)
        out = out * (1.0 - inside[..., None]) + layer
        patch[:] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
