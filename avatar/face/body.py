"""Neck, shoulders, suit jacket, shirt collar and tie, drawn once per size and look."""

from __future__ import annotations

import pygame

from avatar.face.look import Look
from avatar.face.painter import Painter
from avatar.face.raster import Point, bezier, ellipse, mix, shade, spline, stroke, taper

BODY_TOP = 0.12          # head units; the neck starts hidden behind the jaw
BODY_HALF_WIDTH = 1.25
V_BOTTOM = 1.62          # where the lapels meet above the top button


def _neck() -> list[Point]:
    return [(-0.175, BODY_TOP), (0.175, BODY_TOP), (0.18, 0.42), (0.2, 0.6), (0.27, 0.74),
            (-0.27, 0.74), (-0.2, 0.6), (-0.18, 0.42)]


def _jacket_side(s: int, bottom: float) -> list[Point]:
    """One front of the jacket including its shoulder and sleeve, outer outline."""
    shoulder = spline([(s * 0.2, 0.585), (s * 0.46, 0.70), (s * 0.74, 0.78), (s * 0.93, 0.86),
                       (s * 1.04, 0.99), (s * 1.09, 1.2), (s * 1.11, 1.5)], n=8)
    return shoulder + [(s * 1.13, bottom + 0.05), (s * -0.02, bottom + 0.05), (s * -0.02, V_BOTTOM + 0.06),
                       *_v_edge(s)[::-1]]


def _v_edge(s: int) -> list[Point]:
    """The opening of the jacket from the neck down to where the lapels meet."""
    return bezier((s * 0.235, 0.64), (s * 0.2, 0.95), (s * 0.08, 1.35), (s * 0.015, V_BOTTOM), 16)


def _lapel(s: int) -> list[Point]:
    outer = bezier((s * 0.43, 0.935), (s * 0.33, 1.12), (s * 0.15, 1.42), (s * 0.015, V_BOTTOM), 14)
    collar = [(s * 0.2, 0.585), (s * 0.29, 0.64), (s * 0.355, 0.76), (s * 0.372, 0.865),
              (s * 0.35, 0.888)]
    return _v_edge(s)[::-1][:-1] + collar + outer


def _collar(s: int) -> list[Point]:
    # Band around the neck, then the front edge down to the pointed tip and back up outside.
    band = spline([(s * 0.03, 0.755), (s * 0.11, 0.66), (s * 0.185, 0.585), (s * 0.225, 0.6),
                   (s * 0.25, 0.68)], n=5)
    outside = bezier((s * 0.25, 0.68), (s * 0.235, 0.76), (s * 0.19, 0.85), (s * 0.13, 0.94), 8)
    front = bezier((s * 0.13, 0.94), (s * 0.1, 0.88), (s * 0.07, 0.82), (s * 0.03, 0.755), 8)
    return band + outside[1:] + front[1:-1]


def _tie_knot() -> list[Point]:
    return spline([(-0.05, 0.742), (0.0, 0.735), (0.05, 0.742), (0.04, 0.80), (0.03, 0.848),
                   (0.0, 0.855), (-0.03, 0.848), (-0.04, 0.80)], closed=True, n=5)


def _tie_blade(bottom: float) -> list[Point]:
    return [(-0.028, 0.84), (0.028, 0.84), (0.06, 1.1), (0.09, min(bottom, 1.6) + 0.4),
            (-0.09, min(bottom, 1.6) + 0.4), (-0.06, 1.1)]


def build_body(look: Look, unit_px: float, ss: int, bottom: float) -> tuple[pygame.Surface, tuple[float, float]]:
    """Everything below the head, down to `bottom` head units; returns the surface and head (0, 0) on it."""
    skin = look.skin
    suit = look.suit
    suit_light = mix(suit, (235, 238, 245), 0.13)
    suit_dark = shade(suit, 0.55)
    p = Painter((-BODY_HALF_WIDTH, BODY_TOP, BODY_HALF_WIDTH, bottom), unit_px, ss, fill=suit)

    neck = _neck()
    p.fill(shade(skin, 0.96), neck)
    neck_mask = p.mask(neck)
    p.soft(shade(skin, 0.62), [
        (spline([(-0.24, 0.2), (0.24, 0.2), (0.2, 0.46), (0.0, 0.56), (-0.2, 0.46)], closed=True), 0.95),
        (ellipse(0.17, 0.55, 0.05, 0.2), 0.5),
    ], 0.035, neck_mask)
    p.soft(mix(skin, (255, 240, 230), 0.25), [(ellipse(-0.08, 0.66, 0.06, 0.05), 0.4)], 0.03, neck_mask)

    # Shirt under everything else of the clothes.
    shirt = look.shirt
    # Open at the throat: between the collar wings the neck shows down to the tie knot.
    shirt_front = [(-0.2, 0.62), (-0.03, 0.75), (0.03, 0.75), (0.2, 0.62), (0.26, 0.7), (0.26, bottom + 0.05),
                   (-0.26, bottom + 0.05), (-0.26, 0.7)]
    p.fill(shirt, shirt_front)
    p.soft(shade(shirt, 0.72), [(ellipse(0.0, 0.82, 0.12, 0.06), 0.6),
                                (ellipse(0.08, 1.2, 0.09, 0.3), 0.4)], 0.03, p.mask(shirt_front))

    _tie(p, look, bottom)
    for s in (-1, 1):
        c = _collar(s)
        # The collar wing lifts off the shirt and casts a thin shadow below its edge.
        p.soft(shade(shirt, 0.6), [([(x + s * 0.006, y + 0.012) for x, y in c], 0.6)], 0.008, p.mask(shirt_front))
        p.fill(shirt if s < 0 else shade(shirt, 0.93), c)
        p.soft(shade(shirt, 0.72), [(ellipse(s * 0.2, 0.64, 0.04, 0.05), 0.6)], 0.008, p.mask(c))
        p.fill(shade(shirt, 0.7), stroke(c[4:] + c[:1], 0.0035), 0.8)
    p.fill(look.tie, _tie_knot())
    knot_mask = p.mask(_tie_knot())
    p.soft(shade(look.tie, 0.6), [(ellipse(0.02, 0.84, 0.06, 0.03), 0.8),
                                  (ellipse(0.05, 0.78, 0.02, 0.06), 0.5)], 0.012, knot_mask)
    p.soft(mix(look.tie, (255, 255, 255), 0.25), [(ellipse(-0.015, 0.765, 0.022, 0.014), 0.7)], 0.01, knot_mask)

    # Jacket fronts with shoulders, then lapels.
    jacket = []
    for s in (-1, 1):
        side = _jacket_side(s, bottom)
        jacket.append(side)
        p.fill(suit, side)
    jacket_mask = p.mask(jacket[0])
    jacket_mask.blit(p.mask(jacket[1]), (0, 0), special_flags=pygame.BLEND_RGBA_MAX)
    p.soft(suit_light, [
        (spline([(-0.3, 0.68), (-0.7, 0.76), (-0.98, 0.92), (-0.92, 1.05), (-0.6, 0.92), (-0.35, 0.82)],
                closed=True), 0.75),
        (spline([(0.35, 0.72), (0.7, 0.79), (0.95, 0.93), (0.9, 1.0), (0.6, 0.9)], closed=True), 0.3),
    ], 0.05, jacket_mask)
    p.soft(suit_dark, [
        (spline([(0.9, 1.0), (1.1, 1.1), (1.15, bottom), (0.82, bottom), (0.85, 1.3)], closed=True), 0.55),
        (spline([(-0.9, 1.1), (-1.1, 1.2), (-1.15, bottom), (-0.92, bottom), (-0.9, 1.4)], closed=True), 0.35),
        (ellipse(0.0, bottom, 0.5, 0.25), 0.35),
        (ellipse(0.2, 0.62, 0.12, 0.06), 0.7),          # under the jaw, behind the collar
        (ellipse(-0.2, 0.62, 0.1, 0.05), 0.5),
    ], 0.06, jacket_mask)
    for s in (-1, 1):
        lapel = _lapel(s)
        # The lapel casts a narrow shadow on the jacket beside it.
        edge = bezier((s * 0.43, 0.94), (s * 0.33, 1.12), (s * 0.15, 1.42), (s * 0.015, V_BOTTOM), 14)
        p.soft(suit_dark, [(stroke([(x + s * 0.012, y + 0.01) for x, y in edge], 0.03), 0.8)], 0.015, jacket_mask)
        p.fill(mix(suit, suit_light, 0.5 if s < 0 else 0.15), lapel)
        lapel_mask = p.mask(lapel)
        p.soft(suit_dark, [(stroke(_v_edge(s), 0.02), 0.5)], 0.01, lapel_mask)
        lit_edge = stroke([(x + s * 0.03, y) for x, y in _v_edge(s)[2:12]], 0.03)
        p.soft(suit_light, [(lit_edge, 0.35 if s < 0 else 0.15)], 0.02, lapel_mask)
        # Notch and gorge seam.
        p.fill(suit_dark, stroke([(s * 0.372, 0.865), (s * 0.35, 0.888), (s * 0.392, 0.905)], 0.008), 0.8)
        p.fill(suit_dark, stroke(bezier((s * 0.352, 0.887), (s * 0.3, 0.85), (s * 0.26, 0.8), (s * 0.23, 0.72), 8),
                                 0.004), 0.6)
        # Sleeve seam at the shoulder.
        p.fill(suit_dark, stroke(bezier((s * 0.9, 0.86), (s * 0.85, 1.0), (s * 0.86, 1.2), (s * 0.9, 1.45), 10),
                                 taper(11, 0.002, 0.006, 0.001)), 0.45)
    if bottom > 1.3:
        # Breast pocket welt on the wearer's left (viewer's right).
        welt = [(0.5, 1.36), (0.74, 1.33), (0.745, 1.355), (0.505, 1.385)]
        p.fill(suit_dark, stroke([(0.5, 1.385), (0.745, 1.355)], 0.006), 0.7)
        if look.pocket_square:
            p.fill(mix(look.shirt, look.tie, 0.15),
                   [(0.53, 1.37), (0.57, 1.31), (0.6, 1.345), (0.645, 1.3), (0.69, 1.34), (0.72, 1.355)])
        p.fill(mix(suit, suit_light, 0.5), welt, 0.5)
    for y in (1.78, 2.3):
        if y < bottom - 0.02:
            p.fill(shade(suit, 0.4), ellipse(0.0, y, 0.02, 0.02, 16))
            p.fill(mix(suit, suit_light, 0.5), ellipse(-0.004, y - 0.004, 0.012, 0.012, 12))
    return p.finish(), p.origin_px


def _tie(p: Painter, look: Look, bottom: float) -> None:
    blade = _tie_blade(bottom)
    p.fill(look.tie, blade)
    mask = p.mask(blade)
    if look.tie_stripe is not None:
        stripes = []
        for k in range(-6, 30):
            y0 = 0.8 + k * 0.07
            stripes.append(([(-0.2, y0), (0.2, y0 - 0.16), (0.2, y0 - 0.15), (-0.2, y0 + 0.01)], 0.8))
        p.soft(mix(look.tie, look.tie_stripe, 0.7), stripes, 0.002, mask)
    p.soft(shade(look.tie, 0.55), [(ellipse(0.0, 0.87, 0.05, 0.03), 0.9),
                                   (stroke([(0.05, 0.9), (0.09, 1.9)], 0.04), 0.4)], 0.012, mask)
    # The dimple under the knot.
    p.soft(shade(look.tie, 0.45), [(ellipse(0.0, 0.875, 0.008, 0.03), 0.8)], 0.006, mask)
