"""Draws the sample sprite pack (a cartoon presenter, nine Rhubarb mouths, blink frames) with pygame.

The pictures in assets/faces/sample-sprites/ were made by this module and are MIT like the project:
    python -m avatar.face.sprite_sample assets/faces/sample-sprites
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pygame

from avatar.face.raster import Point, bezier, ellipse, spline

SS = 4                           # drawn this many times larger, then shrunk: smooth edges
SIZE = (640, 720)                # the whole presenter, pixels
MOUTH_BOX = (160, 110)           # each mouth picture
MOUTH_AT = (320, 356)            # its centre on the base
BLINK_BOX = (220, 84)            # each blink picture
BLINK_AT = (320, 244)

INK = (46, 32, 36)
SKIN = (240, 196, 162)
SKIN_SHADE = (220, 166, 134)
CHEEK = (238, 160, 150)
HAIR = (74, 46, 38)
HAIR_LIGHT = (112, 74, 58)
JACKET = (36, 92, 118)
JACKET_SHADE = (26, 68, 90)
BLOUSE = (246, 244, 238)
BLOUSE_SHADE = (214, 214, 210)
IRIS = (70, 110, 84)
LIP = (200, 92, 92)
LIP_DARK = (164, 66, 70)
MOUTH = (92, 30, 40)
TONGUE = (226, 112, 116)
TEETH = (252, 252, 248)
WHITE = (255, 255, 255)
ACCENT = (232, 168, 48)

OUTLINE = 4.0                    # ink line width, pixels of the final picture


class Canvas:
    """A transparent supersampled surface addressed in final-picture pixels."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.surface = pygame.Surface((size[0] * SS, size[1] * SS), pygame.SRCALPHA)
        self.surface.fill((0, 0, 0, 0))

    def _px(self, points: Sequence[Point]) -> list[tuple[float, float]]:
        return [(x * SS, y * SS) for x, y in points]

    def fill(self, color: tuple[int, int, int], points: Sequence[Point]) -> None:
        if len(points) >= 3:
            pygame.draw.polygon(self.surface, color, self._px(points))

    def line(self, color: tuple[int, int, int], points: Sequence[Point], width: float = OUTLINE,
             closed: bool = False) -> None:
        """A stroke with round joins and ends."""
        pts = self._px(points)
        if closed:
            pts = pts + pts[:1]
        r = width * SS / 2
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            pygame.draw.line(self.surface, color, (x0, y0), (x1, y1), max(1, round(width * SS)))
        for x, y in pts:
            pygame.draw.circle(self.surface, color, (x, y), r)

    def shape(self, color: tuple[int, int, int], points: Sequence[Point], width: float = OUTLINE) -> None:
        """A filled shape with an ink outline."""
        self.fill(color, points)
        if width > 0:
            self.line(INK, points, width, closed=True)

    def finish(self) -> pygame.Surface:
        """The final-size picture (straight alpha, no dark fringes)."""
        small = pygame.transform.smoothscale(self.surface.premul_alpha(), self.size)
        rgb = pygame.surfarray.array3d(small).astype(np.float32)
        alpha = pygame.surfarray.array_alpha(small).astype(np.float32)
        safe = np.maximum(alpha, 1.0)[..., None]
        rgb = np.where(alpha[..., None] > 0, np.clip(rgb * 255.0 / safe, 0, 255), 0)
        out = pygame.Surface(self.size, pygame.SRCALPHA)
        pygame.surfarray.blit_array(out, rgb.astype(np.uint8))
        a = pygame.surfarray.pixels_alpha(out)
        a[...] = alpha.astype(np.uint8)
        del a
        return out


def _mirror(points: Sequence[Point], cx: float) -> list[Point]:
    return [(2 * cx - x, y) for x, y in points]


# The presenter --------------------------------------------------------------------------------

def draw_base() -> pygame.Surface:
    """Everything but the mouth: hair, face with open eyes, neck, blazer and blouse."""
    c = Canvas(SIZE)
    cx = 320.0
    # Hair behind the head: a bob down to the jaw.
    back = spline([(cx, 70), (cx + 150, 110), (cx + 178, 250), (cx + 168, 380), (cx + 120, 420),
                   (cx - 120, 420), (cx - 168, 380), (cx - 178, 250), (cx - 150, 110)], closed=True, n=10)
    c.shape(HAIR, back)
    # Neck and the shadow the chin casts on it.
    neck = [(cx - 46, 380), (cx + 46, 380), (cx + 50, 478), (cx - 50, 478)]
    c.shape(SKIN, neck)
    c.fill(SKIN_SHADE, spline([(cx - 48, 395), (cx + 48, 395), (cx + 48, 430), (cx, 444), (cx - 48, 430)],
                              closed=True, n=6))
    # Blazer and blouse.
    shoulders = spline([(cx - 60, 462), (cx - 170, 490), (cx - 250, 540), (cx - 282, 620), (cx - 292, 730)], n=8)
    c.shape(JACKET, shoulders + [(cx - 292, 740), (cx + 292, 740)] + _mirror(shoulders, cx)[::-1])
    for s in (-1, 1):                                                       # sleeves meet the front
        c.line(JACKET_SHADE, bezier((cx + s * 236, 560), (cx + s * 214, 600), (cx + s * 206, 660),
                                    (cx + s * 204, 730), 12), 5)
    blouse = [(cx - 70, 462), (cx + 70, 462), (cx + 26, 640), (cx - 26, 640)]
    c.shape(BLOUSE, blouse)
    c.fill(BLOUSE_SHADE, [(cx - 40, 470), (cx + 40, 470), (cx, 520)])
    c.shape(SKIN, [(cx - 46, 462), (cx + 46, 462), (cx, 548)], 0)        # the open neckline
    c.line(INK, [(cx - 46, 462), (cx, 548), (cx + 46, 462)], OUTLINE * 0.8)
    for s in (-1, 1):
        lapel = [(cx + s * 70, 462), (cx + s * 112, 470), (cx + s * 96, 540), (cx + s * 118, 560),
                 (cx + s * 26, 690)]
        c.shape(JACKET, lapel)
        c.line(JACKET_SHADE, [(cx + s * 104, 500), (cx + s * 60, 620)], 3)
    c.shape(ACCENT, ellipse(cx - 130, 560, 9, 9, 16), 3)                  # a lapel pin
    # Ears, then the face.
    for s in (-1, 1):
        c.shape(SKIN, ellipse(cx + s * 128, 262, 20, 32, 24))
        c.line(SKIN_SHADE, bezier((cx + s * 124, 248), (cx + s * 136, 252), (cx + s * 136, 274),
                                  (cx + s * 126, 280), 8), 3)
    face = spline([(cx, 112), (cx + 100, 132), (cx + 132, 210), (cx + 128, 300), (cx + 100, 372),
                   (cx + 48, 412), (cx, 422), (cx - 48, 412), (cx - 100, 372), (cx - 128, 300),
                   (cx - 132, 210), (cx - 100, 132)], closed=True, n=10)
    c.shape(SKIN, face)
    for s in (-1, 1):                                                       # rosy cheeks
        c.fill(CHEEK, ellipse(cx + s * 78, 318, 22, 12, 24))
        c.fill(SKIN, ellipse(cx + s * 78, 314, 18, 8, 24))
    # Fringe: two swept locks over the forehead.
    fringe = spline([(cx - 150, 250), (cx - 140, 130), (cx - 40, 78), (cx + 90, 84), (cx + 152, 150),
                     (cx + 156, 250), (cx + 132, 190), (cx + 60, 150), (cx - 10, 168), (cx - 70, 150),
                     (cx - 124, 186)], closed=True, n=10)
    c.shape(HAIR, fringe)
    c.line(HAIR_LIGHT, bezier((cx - 60, 100), (cx - 10, 88), (cx + 50, 92), (cx + 100, 118), 12), 5)
    c.line(HAIR_LIGHT, bezier((cx - 120, 170), (cx - 110, 130), (cx - 80, 112), (cx - 50, 106), 12), 4)
    # Brows.
    for s in (-1, 1):
        brow = bezier((cx + s * 28, 202), (cx + s * 44, 190), (cx + s * 68, 188), (cx + s * 86, 198), 12)
        c.line(HAIR, brow, 9)
    # Eyes.
    for s in (-1, 1):
        ex = cx + s * 52
        c.shape(WHITE, ellipse(ex, 246, 24, 28, 32), 3.5)
        c.fill(IRIS, ellipse(ex + 2, 250, 14, 15, 32))
        c.fill(INK, ellipse(ex + 2, 250, 7, 8, 24))
        c.fill(WHITE, ellipse(ex + 7, 243, 4.5, 4.5, 16))
        c.line(INK, bezier((ex - 26, 238), (ex - 14, 214), (ex + 14, 214), (ex + 26, 236), 12), 5)
        c.line(INK, [(ex + s * 24, 232), (ex + s * 32, 224)], 3.5)           # a lash at the outer corner
    # Nose.
    c.line(SKIN_SHADE, bezier((cx + 4, 268), (cx + 10, 290), (cx + 14, 304), (cx + 6, 312), 10), 4)
    c.line(INK, bezier((cx - 12, 314), (cx - 4, 320), (cx + 6, 320), (cx + 14, 312), 10), 3.5)
    return c.finish()


# Mouths -----------------------------------------------------------------------------------------

def _mouth_canvas() -> tuple[Canvas, float, float]:
    c = Canvas(MOUTH_BOX)
    return c, MOUTH_BOX[0] / 2, MOUTH_BOX[1] / 2 - 14


def _open_mouth(c: Canvas, outline: list[Point], fill_inside: Callable[[Canvas], None]) -> None:
    """Lips around an opening: the lip ring, the dark inside with its contents, the ink line."""
    c.fill(LIP, [(x, y) for x, y in outline])
    inner = _shrink(outline, 5.0)
    c.fill(MOUTH, inner)
    layer = Canvas(c.size)
    fill_inside(layer)
    clip = Canvas(c.size)
    clip.fill(WHITE, inner)
    layer.surface.blit(clip.surface, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
    c.surface.blit(layer.surface, (0, 0))
    c.line(LIP_DARK, inner, 2.5, closed=True)
    c.line(INK, outline, 3.5, closed=True)


def _shrink(points: Sequence[Point], by: float) -> list[Point]:
    mx = sum(p[0] for p in points) / len(points)
    my = sum(p[1] for p in points) / len(points)
    out = []
    for x, y in points:
        dx, dy = x - mx, y - my
        d = max(1e-6, (dx * dx + dy * dy) ** 0.5)
        k = max(0.0, d - by) / d
        out.append((mx + dx * k, my + dy * k))
    return out


def _lips_outline(cx: float, cy: float, half_w: float, up: float, down: float, corner_dy: float = 0.0,
                  round_: float = 0.5) -> list[Point]:
    """A closed mouth opening: upper curve left to right, lower curve back."""
    k = 0.55 * (1.0 - round_) + 0.9 * round_
    upper = bezier((cx - half_w, cy + corner_dy), (cx - half_w * k, cy - up), (cx + half_w * k, cy - up),
                   (cx + half_w, cy + corner_dy), 16)
    lower = bezier((cx + half_w, cy + corner_dy), (cx + half_w * k, cy + down), (cx - half_w * k, cy + down),
                   (cx - half_w, cy + corner_dy), 16)
    return upper + lower[1:-1]


def mouth_X() -> pygame.Surface:
    """Rest: lips closed and relaxed, a gentle smile."""
    c, cx, cy = _mouth_canvas()
    c.line(INK, bezier((cx - 34, cy - 3), (cx - 12, cy + 7), (cx + 12, cy + 7), (cx + 34, cy - 3), 16), 4)
    c.line(LIP, bezier((cx - 14, cy + 14), (cx - 5, cy + 18), (cx + 5, cy + 18), (cx + 14, cy + 14), 10), 4)
    return c.finish()


def mouth_A() -> pygame.Surface:
    """M, B, P: lips pressed together, a straight line with creased corners."""
    c, cx, cy = _mouth_canvas()
    c.fill(LIP, _lips_outline(cx, cy, 34, 5, 6, 0.0, 0.1))
    c.line(INK, [(cx - 36, cy), (cx + 36, cy)], 4.5)
    for s in (-1, 1):
        c.line(INK, [(cx + s * 38, cy - 6), (cx + s * 42, cy + 4)], 3)
    return c.finish()


def mouth_B() -> pygame.Surface:
    """Most consonants and EE: slightly open, teeth clenched."""
    c, cx, cy = _mouth_canvas()

    def inside(layer: Canvas) -> None:
        layer.fill(TEETH, [(cx - 40, cy - 20), (cx + 40, cy - 20), (cx + 40, cy + 20), (cx - 40, cy + 20)])
        layer.line(LIP_DARK, [(cx - 36, cy + 1), (cx + 36, cy + 1)], 2)
    _open_mouth(c, _lips_outline(cx, cy, 40, 15, 15, -2.0, 0.2), inside)
    return c.finish()


def mouth_C() -> pygame.Surface:
    """EH, AE: open, upper teeth and the tongue showing."""
    c, cx, cy = _mouth_canvas()

    def inside(layer: Canvas) -> None:
        layer.fill(TEETH, [(cx - 40, cy - 20), (cx + 40, cy - 20), (cx + 40, cy - 2), (cx - 40, cy - 2)])
        layer.line(LIP_DARK, [(cx - 40, cy - 1), (cx + 40, cy - 1)], 2)
        layer.fill(TONGUE, ellipse(cx, cy + 20, 24, 9, 24))
    _open_mouth(c, _lips_outline(cx, cy + 4, 40, 22, 26, -4.0, 0.5), inside)
    return c.finish()


def mouth_D() -> pygame.Surface:
    """AA: wide open."""
    c, cx, cy = _mouth_canvas()

    def inside(layer: Canvas) -> None:
        layer.fill(TEETH, [(cx - 46, cy - 24), (cx + 46, cy - 24), (cx + 46, cy - 2), (cx - 46, cy - 2)])
        layer.line(LIP_DARK, [(cx - 46, cy - 1), (cx + 46, cy - 1)], 2)
        layer.fill(TONGUE, ellipse(cx, cy + 38, 30, 13, 24))
    _open_mouth(c, _lips_outline(cx, cy + 10, 46, 32, 42, -6.0, 0.7), inside)
    return c.finish()


def mouth_E() -> pygame.Surface:
    """AO, ER: slightly rounded, narrower than C."""
    c, cx, cy = _mouth_canvas()

    def inside(layer: Canvas) -> None:
        layer.fill(TEETH, [(cx - 30, cy - 20), (cx + 30, cy - 20), (cx + 30, cy - 3), (cx - 30, cy - 3)])
        layer.line(LIP_DARK, [(cx - 30, cy - 2), (cx + 30, cy - 2)], 2)
        layer.fill(TONGUE, ellipse(cx, cy + 20, 16, 8, 24))
    _open_mouth(c, _lips_outline(cx, cy + 4, 27, 22, 24, 0.0, 1.0), inside)
    return c.finish()


def mouth_F() -> pygame.Surface:
    """UW, OW, W: puckered lips, a small round opening."""
    c, cx, cy = _mouth_canvas()
    outer = ellipse(cx, cy + 2, 20, 19, 32)
    c.shape(LIP, outer, 3.5)
    c.fill(MOUTH, ellipse(cx, cy + 2, 8, 8, 24))
    c.line(LIP_DARK, ellipse(cx, cy + 2, 8, 8, 24), 2.5, closed=True)
    for a in (-1, 1):                                      # pucker creases
        c.line(LIP_DARK, [(cx + a * 14, cy - 8), (cx + a * 11, cy - 3)], 2)
        c.line(LIP_DARK, [(cx + a * 14, cy + 12), (cx + a * 11, cy + 7)], 2)
    return c.finish()


def mouth_G() -> pygame.Surface:
    """F, V: upper teeth resting on the lower lip."""
    c, cx, cy = _mouth_canvas()
    c.fill(LIP, bezier((cx - 34, cy), (cx - 16, cy + 20), (cx + 16, cy + 20), (cx + 34, cy), 16))
    c.line(INK, bezier((cx - 34, cy), (cx - 16, cy + 20), (cx + 16, cy + 20), (cx + 34, cy), 16), 3.5)
    teeth = [(cx - 24, cy - 8), (cx + 24, cy - 8), (cx + 22, cy + 6), (cx - 22, cy + 6)]
    c.shape(TEETH, teeth, 3)
    c.line(INK, [(cx, cy - 7), (cx, cy + 5)], 2)
    c.line(INK, bezier((cx - 36, cy - 2), (cx - 20, cy - 12), (cx + 20, cy - 12), (cx + 36, cy - 2), 16), 4)
    return c.finish()


def mouth_H() -> pygame.Surface:
    """Long L: open, the tongue raised behind the upper teeth."""
    c, cx, cy = _mouth_canvas()

    def inside(layer: Canvas) -> None:
        layer.fill(TEETH, [(cx - 40, cy - 20), (cx + 40, cy - 20), (cx + 40, cy - 4), (cx - 40, cy - 4)])
        layer.fill(TONGUE, spline([(cx - 28, cy + 34), (cx - 20, cy + 6), (cx, cy - 5), (cx + 20, cy + 6),
                                   (cx + 28, cy + 34)], closed=True, n=8))
        layer.line(LIP_DARK, [(cx, cy + 6), (cx, cy + 20)], 2)
    _open_mouth(c, _lips_outline(cx, cy + 4, 38, 22, 24, -3.0, 0.55), inside)
    return c.finish()


MOUTHS: dict[str, Callable[[], pygame.Surface]] = {
    "A": mouth_A, "B": mouth_B, "C": mouth_C, "D": mouth_D, "E": mouth_E, "F": mouth_F, "G": mouth_G,
    "H": mouth_H, "X": mouth_X,
}


# Blinks ------------------------------------------------------------------------------------------

def _blink(closure: float) -> pygame.Surface:
    """Upper lids lowered over both eyes by `closure` (1: shut, with lashes)."""
    c = Canvas(BLINK_BOX)
    ox, oy = BLINK_BOX[0] / 2 - BLINK_AT[0], BLINK_BOX[1] / 2 - BLINK_AT[1]
    for s in (-1, 1):
        ex, ey = 320 + s * 52 + ox, 246 + oy
        top = ey - 30
        lid_y = ey - 28 + 56 * closure
        lid = bezier((ex - 27, ey - 2), (ex - 18, top - 4), (ex + 18, top - 4), (ex + 27, ey - 2), 12) + \
            bezier((ex + 27, ey - 2), (ex + 14, lid_y + 4), (ex - 14, lid_y + 4), (ex - 27, ey - 2), 12)
        if closure >= 1.0:
            lid = ellipse(ex, ey, 32, 34, 32)
            c.fill(SKIN, ellipse(ex + s * 29, ey - 19, 9, 9, 16))     # the open eye's corner lash
        c.fill(SKIN, lid)
        if closure >= 1.0:
            line = bezier((ex - 26, ey - 2), (ex - 12, ey + 10), (ex + 12, ey + 10), (ex + 26, ey - 2), 12)
            c.line(INK, line, 5)
            for k in (-1, 0, 1):                                     # lashes
                x = ex + k * 12 + s * 4
                c.line(INK, [(x, ey + 7), (x + k * 3 + s * 2, ey + 15)], 3)
        else:
            c.line(INK, bezier((ex - 27, ey - 4), (ex - 14, lid_y + 2), (ex + 14, lid_y + 2), (ex + 27, ey - 4), 12),
                   5)
    return c.finish()


def write_sample_pack(folder: Path) -> list[Path]:
    """Draw the sample pack into `folder` (made if missing); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    pictures = {"base": draw_base(), "blink": _blink(1.0), "blink-half": _blink(0.5)}
    pictures.update({f"mouth-{k}": f() for k, f in MOUTHS.items()})
    for name, surf in pictures.items():
        path = folder / f"{name}.png"
        pygame.image.save(surf, str(path))
        written.append(path)
    toml = folder / "face.toml"
    toml.write_text(
        "# The sample presenter, drawn by avatar.face.sprite_sample (MIT, like the project).\n"
        "base = \"base.png\"\n"
        "mouths = \"mouth-{shape}.png\"\n"
        f"mouth = [{MOUTH_AT[0]}, {MOUTH_AT[1]}]      # centre of each mouth picture, in base.png pixels\n"
        "blink = \"blink.png\"\n"
        "blink_half = \"blink-half.png\"\n"
        f"blink_at = [{BLINK_AT[0]}, {BLINK_AT[1]}]   # centre of the blink pictures\n",
        encoding="utf-8")
    written.append(toml)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("assets/faces/sample-sprites")
    for path in write_sample_pack(target):
        print(path)
