"""The head's still parts (skin, shading, ears, nose, hair, eye sockets) drawn once per size and look."""

from __future__ import annotations

import pygame

from avatar.face.look import Look
from avatar.face.painter import Painter
from avatar.face.raster import (Color, Point, bezier, blend_poly, ellipse, mix, shade, spline, stroke, symmetric,
                                taper)

# Head units: head height (crown to chin) is 1; x right, y down; (0, 0) midway between the eyes.
HEAD_BOX = (-0.47, -0.66, 0.47, 0.56)

# Right half of the face outline, crown to chin.
_FACE_RIGHT: list[Point] = [
    (0.0, -0.50), (0.13, -0.49), (0.23, -0.452), (0.30, -0.385), (0.336, -0.29), (0.348, -0.18),
    (0.348, -0.07), (0.344, 0.03), (0.338, 0.11), (0.329, 0.185), (0.315, 0.25), (0.292, 0.315),
    (0.252, 0.385), (0.195, 0.44), (0.13, 0.478), (0.07, 0.497), (0.0, 0.503),
]


WIDTH = 0.935      # narrows the outlines above to adult proportions (face about 0.62 as wide as tall)


def _narrow(points: list[Point]) -> list[Point]:
    return [(x * WIDTH, y) for x, y in points]


def face_outline() -> list[Point]:
    """The skin silhouette of the head (without ears), closed."""
    return _narrow(spline(symmetric(_FACE_RIGHT), closed=True, n=8))


def _ear(side: int) -> list[Point]:
    s = side
    return _narrow(spline([(s * 0.318, -0.07), (s * 0.352, -0.095), (s * 0.385, -0.075), (s * 0.392, -0.02),
                   (s * 0.382, 0.05), (s * 0.368, 0.11), (s * 0.35, 0.165), (s * 0.326, 0.18),
                   (s * 0.31, 0.12)], closed=True, n=6))


def _ear_inner(side: int) -> list[Point]:
    s = side
    return _narrow(spline([(s * 0.336, -0.055), (s * 0.362, -0.066), (s * 0.374, -0.03), (s * 0.366, 0.04),
                   (s * 0.352, 0.10), (s * 0.336, 0.13), (s * 0.33, 0.06)], closed=True, n=6))


def _hair_side_part() -> tuple[list[Point], list[list[Point]]]:
    """Short hair parted on the viewer's left and combed across, tapered close at the sides."""
    outer = [(0.0, -0.6), (0.14, -0.592), (0.24, -0.56), (0.315, -0.492), (0.356, -0.395),
             (0.372, -0.28), (0.364, -0.17), (0.352, -0.08), (0.342, -0.02), (0.338, 0.03),
             (0.327, 0.03), (0.324, -0.06), (0.318, -0.14), (0.302, -0.21), (0.28, -0.258),
             (0.24, -0.285), (0.19, -0.302), (0.13, -0.322), (0.05, -0.338), (-0.04, -0.346),
             (-0.12, -0.338), (-0.19, -0.318), (-0.245, -0.29), (-0.282, -0.258), (-0.304, -0.21),
             (-0.318, -0.14), (-0.324, -0.06), (-0.327, 0.03), (-0.338, 0.03), (-0.342, -0.02),
             (-0.352, -0.08), (-0.364, -0.17), (-0.37, -0.28), (-0.356, -0.385), (-0.32, -0.465),
             (-0.26, -0.53), (-0.19, -0.568), (-0.14, -0.576), (-0.09, -0.59)]
    lines = [bezier((-0.14, -0.578), (-0.142, -0.52), (-0.15, -0.47), (-0.16, -0.43))]   # the parting
    for i in range(14):
        f = i / 13
        y0 = -0.575 + f * 0.2 + 0.008 * ((i * 7) % 3 - 1)
        lines.append(bezier((-0.13 - 0.03 * f + 0.02 * (i % 2), y0), (0.0, y0 + 0.01 - 0.02 * f),
                            (0.2, y0 + 0.06 - 0.01 * f), (0.34 - 0.07 * f * f, y0 + 0.2 + 0.02 * f)))
    for i in range(4):
        f = i / 3
        y0 = -0.55 + f * 0.14
        lines.append(bezier((-0.16, y0), (-0.24, y0 + 0.03), (-0.31, y0 + 0.1), (-0.345 + 0.02 * f, y0 + 0.25)))
    return spline(outer, closed=True, n=6), lines


def _hair_swept_back() -> tuple[list[Point], list[list[Point]]]:
    """Hair brushed up and back from a straight hairline, with volume on top and short sides."""
    outer = [(-0.03, -0.615), (0.1, -0.607), (0.21, -0.578), (0.29, -0.525), (0.342, -0.45),
             (0.362, -0.35), (0.362, -0.24), (0.352, -0.13), (0.342, -0.03), (0.336, 0.03),
             (0.322, 0.03), (0.318, -0.06), (0.31, -0.15), (0.292, -0.225), (0.25, -0.28),
             (0.17, -0.315), (0.08, -0.33), (0.0, -0.338), (-0.08, -0.33), (-0.17, -0.315),
             (-0.25, -0.28), (-0.292, -0.225), (-0.31, -0.15), (-0.318, -0.06), (-0.322, 0.03),
             (-0.336, 0.03), (-0.342, -0.03), (-0.352, -0.13), (-0.362, -0.24), (-0.362, -0.35),
             (-0.342, -0.45), (-0.29, -0.528), (-0.2, -0.582), (-0.11, -0.608)]
    lines = []
    for i in range(9):
        f = i / 8
        x = -0.22 + 0.44 * f
        # From the hairline up and back, leaning away from the centre as they go.
        lines.append(bezier((x, -0.33 + 0.06 * abs(x)), (x * 1.05, -0.42), (x * 1.2, -0.52),
                            (x * 1.5, -0.6 + 0.2 * x * x)))
    for s in (-1, 1):
        lines.append(bezier((s * 0.29, -0.2), (s * 0.33, -0.28), (s * 0.345, -0.36), (s * 0.33, -0.45)))
    return spline(outer, closed=True, n=6), lines


def _hair_crop() -> tuple[list[Point], list[list[Point]]]:
    """Close-cropped hair following the skull, with a straight hairline."""
    outer = [(0.0, -0.545), (0.17, -0.535), (0.27, -0.49), (0.335, -0.41), (0.355, -0.29),
             (0.352, -0.17), (0.344, -0.07), (0.334, 0.0), (0.318, 0.0), (0.312, -0.08),
             (0.305, -0.17), (0.285, -0.245), (0.2, -0.30), (0.09, -0.318), (0.0, -0.32),
             (-0.09, -0.318), (-0.2, -0.30), (-0.285, -0.245), (-0.305, -0.17), (-0.312, -0.08),
             (-0.318, 0.0), (-0.334, 0.0), (-0.344, -0.07), (-0.352, -0.17), (-0.355, -0.29),
             (-0.335, -0.41), (-0.27, -0.49), (-0.17, -0.535)]
    return spline(outer, closed=True, n=6), []


HAIR = {"side_part": _hair_side_part, "swept_back": _hair_swept_back, "crop": _hair_crop}


def build_head(look: Look, unit_px: float, ss: int) -> tuple[pygame.Surface, tuple[float, float]]:
    """The head without eyes, brows and mouth; returns the surface and where head (0, 0) is on it."""
    skin = look.skin
    dark = shade(skin, 0.76)
    deep = shade(skin, 0.66)
    light = mix(skin, (255, 244, 232), 0.35)
    warm = mix(skin, (206, 96, 88), 0.35)
    p = Painter(HEAD_BOX, unit_px, ss, fill=look.hair)

    # Ears sit behind the face outline.
    for s in (-1, 1):
        p.fill(shade(skin, 0.93), _ear(s))
        p.fill(shade(skin, 0.78), _ear_inner(s))
        lobe = spline([(s * 0.342, -0.05), (s * 0.36, -0.04), (s * 0.356, 0.06), (s * 0.342, 0.11),
                       (s * 0.338, 0.04)], closed=True, n=5)
        p.fill(mix(shade(skin, 0.9), warm, 0.3), _narrow(lobe))
    ear_mask = p.mask(_ear(1) + [(0.30, 0.2)])
    p.soft(deep, [(ellipse(0.31, 0.04, 0.03, 0.12), 0.9)], 0.02, ear_mask)
    ear_mask = p.mask(_ear(-1) + [(-0.30, 0.2)])
    p.soft(deep, [(ellipse(-0.31, 0.04, 0.025, 0.12), 0.6)], 0.02, ear_mask)

    face = face_outline()
    p.fill(skin, face)
    face_mask = p.mask(face)

    # Light from the upper left: the right side of the face turns away into shadow.
    p.soft(dark, [
        (spline([(0.22, -0.42), (0.37, -0.3), (0.37, 0.1), (0.31, 0.33), (0.16, 0.49), (0.0, 0.54),
                 (0.16, 0.43), (0.25, 0.25), (0.265, 0.05), (0.255, -0.2)], closed=True), 1.0),
        # Underside of the jaw turning away from the light.
        (stroke(bezier((-0.3, 0.3), (-0.2, 0.47), (0.2, 0.5), (0.31, 0.3), 16), 0.05), 0.5),
        (spline([(-0.36, -0.2), (-0.36, 0.1), (-0.31, 0.3), (-0.19, 0.45), (-0.05, 0.53), (-0.2, 0.49),
                 (-0.3, 0.34), (-0.34, 0.1)], closed=True), 0.55),
        # Hollows under the cheekbones, running from the ears towards the mouth corners.
        (spline([(0.3, 0.1), (0.25, 0.2), (0.17, 0.29), (0.2, 0.22), (0.27, 0.1)], closed=True), 0.45),
        (spline([(-0.3, 0.1), (-0.25, 0.2), (-0.17, 0.29), (-0.2, 0.22), (-0.27, 0.1)], closed=True), 0.3),
        (ellipse(0.0, 0.43, 0.075, 0.022), 0.45),                         # under the lower lip
        (ellipse(0.062, -0.03, 0.022, 0.04), 0.55),                       # beside the nose bridge
        (ellipse(-0.062, -0.03, 0.02, 0.04), 0.4),
        (ellipse(0.27, -0.2, 0.05, 0.09), 0.35),                          # temples
        (ellipse(-0.27, -0.2, 0.04, 0.08), 0.2),
    ], 0.03, face_mask)
    # Eye sockets: darker above and around the eyes.
    p.soft(mix(dark, warm, 0.2), [
        (ellipse(s * 0.14, -0.025, 0.09, 0.05, rot_deg=-s * 4), 0.5) for s in (-1, 1)
    ], 0.022, face_mask)
    p.soft(light, [
        (ellipse(-0.07, -0.31, 0.17, 0.07), 0.7),                          # forehead
        (ellipse(0.0, 0.03, 0.02, 0.12), 0.6),                             # nose bridge
        (ellipse(-0.21, 0.07, 0.07, 0.04, rot_deg=-15), 0.6),              # cheekbone
        (ellipse(0.18, 0.07, 0.05, 0.03, rot_deg=15), 0.3),
        (ellipse(-0.01, 0.465, 0.055, 0.022), 0.55),                       # chin
        (ellipse(0.0, 0.23, 0.03, 0.012), 0.3),                            # above the lip
    ], 0.03, face_mask)
    p.soft(warm, [
        (ellipse(-0.2, 0.15, 0.07, 0.05), 0.25), (ellipse(0.2, 0.15, 0.07, 0.05), 0.22),
        (ellipse(0.0, 0.175, 0.035, 0.028), 0.3),                          # nose tip
    ], 0.04, face_mask)

    _nose(p, skin, dark, deep, light, warm)
    _eye_sockets(p, skin, dark, deep)

    # Philtrum: two faint ridges from the nose to the lip.
    p.soft(dark, [(stroke([(s * 0.02, 0.215), (s * 0.024, 0.262)], 0.008), 0.35) for s in (-1, 1)],
           0.006, face_mask)
    # Beard shadow: a faint cool tone where a shaved face would have it.
    p.soft(mix(skin, (110, 110, 130), 0.5), [
        (spline([(-0.2, 0.33), (0.0, 0.36), (0.2, 0.33), (0.22, 0.38), (0.12, 0.48), (0.0, 0.51),
                 (-0.12, 0.48), (-0.22, 0.38)], closed=True), 0.14),
        (spline([(-0.09, 0.225), (0.0, 0.215), (0.09, 0.225), (0.1, 0.26), (0.0, 0.255),
                 (-0.1, 0.26)], closed=True), 0.14),
    ], 0.03, face_mask)

    _hair(p, look)
    surface = p.finish()
    return surface, p.origin_px


def _nose(p: Painter, skin: Color, dark: Color, deep: Color, light: Color, warm: Color) -> None:
    """The nose, told by light and shade rather than outlines."""
    # Side planes of the nose: the right one in shadow, down into the wing; shadow under the tip.
    p.soft(dark, [
        (stroke(bezier((0.03, -0.01), (0.04, 0.06), (0.05, 0.12), (0.07, 0.17), 10),
                taper(11, 0.012, 0.035)), 0.75),
        (stroke(bezier((-0.03, 0.0), (-0.04, 0.06), (-0.05, 0.12), (-0.066, 0.17), 10),
                taper(11, 0.008, 0.025)), 0.35),
        (ellipse(0.005, 0.218, 0.06, 0.017), 0.7),
    ], 0.012)
    for s in (-1, 1):
        wing = bezier((s * 0.04, 0.15), (s * 0.08, 0.148), (s * 0.083, 0.205), (s * 0.042, 0.212), 12)
        p.soft(deep, [(stroke(wing, taper(13, 0.002, 0.008, 0.002)), 0.6 if s > 0 else 0.45)], 0.003)
        p.soft(shade(skin, 0.42), [(ellipse(s * 0.03, 0.204, 0.015, 0.0065, rot_deg=s * 14), 0.85)], 0.0015)
    p.soft(light, [(ellipse(-0.01, 0.172, 0.02, 0.014), 0.8), (ellipse(-0.006, 0.07, 0.007, 0.06), 0.45)],
           0.008)


def _eye_sockets(p: Painter, skin: Color, dark: Color, deep: Color) -> None:
    for s in (-1, 1):
        # Upper lid crease, a soft line above where the lids open.
        crease = bezier((s * 0.075, -0.022), (s * 0.11, -0.062), (s * 0.18, -0.064), (s * 0.222, -0.03), 14)
        p.soft(deep, [(stroke(crease, taper(15, 0.003, 0.009, 0.003)), 0.55)], 0.005)
        # Lower lid fold and a hint of the tear trough.
        under = bezier((s * 0.085, 0.03), (s * 0.11, 0.052), (s * 0.19, 0.05), (s * 0.215, 0.02), 14)
        p.soft(dark, [(stroke(under, taper(15, 0.002, 0.007, 0.002)), 0.35)], 0.006)


def _hair(p: Painter, look: Look) -> None:
    """Hair over the skull: soft edge, shadow on the forehead, sheen, grey temples, comb lines."""
    hair_shape, lines = HAIR[look.hair_style]()
    hair_shape = _narrow(hair_shape)
    lines = [_narrow(line) for line in lines]
    hair = look.hair
    face_mask = p.mask(face_outline())
    # The hair stands off the forehead a little and shades the skin just below its edge.
    p.soft(shade(look.skin, 0.6), [(hair_shape, 0.55)], 0.018, face_mask)
    # Hair edges are never razor sharp: a soft fringe first, then the body of the hair.
    p.soft(hair, [(hair_shape, 0.9)], 0.003)
    p.fill(hair, hair_shape)
    mask = p.mask(hair_shape)
    sheen = mix(hair, (205, 205, 215), 0.2)
    p.soft(shade(hair, 0.6), [(ellipse(0.36, -0.2, 0.06, 0.25), 0.8), (ellipse(-0.36, -0.2, 0.05, 0.22), 0.6)],
           0.03, mask)
    p.soft(sheen, [(ellipse(-0.02, -0.52, 0.2, 0.045, rot_deg=8), 0.75),
                   (ellipse(0.25, -0.45, 0.07, 0.03, rot_deg=40), 0.4),
                   (ellipse(-0.27, -0.44, 0.05, 0.025, rot_deg=-50), 0.35)], 0.03, mask)
    if look.hair_grey > 0:
        grey = mix(hair, (170, 170, 172), 0.8)
        p.soft(grey, [(ellipse(s * 0.335, -0.08, 0.03, 0.12), look.hair_grey) for s in (-1, 1)], 0.02, mask)
    layer = pygame.Surface(p.surface.get_size(), pygame.SRCALPHA)
    layer.fill((*hair, 0))
    for i, line in enumerate(lines):
        # Alternate dark gaps and lit strands, faint, so the hair reads as combed, not striped.
        color = shade(hair, 0.55) if i % 2 == 0 else mix(hair, (190, 190, 200), 0.14)
        width = 0.0035 if i % 3 else 0.0055
        blend_poly(layer, color, 0.35 if i else 0.6, p.px(stroke(line, taper(len(line), 0.0005, width, 0.0005))))
    layer.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MULT)
    p.surface.blit(layer, (0, 0))
