"""A presenter from an artist's sprite pack: the base picture with the mouth and blink frames for `FaceState`.

Per rect size everything is scaled once; each mouth or blink frame is kept only as the small patch where
it differs from the picture at rest. A frame is then a few blits: the body, the head in horizontal bands
(sway and lean without resampling), the blink patch and the mouth patch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame

from avatar.face.base import clipped_to
from avatar.face.look import Look
from avatar.face.procedural import eye_line_px, head_unit_px
from avatar.face.sprite_pack import Overlay, SpritePack, load_sprite_pack
from avatar.face.state import FaceState
from avatar.lipsync.track import MouthShape

TOP_ABOVE_EYES = 0.55       # head units: the picture's top sits this far above the drawn presenter's eye line
FIT_HEIGHT = 2.15           # head units: default picture height (crown to the bottom of a 16:9 frame)
FIT_WIDTH = 2.5             # head units: widest picture (the drawn presenter's shoulders), at most the rect
MAX_LEAN_DEG = 2.0
NECK_GAP = 0.03             # head units the body band reaches up under the head (the neck stretches into it)
SWAY_RAMP = 0.25            # head units above the neck over which the sway grows to full
NECK_SEARCH = 0.5           # head units below the lowest mouth in which the neck seam is placed
OPEN_SHAPES = (MouthShape.C, MouthShape.D, MouthShape.H)
OPEN_STRETCH = 0.15         # an open mouth at full openness is drawn this much taller
OPEN_LEVELS = 4             # stretch steps cached per open shape
BLINK_HALF_AT = 0.3         # lid closure from which the half-closed frame shows
BLINK_CLOSED_AT = 0.7       # ...and the closed one (0.5 when there is no half frame)


@dataclass(frozen=True, eq=False)
class Patch:
    """Where one frame differs from the picture at rest, at screen size: `image` (premultiplied alpha,
    blit with BLEND_PREMULTIPLIED) goes at `pos` in the picture's pixels."""

    image: pygame.Surface
    pos: tuple[int, int]

    @property
    def bottom(self) -> int:
        return self.pos[1] + self.image.get_height()


@dataclass(eq=False)
class _Layout:
    """Everything cached for one rect size."""

    unit_px: float
    scale: float                          # screen px per pack px
    origin: tuple[int, int]               # the picture's top-left relative to the rect
    base: pygame.Surface                  # the picture at rest, screen size
    mouths: dict[MouthShape, Patch | None]
    stretched: dict[tuple[MouthShape, int], Patch]
    blink: Patch | None
    blink_half: Patch | None
    neck_y: int                           # rows above move with the head, rows below with the body
    strip: pygame.Surface | None          # the bottom row repeated: a bust continues to the frame's edge


def _patch(base: pygame.Surface, picture: pygame.Surface) -> Patch | None:
    """The part of `picture` that differs from `base` (same size), unchanged pixels made transparent."""
    a = pygame.surfarray.pixels2d(base)          # whole pixels as one integer each: one compare per pixel
    b = pygame.surfarray.pixels2d(picture)
    try:
        differs = a != b
        xs = np.flatnonzero(differs.any(axis=1))
        if len(xs) == 0:
            return None
        ys = np.flatnonzero(differs.any(axis=0))
        x0, x1, y0, y1 = int(xs[0]), int(xs[-1]) + 1, int(ys[0]), int(ys[-1]) + 1
        keep = differs[x0:x1, y0:y1].copy()
    finally:
        del a, b
    area = pygame.Rect(x0, y0, x1 - x0, y1 - y0)
    image = picture.subsurface(area).copy()
    alpha = pygame.surfarray.pixels_alpha(image)
    base_alpha = pygame.surfarray.pixels_alpha(base.subsurface(area))
    try:
        keep &= (alpha > 0) | (base_alpha > 0)      # two invisible pixels never differ
        if not keep.any():
            return None
        alpha[~keep] = 0            # pixels equal to the base add nothing (and never darken soft edges twice)
    finally:
        del alpha, base_alpha
    return Patch(image.premul_alpha(), (x0, y0))


def _stretched(base: pygame.Surface, picture: pygame.Surface, patch: Patch, factor: float) -> Patch | None:
    """The mouth of `picture` drawn `factor` times taller, its top row fixed: the jaw drops, the lip stays.

    The stretch is taken from the whole picture (not the patch), so nothing of the rest pose the mouth
    had covered (a closed lip line, a crease) shows through where the stretch has moved things down.
    """
    x0, y0 = patch.pos
    w, h = patch.image.get_size()
    tall = min(picture.get_height() - y0, max(h, round(h * factor)))
    stretched = pygame.transform.smoothscale(picture.subsurface(pygame.Rect(x0, y0, w, h)), (w, tall))
    area = pygame.Rect(x0, y0, w, tall)
    found = _patch(base.subsurface(area), stretched)
    if found is None:
        return None
    return Patch(found.image, (x0 + found.pos[0], y0 + found.pos[1]))


def _seam_row(base: pygame.Surface, lo: int, hi: int, reach: int) -> int:
    """The row in [lo, hi) where the picture changes least downwards over `reach` rows either side.

    Head and body move a few pixels apart there (the neck stretches or compresses), so the seam goes
    where rows repeat or overlap unnoticed: along a neck rather than across a chin or hair ends.
    """
    h = base.get_height()
    lo, hi = min(lo, h), min(hi, h)
    if hi - lo < 2:
        return lo
    rgb = pygame.surfarray.pixels3d(base)
    alpha = pygame.surfarray.pixels_alpha(base)
    try:
        a0, a1 = max(1, lo - reach), min(h, hi + reach)
        rows = np.concatenate([rgb[:, a0 - 1:a1].astype(np.int16),
                               alpha[:, a0 - 1:a1, None].astype(np.int16)], axis=2)
    finally:
        del rgb, alpha
    change = np.abs(np.diff(rows, axis=1)).sum(axis=(0, 2)).astype(np.float64)   # row a0+i vs the one above
    window = np.convolve(change, np.ones(2 * reach + 1), mode="same")
    candidates = window[lo - a0:hi - a0]
    return lo + int(np.argmin(candidates))


class SpriteFace:
    """Draws the presenter of the sprite pack in `folder`; the pack is checked when this is made."""

    def __init__(self, folder: Path, look: Look) -> None:
        self.folder = Path(folder)
        self.look = look
        self.pack: SpritePack = load_sprite_pack(self.folder)
        self._layouts: dict[tuple[int, int], _Layout] = {}

    def prepare(self, size: tuple[int, int]) -> None:
        """Scale the pack for a rect of `size` now rather than on the first draw."""
        self._get((int(size[0]), int(size[1])))

    # Layout -------------------------------------------------------------------------------

    def placement(self, size: tuple[int, int]) -> tuple[float, tuple[int, int], tuple[int, int]]:
        """Scale (screen px per pack px), the picture's top-left in the rect and its size on screen."""
        unit = head_unit_px(size)
        pw, ph = self.pack.size
        scale = min(FIT_HEIGHT * unit / ph, min(FIT_WIDTH * unit, size[0]) / pw) * self.pack.size_factor
        w, h = max(1, round(pw * scale)), max(1, round(ph * scale))
        top = eye_line_px(size) - TOP_ABOVE_EYES * unit
        return scale, (round((size[0] - w) / 2), round(top)), (w, h)

    def _screen(self, picture: pygame.Surface, size: tuple[int, int]) -> pygame.Surface:
        if picture.get_size() == size:
            return picture.copy()
        return pygame.transform.smoothscale(picture, size)

    def _overlay_patch(self, base: pygame.Surface, overlay: Overlay | None, size: tuple[int, int],
                       stretches: tuple[float, ...] = ()) -> tuple[Patch | None, list[Patch | None]]:
        """The patch of `overlay` and, for each factor in `stretches`, its mouth stretched that much taller."""
        if overlay is None:
            return None, [None] * len(stretches)
        picture = self._screen(self.pack.picture(overlay), size)
        patch = _patch(base, picture)
        if patch is None:
            return None, [None] * len(stretches)
        return patch, [_stretched(base, picture, patch, f) for f in stretches]

    def _get(self, size: tuple[int, int]) -> _Layout:
        layout = self._layouts.get(size)
        if layout is not None:
            return layout
        unit = head_unit_px(size)
        scale, origin, screen = self.placement(size)
        base = self._screen(self.pack.base, screen)
        mouths: dict[MouthShape, Patch | None] = {}
        stretched: dict[tuple[MouthShape, int], Patch] = {}
        factors = tuple(1.0 + OPEN_STRETCH * level / (OPEN_LEVELS - 1) for level in range(1, OPEN_LEVELS))
        by_overlay: dict[int, tuple[Patch | None, list[Patch | None]]] = {}
        for shape in sorted(self.pack.mouths, key=lambda s: s not in OPEN_SHAPES):
            overlay = self.pack.mouths[shape]
            if id(overlay) not in by_overlay:          # fallbacks share their stand-in's patches
                by_overlay[id(overlay)] = self._overlay_patch(base, overlay, screen,
                                                              factors if shape in OPEN_SHAPES else ())
            patch, taller = by_overlay[id(overlay)]
            mouths[shape] = patch
            if shape in OPEN_SHAPES:
                for level, p in enumerate(taller, start=1):
                    if p is not None:
                        stretched[(shape, level)] = p
        blink = self._overlay_patch(base, self.pack.blink, screen)[0]
        half = self._overlay_patch(base, self.pack.blink_half, screen)[0]
        # The neck: below the lowest (most stretched) mouth; what is above it moves with the head.
        lowest = max([p.bottom for p in list(mouths.values()) + list(stretched.values()) if p is not None],
                     default=round(screen[1] * 0.6))
        neck_y = _seam_row(base, lowest + math.ceil(NECK_GAP * unit) + 2, lowest + round(NECK_SEARCH * unit),
                           math.ceil(NECK_GAP * unit))
        strip = None
        alpha = pygame.surfarray.pixels_alpha(base)
        try:
            bottom_row_opaque = float((alpha[:, -1] > 200).mean())
        finally:
            del alpha
        if bottom_row_opaque > 0.3:
            row = base.subsurface(pygame.Rect(0, screen[1] - 1, screen[0], 1))
            strip = pygame.transform.scale(row, (screen[0], max(1, size[1])))
        layout = _Layout(unit, scale, origin, base, mouths, stretched, blink, half, neck_y, strip)
        if len(self._layouts) >= 4:        # a window resized many times must not hoard memory
            self._layouts.pop(next(iter(self._layouts)))
        self._layouts[size] = layout
        return layout

    # Drawing ------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, rect: pygame.Rect | tuple[int, int, int, int],
             state: FaceState) -> None:
        """Draw the presenter for `state` into `rect` of `surface` (nothing outside `rect`)."""
        rect = pygame.Rect(rect)
        with clipped_to(surface, rect) as visible:
            if visible:
                self._draw(surface, rect, self._get(rect.size), state)

    def _draw(self, surface: pygame.Surface, rect: pygame.Rect, layout: _Layout, state: FaceState) -> None:
        unit = layout.unit_px
        base = layout.base
        w, h = base.get_size()
        x0, y0 = rect.x + layout.origin[0], rect.y + layout.origin[1]
        breath = min(1.0, max(0.0, state.breath))
        body_dy = -round(breath * 0.008 * unit)
        head_dy = round(state.head_dy * unit)
        neck = layout.neck_y
        gap = min(neck, math.ceil(NECK_GAP * unit))
        # Body: from just above the neck down, moving only with the breath; a bust continues to the edge.
        if layout.strip is not None:
            top = y0 + h + body_dy - 1
            surface.blit(layout.strip, (x0, top), pygame.Rect(0, 0, w, max(0, rect.bottom - top)))
        if neck < h:
            surface.blit(base, (x0, y0 + neck - gap + body_dy), pygame.Rect(0, neck - gap, w, h - neck + gap))
        # Head: bands of rows shifted sideways (sway grows above the neck, lean grows with height).
        shifts = self._shifts(layout, state)
        start = 0
        for end in np.flatnonzero(np.diff(shifts)) + 1:
            surface.blit(base, (x0 + int(shifts[start]), y0 + start + head_dy),
                         pygame.Rect(0, start, w, int(end) - start))
            start = int(end)
        if start < neck:
            surface.blit(base, (x0 + int(shifts[start]), y0 + start + head_dy), pygame.Rect(0, start, w, neck - start))
        for patch in (self._blink_patch(layout, state.blink), self._mouth_patch(layout, state)):
            if patch is not None:
                row = min(len(shifts) - 1, max(0, patch.pos[1] + patch.image.get_height() // 2))
                dx = int(shifts[row]) if len(shifts) else 0
                surface.blit(patch.image, (x0 + patch.pos[0] + dx, y0 + patch.pos[1] + head_dy),
                             special_flags=pygame.BLEND_PREMULTIPLIED)

    def _shifts(self, layout: _Layout, state: FaceState) -> np.ndarray:
        """Whole-pixel sideways shift of every row above the neck."""
        neck = layout.neck_y
        unit = layout.unit_px
        above = neck - np.arange(neck, dtype=np.float32)            # rows above the neck, >= 1
        ramp = np.clip(above / (SWAY_RAMP * unit), 0.0, 1.0)
        ramp = ramp * ramp * (3.0 - 2.0 * ramp)
        lean = math.tan(math.radians(max(-MAX_LEAN_DEG, min(MAX_LEAN_DEG, state.head_tilt_deg))))
        # A positive roll turns the head counterclockwise on screen: its top goes left.
        shift = state.head_dx * unit * ramp - lean * above
        return np.rint(shift).astype(np.int32)

    def _blink_patch(self, layout: _Layout, blink: float) -> Patch | None:
        if layout.blink_half is not None:
            if blink >= BLINK_CLOSED_AT:
                return layout.blink
            return layout.blink_half if blink >= BLINK_HALF_AT else None
        return layout.blink if blink >= 0.5 else None

    def mouth_shape(self, state: FaceState) -> MouthShape:
        """The shape drawn for `state`: openness picks between open (C) and wide open (D)."""
        shape = state.mouth_shape
        if shape == MouthShape.C and state.mouth_open >= 0.85:
            return MouthShape.D
        if shape == MouthShape.D and state.mouth_open < 0.3:
            return MouthShape.C
        return shape

    def _mouth_patch(self, layout: _Layout, state: FaceState) -> Patch | None:
        shape = self.mouth_shape(state)
        if shape in OPEN_SHAPES:
            level = round(min(1.0, max(0.0, (state.mouth_open - 0.5) / 0.5)) * (OPEN_LEVELS - 1))
            if level > 0:
                stretched = layout.stretched.get((shape, level))
                if stretched is not None:
                    return stretched
        return layout.mouths[shape]
