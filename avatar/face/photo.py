"""A presenter made from one portrait photo, drawn as a framed portrait panel; behind the same seam as the
drawn face (`prepare(size)`, `draw(surface, rect, state)`).

Per frame only cached patches are pasted (lower face for the mouth pose, eyes, brows) and the head
region is moved a few pixels (sway, nod, breathing, roll) with one small affine warp. The framed photo
is the still layer (`LayeredFace`): a recorder repaints only the head's box over it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygame

from avatar.face.look import Look
from avatar.face.photo_eyes import BrowRig, EyeRig
from avatar.face.photo_head import HeadCompositor
from avatar.face.photo_mouth import HEAD_UNITS_PER_FACE, MouthRig
from avatar.face.photo_planar import PlanarHead
from avatar.face.photo_rig import ASPECT, Rig, load_rig
from avatar.face.state import FaceState
from avatar.lru import BytesLru
from avatar.lipsync.track import MouthShape
from avatar.yuv import I420Frame, even_box

OPEN_LEVELS = 10
BLINK_LEVELS = 7
GAZE_LEVELS = 4          # per side
BROW_LEVELS = 8
SMILE_STEP = 0.25
MAX_TILT_DEG = 2.0
# The head moves in steps of half a pixel (at its farthest point from the chin for a roll): finer than
# the eye follows (the drawn presenter moves by whole pixels); a head that holds still for a frame costs
# only its new mouth or eyes to compose again, not the whole warp and fade (at 1080p the sample's head
# then moves on 40% of its frames, against 67% in quarter-pixel steps).
STEP_PX = 0.5
# Mouth poses kept (a recording of the sample speech uses about 250: 85 MB at 1080p, 38 MB at 720p).
MOUTH_BYTES = 96 * 1024 * 1024
FRAME = (236, 238, 242)

_SMILE = {"neutral": 0.0, "smile": 1.0, "serious": -0.45, "surprised": 0.0}
_BROW_EXPR = {"serious": -0.35}


def panel_rect(rect: pygame.Rect) -> pygame.Rect:
    """The portrait panel in the presenter's `rect`: ASPECT, centred, near the top.

    Its size depends on the rect's size only, so the portrait keeps its size when a slide moves it
    aside; it stays clear of the slide area beside it (within 0.85 head units of the rect's middle)."""
    from avatar.face.procedural import head_unit_px

    if rect.w < 8 or rect.h < 8:
        return pygame.Rect(rect.x, rect.y, 0, 0)
    h = 0.86 * rect.h
    w = ASPECT * h
    max_w = min(0.92 * rect.w, 1.7 * head_unit_px(rect.size))
    if w > max_w:
        w = max_w
        h = w / ASPECT
    x = rect.centerx - w / 2
    y = rect.y + min(0.05 * rect.h, (rect.h - h) / 2)
    return pygame.Rect(round(x), round(y), max(1, round(w)), max(1, round(h)))


@dataclass
class _Layout:
    """Everything cached for one panel size."""

    size: tuple[int, int]
    base: pygame.Surface              # the drop shadow (drawn as four strips around the photo)
    photo: pygame.Surface             # the framed still photo, opaque
    photo_by_format: dict             # `photo` converted to each target surface's pixel format
    inner: tuple[int, int]            # where the photo starts inside `base`
    pad: int
    head_box: tuple[int, int, int, int]
    head: HeadCompositor              # the head box's pixels per frame (brows, eyes, mouth pasted, then moved)
    pivot: tuple[float, float]        # in pixels of the head box's motion area
    unit_px: float                    # head height in pixels (FaceState offsets are fractions of it)
    mouth: MouthRig
    eyes: list[EyeRig]
    brows: BrowRig
    mouth_patches: BytesLru[tuple, np.ndarray]
    eye_patches: dict
    brow_patches: dict
    mask: np.ndarray                  # the head's share of each pixel of `head.motion`
    reach_px: float = 1.0             # from `pivot` to the motion area's farthest corner
    planar: dict = field(default_factory=dict)   # PlanarHead per yuv420p area (x, y, w, h in panel pixels)


class PhotoFace:
    """The portrait at `path` (rig from the cache or built now) talking in a framed panel."""

    def __init__(self, path: Path | str, look: Look, *, rig: Rig | None = None) -> None:
        self.path = Path(path)
        self.look = look
        self.rig = rig or load_rig(self.path)
        self._layouts: dict[tuple[int, int], _Layout] = {}

    # Building ---------------------------------------------------------------------------------------

    def prepare(self, size: tuple[int, int]) -> None:
        """Build the panel for a presenter rect of `size` and every pose a neutral talk uses (under a
        second at 1080p), so a live show never stalls on a new pose; expressions fill in as they come."""
        panel = panel_rect(pygame.Rect(0, 0, *size))
        if panel.w < 8:
            return
        layout = self._layout(panel.size)
        for shape in MouthShape:
            for level in range(OPEN_LEVELS + 1):
                self._mouth_patch(layout, shape, level, 0)
        for which in (0, 1):
            for blink_q in range(BLINK_LEVELS + 1):
                for gaze_q in range(-GAZE_LEVELS // 2, GAZE_LEVELS // 2 + 1):
                    self._eye_patch(layout, which, blink_q, gaze_q)
        for brow_q in range(BROW_LEVELS + 1):
            self._brow_patch(layout, brow_q)

    def _layout(self, size: tuple[int, int]) -> _Layout:
        layout = self._layouts.get(size)
        if layout is None:
            if len(self._layouts) >= 4:
                self._layouts.pop(next(iter(self._layouts)))
            layout = self._layouts[size] = self._build(size)
        return layout

    def _build(self, size: tuple[int, int]) -> _Layout:
        import cv2

        w, h = size
        border = max(2, round(0.006 * h))
        pad = max(4, round(0.025 * h))
        iw, ih = w - 2 * border, h - 2 * border
        rh, rw = self.rig.image.shape[:2]
        sx, sy = iw / rw, ih / rh
        interp = cv2.INTER_AREA if sx < 1 else cv2.INTER_CUBIC
        image = cv2.resize(self.rig.image, (iw, ih), interpolation=interp)
        pts = self.rig.points * np.array([sx, sy])
        base = pygame.Surface((w + 2 * pad, h + 2 * pad), pygame.SRCALPHA)
        base.fill((0, 0, 0, 0))
        from avatar.face.raster import blur

        shadow = pygame.Surface(base.get_size(), pygame.SRCALPHA)
        shadow.fill((0, 0, 0, 0))
        pygame.draw.rect(shadow, (0, 0, 0, 150), (pad, pad + max(2, pad // 3), w, h))
        base.blit(blur(shadow, pad / 2), (0, 0))
        pygame.draw.rect(base, (*FRAME, 255), (pad, pad, w, h))
        photo = pygame.Surface((w, h))
        photo.fill(FRAME)
        photo.blit(pygame.image.frombuffer(np.ascontiguousarray(image).tobytes(), (iw, ih), "RGB"),
                   (border, border))
        fh = float(np.hypot(*(pts[152] - pts[10])))
        # An enlarged photo is soft: the drawn mouth matches it rather than looking pasted on.
        mouth = MouthRig(image, pts, softness_px=0.45 * max(0.0, min(sx, sy) - 1.0))
        eyes = [EyeRig(image, pts, 0), EyeRig(image, pts, 1)]
        brows = BrowRig(image, pts, eyes)
        cx = float(pts[[234, 454], 0].mean())
        face_cy = float(pts[[10, 152], 1].mean())
        boxes = [mouth.box, brows.box] + [e.box for e in eyes]
        x0 = max(0, min(min(b[0] for b in boxes), math.floor(cx - 0.95 * fh)))
        x1 = min(iw, max(max(b[2] for b in boxes), math.ceil(cx + 0.95 * fh)))
        y0 = 0
        y1 = min(ih, max(b[3] for b in boxes))
        head_box = (x0, y0, x1, y1)
        mask = self._head_mask(head_box, cx, face_cy, fh)
        rows = np.flatnonzero(mask.max(axis=1) > 0.004)
        cols = np.flatnonzero(mask.max(axis=0) > 0.004)
        motion = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)) \
            if rows.size and cols.size else (slice(0, 1), slice(0, 1))
        mask = np.ascontiguousarray(mask[motion])
        pivot = (float(pts[152, 0]) - x0, float(pts[152, 1]) + 0.15 * fh - y0)
        # The features' boxes in head-box pixels, in paste order; outside them and `motion` the head box
        # shows the still photo's own pixels.
        pasted = [(b[0] - x0, b[1] - y0, b[2] - x0, b[3] - y0)
                  for b in [brows.box] + [e.box for e in eyes] + [mouth.box]]
        moving = (slice(min([motion[0].start] + [b[1] for b in pasted]),
                        max([motion[0].stop] + [b[3] for b in pasted])),
                  slice(min([motion[1].start] + [b[0] for b in pasted]),
                        max([motion[1].stop] + [b[2] for b in pasted])))
        head = HeadCompositor(np.ascontiguousarray(image[y0:y1, x0:x1]), mask, motion, moving, pasted)
        px, py = pivot[0] - motion[1].start, pivot[1] - motion[0].start
        mh, mw = mask.shape
        return _Layout(size, base, photo, {}, (pad + border, pad + border), pad, head_box, head,
                       (px, py), HEAD_UNITS_PER_FACE * fh,
                       mouth, eyes, brows, BytesLru(MOUTH_BYTES, lambda patch: patch.nbytes), {}, {}, mask,
                       reach_px=max(1.0, max(math.hypot(x - px, y - py) for x in (0, mw) for y in (0, mh))))

    @staticmethod
    def _head_mask(box, cx: float, cy: float, fh: float) -> np.ndarray:
        """1 over the head, hair and chin, fading out over the neck and towards the box's edges."""
        import cv2

        x0, y0, x1, y1 = box
        xs = np.arange(x0, x1, dtype=np.float32)[None, :]
        ys = np.arange(y0, y1, dtype=np.float32)[:, None]
        ell = ((xs - cx) / (0.74 * fh)) ** 2 + ((ys - (cy - 0.18 * fh)) / (0.86 * fh)) ** 2
        mask = np.clip((1.0 - ell) / 0.22, 0.0, 1.0)
        # Zero at the box's border so the moved region always meets the still one.
        top = ys - y0 + (1e9 if y0 == 0 else 0.0)      # at the panel's top edge the hair may move
        edge = np.minimum(np.minimum(xs - x0, x1 - 1 - xs), np.minimum(top, y1 - 1 - ys))
        mask = mask * np.clip(edge / max(2.0, 0.04 * fh), 0.0, 1.0)
        return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(1.0, 0.03 * fh))

    # Patches ------------------------------------------------------------------------------------------

    def _mouth_patch(self, layout: _Layout, shape: MouthShape, level: int, smile_q: int) -> np.ndarray:
        key = (shape, level, smile_q)
        patch = layout.mouth_patches.get(key)
        if patch is None:
            patch = layout.mouth_patches.put(key, layout.mouth.render(shape, level / OPEN_LEVELS, smile_q * SMILE_STEP))
        return patch

    def _eye_patch(self, layout: _Layout, which: int, blink_q: int, gaze_q: int) -> np.ndarray:
        key = (which, blink_q, gaze_q)
        patch = layout.eye_patches.get(key)
        if patch is None:
            patch = layout.eye_patches[key] = layout.eyes[which].render(blink_q / BLINK_LEVELS,
                                                                          gaze_q / GAZE_LEVELS)
        return patch

    def _brow_patch(self, layout: _Layout, brow_q: int) -> np.ndarray:
        patch = layout.brow_patches.get(brow_q)
        if patch is None:
            patch = layout.brow_patches[brow_q] = layout.brows.render(brow_q / BROW_LEVELS)
        return patch

    # Drawing ------------------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
             state: FaceState) -> None:
        """Draw the portrait panel for `state` inside `rect` of `surface`."""
        self.draw_still(surface, rect, state)
        self.draw_moving(surface, rect, state)

    def still_key(self, size: tuple[int, int], state: FaceState) -> int:
        """The framed photo never changes for one rect size: every state has the same still layer."""
        return 0

    def draw_still(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
                   state: FaceState) -> None:
        """The shadow and the framed still photo."""
        panel = panel_rect(pygame.Rect(rect))
        if panel.w < 8 or panel.h < 8:
            return
        self._blit_still(surface, self._layout(panel.size), panel)

    def draw_moving(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
                    state: FaceState) -> pygame.Rect:
        """The head for `state` (features pasted, then moved) over the photo; returns the area drawn on."""
        rect = pygame.Rect(rect)
        panel = panel_rect(rect)
        if panel.w < 8 or panel.h < 8:
            return pygame.Rect(rect.topleft, (0, 0))
        layout = self._layout(panel.size)
        self.pose_pixels(layout, state)
        out = layout.head.move(self._matrix(layout, state))
        img = pygame.image.frombuffer(out, (out.shape[1], out.shape[0]), "RGB")
        return surface.blit(img, self._moving_rect(layout, panel).topleft)

    def i420_area(self, rect: pygame.Rect | tuple[int, int, int, int],
                  frame_size: tuple[int, int]) -> pygame.Rect | None:
        """Where `draw_i420` writes in a frame of `frame_size`: the area `draw_moving` draws on, widened
        to even edges (None: the head does not lie inside the frame)."""
        panel = panel_rect(pygame.Rect(rect))
        if panel.w < 8 or panel.h < 8:
            return None
        area = self._moving_rect(self._layout(panel.size), panel)
        x0, y0, x1, y1 = even_box(area.left, area.top, area.right, area.bottom)
        even = pygame.Rect(x0, y0, x1 - x0, y1 - y0)
        if not (pygame.Rect((0, 0), frame_size).contains(even) and panel.contains(even)):
            return None
        return even

    def draw_i420(self, frame: I420Frame, rect: pygame.Rect | tuple[int, int, int, int], state: FaceState) -> None:
        """Write what `draw_moving` draws for `state` straight into the yuv420p `frame`, over `i420_area`:
        the head composed in Y, U and V (`PlanarHead`), not drawn in RGB and converted."""
        rect = pygame.Rect(rect)
        area = self.i420_area(rect, frame.size)
        if area is None:
            raise ValueError("the photo's head does not lie inside the frame: draw it with draw_moving")
        panel = panel_rect(rect)
        layout = self._layout(panel.size)
        head = self._planar(layout, area.move(-panel.x, -panel.y))
        head.paste(self._patches(layout, state))
        for dst, src in zip(frame.planes((area.left, area.top, area.right, area.bottom)),
                            head.move(self._matrix(layout, state))):
            dst[...] = src

    def _planar(self, layout: _Layout, area: pygame.Rect) -> PlanarHead:
        """The yuv420p head over `area` (panel pixels), made once per area."""
        key = tuple(area)
        head = layout.planar.get(key)
        if head is None:
            if len(layout.planar) >= 4:
                layout.planar.pop(next(iter(layout.planar)))
            photo = pygame.surfarray.array3d(layout.photo).transpose(1, 0, 2)
            rgb = photo[area.top:area.bottom, area.left:area.right]
            border = layout.inner[0] - layout.pad
            origin = (area.x - border - layout.head_box[0], area.y - border - layout.head_box[1])
            head = layout.planar[key] = PlanarHead(rgb, origin, layout.mask, layout.head.motion, layout.head.boxes)
        return head

    @staticmethod
    def _moving_rect(layout: _Layout, panel: pygame.Rect) -> pygame.Rect:
        """The screen area of the head box's moving part for the panel at `panel`."""
        rows, cols = layout.head.moving
        border = layout.inner[0] - layout.pad
        return pygame.Rect(panel.x + border + layout.head_box[0] + cols.start,
                           panel.y + border + layout.head_box[1] + rows.start,
                           cols.stop - cols.start, rows.stop - rows.start)

    @staticmethod
    def _matrix(layout: _Layout, state: FaceState) -> np.ndarray:
        """The head's move for `state`: a roll about the chin, then a shift, in motion-area pixels, in
        steps of STEP_PX (equal for states that differ by less)."""
        import cv2

        tilt = max(-MAX_TILT_DEG, min(MAX_TILT_DEG, state.head_tilt_deg))
        roll_step_deg = math.degrees(STEP_PX / layout.reach_px)
        m = cv2.getRotationMatrix2D(layout.pivot, round(tilt / roll_step_deg) * roll_step_deg, 1.0)
        m[0, 2] += round(state.head_dx * layout.unit_px / STEP_PX) * STEP_PX
        m[1, 2] += round(state.head_dy * layout.unit_px / STEP_PX) * STEP_PX
        return m

    @staticmethod
    def _blit_still(surface: pygame.Surface, layout: _Layout, panel: pygame.Rect) -> None:
        """The shadow strips and the framed photo (in the target's own pixel format: a plain copy)."""
        pad = layout.pad
        bw, bh = layout.base.get_size()
        ox, oy = panel.x - pad, panel.y - pad
        for area in ((0, 0, bw, pad), (0, bh - pad, bw, pad), (0, pad, pad, bh - 2 * pad),
                     (bw - pad, pad, pad, bh - 2 * pad)):
            surface.blit(layout.base, (ox + area[0], oy + area[1]), area)
        key = (surface.get_bitsize(), surface.get_masks())
        photo = layout.photo_by_format.get(key)
        if photo is None:
            photo = layout.photo
            if not surface.get_flags() & pygame.SRCALPHA:
                photo = pygame.Surface(layout.photo.get_size(), 0, surface)
                photo.blit(layout.photo, (0, 0))
            layout.photo_by_format[key] = photo
        surface.blit(photo, panel.topleft)

    def pose_pixels(self, layout: _Layout, state: FaceState) -> np.ndarray:
        """The head region (before head motion) with the mouth, eyes and brows of `state` pasted in.

        The array is the layout's own work buffer: the next call overwrites it."""
        return layout.head.paste(self._patches(layout, state))

    def _patches(self, layout: _Layout, state: FaceState) -> list[np.ndarray]:
        """The brows, eyes and mouth patches for `state`, in the head's paste order."""
        amount = min(1.0, max(0.0, state.expression_amount))
        smile = _SMILE.get(state.expression, 0.0) * amount
        smile_q = round(smile / SMILE_STEP)
        level = round(min(1.0, max(0.0, state.mouth_open)) * OPEN_LEVELS)
        brow = max(-0.5, min(1.0, state.brow_raise + _BROW_EXPR.get(state.expression, 0.0) * amount))
        brow_q = round(brow * BROW_LEVELS)
        blink_q = round(min(1.0, max(0.0, state.blink)) * BLINK_LEVELS)
        gaze_q = round(max(-1.0, min(1.0, state.gaze_x)) * GAZE_LEVELS)
        return [self._brow_patch(layout, brow_q),
                self._eye_patch(layout, 0, blink_q, gaze_q),
                self._eye_patch(layout, 1, blink_q, gaze_q),
                self._mouth_patch(layout, state.mouth_shape, level, smile_q)]
