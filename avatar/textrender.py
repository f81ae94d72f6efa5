"""Draws one line of mixed-script text: Latin runs in the Latin face, CJK runs in a CJK face, one baseline.

`RunFont` is the text renderer every piece of on-screen text goes through (it has the `render`,
`size` and `get_height` of a `pygame.font.Font`, so layouts need not care which script they show).
Its line box is the Latin font's, and the CJK face is sized to sit inside it, so a line of Chinese,
a line of English and a mixed line all have the same height and baseline: lines never jump.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

from avatar.textseg import has_cjk, is_cjk

# A CJK face's ideographs fill about one em (0.88 above the baseline, 0.12 below). At this share of
# the Latin line height they stand as tall as the Latin capitals and ascenders and fit in its box.
CJK_EM_SHARE = 0.86


@dataclass(frozen=True)
class CjkFace:
    """One face of a font file (a .ttc collection holds several; `index` picks one), any size."""

    path: str
    index: int
    name: str
    font: Any  # pygame.freetype.Font, sized per call


def open_face(path: str, prefer: tuple[str, ...] = ("SC", "GB", "CN", "Simplified")) -> CjkFace | None:
    """The face of `path` whose name says simplified Chinese (else the first), or None if unreadable."""
    import pygame.freetype as ft

    if not ft.get_init():
        ft.init()
    faces = []
    for index in range(32):  # a collection has a handful of faces; stop at the first missing one
        try:
            font = ft.Font(path, 0, font_index=index)
        except (OSError, pygame.error, ValueError, TypeError):
            break
        faces.append((index, font.name or "", font))
        if not path.lower().endswith((".ttc", ".otc")):
            break
    if not faces:
        return None
    words = lambda name: set(name.replace("-", " ").split())  # noqa: E731
    index, name, font = next((f for f in faces if words(f[1]) & set(prefer)), faces[0])
    font.origin = True      # render_to's position is the pen position on the baseline
    font.pad = False
    return CjkFace(path, index, name, font)


class RunFont:
    """A Latin `pygame.font.Font` plus an optional CJK face at a matching size."""

    def __init__(self, latin: pygame.font.Font, cjk: CjkFace | None, *, bold: bool = False) -> None:
        self.latin = latin
        self.cjk = cjk
        self.bold = bold
        self.em_px = max(4, round(CJK_EM_SHARE * latin.get_height()))
        self._advance: dict[str, float] = {}

    # pygame.font.Font's measuring methods -------------------------------------------------------
    def get_height(self) -> int:
        return self.latin.get_height()

    def get_linesize(self) -> int:
        return self.latin.get_linesize()

    def get_ascent(self) -> int:
        return self.latin.get_ascent()

    def get_descent(self) -> int:
        return self.latin.get_descent()

    def runs(self, text: str) -> list[tuple[bool, str]]:
        """`text` as (in_cjk_face, piece) runs; spaces go with the run they follow."""
        out: list[tuple[bool, str]] = []
        for ch in text:
            cjk = self.cjk is not None and is_cjk(ch)
            if out and (out[-1][0] == cjk or ch == " "):
                out[-1] = (out[-1][0], out[-1][1] + ch)
            else:
                out.append((cjk, ch))
        return out

    def _cjk_width(self, piece: str) -> int:
        assert self.cjk is not None
        total = 0.0
        for ch in piece:
            adv = self._advance.get(ch)
            if adv is None:
                metrics = self.cjk.font.get_metrics(ch, size=self.em_px)
                adv = float(metrics[0][4]) if metrics and metrics[0] else float(self.em_px)
                if self.bold:
                    adv += self.em_px / 36.0  # the emboldening widens each glyph by its strength
                self._advance[ch] = adv
            total += adv
        return round(total)

    def size(self, text: str) -> tuple[int, int]:
        if self.cjk is None or not has_cjk(text):
            return self.latin.size(text)
        width = sum(self._cjk_width(p) if cjk else self.latin.size(p)[0] for cjk, p in self.runs(text))
        return width, self.latin.get_height()

    # pygame.font.Font's drawing method ----------------------------------------------------------
    def render(self, text: str, antialias: bool, color, background=None) -> pygame.Surface:
        """The line on a transparent surface (or on `background`), all runs on the Latin baseline."""
        if self.cjk is None or not has_cjk(text):
            if background is None:
                return self.latin.render(text, antialias, color)
            return self.latin.render(text, antialias, color, background)
        import pygame.freetype as ft

        w, h = self.size(text)
        surf = pygame.Surface((max(1, w), h), pygame.SRCALPHA)
        surf.fill((*background[:3], 255) if background is not None else (0, 0, 0, 0))
        baseline = self.latin.get_ascent()
        x = 0
        face = self.cjk.font
        face.antialiased = bool(antialias)
        style = ft.STYLE_STRONG if self.bold else ft.STYLE_DEFAULT
        for cjk, piece in self.runs(text):
            if cjk:
                face.render_to(surf, (x, baseline), piece, fgcolor=color, style=style, size=self.em_px)
                x += self._cjk_width(piece)
            else:
                label = self.latin.render(piece, antialias, color)
                surf.blit(label, (x, 0))
                x += self.latin.size(piece)[0]
        return surf
