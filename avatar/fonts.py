"""Fonts for on-screen text: a readable system sans if one is installed, else pygame's bundled font."""

from __future__ import annotations

import pygame

# Tried in order; the first installed wins. pygame's own font (freesansbold) is always there.
SANS = ("dejavusans", "notosans", "liberationsans", "arial", "helveticaneue", "helvetica", "segoeui",
        "ubuntu", "cantarell", "verdana")
CJK = ("notosanscjksc", "notosanscjk", "notosanssc", "sourcehansanssc", "wenquanyizenhei", "wqyzenhei",
       "wenquanyimicrohei", "microsoftyahei", "simhei", "pingfangsc", "hiraginosansgb", "notosanscjkjp")


def needs_cjk(text: str) -> bool:
    """Whether `text` has CJK characters a Latin font would show as boxes."""
    return any(ord(ch) >= 0x2E80 for ch in text)


class FontBook:
    """Fonts by pixel height (ascender to descender), looked up once and kept.

    `use_system_fonts=False` always uses pygame's bundled font (identical output everywhere).
    """

    def __init__(self, *, use_system_fonts: bool = True) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._use_system = use_system_fonts
        self._paths: dict[tuple[str, bool], str | None] = {}
        self._fonts: dict[tuple[int, bool, bool], pygame.font.Font] = {}

    def _path(self, family: str, bold: bool) -> str | None:
        key = (family, bold)
        if key not in self._paths:
            found = None
            if self._use_system:
                names = CJK if family == "cjk" else SANS
                for name in names:
                    try:
                        found = pygame.font.match_font(name, bold=bold)
                    except Exception:      # a broken font registry must not stop the show
                        found = None
                    if found:
                        break
            self._paths[key] = found
        return self._paths[key]

    def font(self, height_px: int, bold: bool = False, text: str = "") -> pygame.font.Font:
        """A font whose line height is about `height_px`; one that can show CJK if `text` needs it."""
        height_px = max(6, int(height_px))
        cjk = needs_cjk(text)
        key = (height_px, bold, cjk)
        font = self._fonts.get(key)
        if font is None:
            path = self._path("cjk", bold) if cjk else None
            path = path or self._path("sans", bold)
            font = self._load(path, height_px)
            # pygame's bundled font is bold already; a regular system face is emboldened.
            if bold and path is not None and not self._path_is_bold(path):
                font.set_bold(True)
            self._fonts[key] = font
        return font

    @staticmethod
    def _path_is_bold(path: str) -> bool:
        return "bold" in path.lower()

    @staticmethod
    def _load(path: str | None, height_px: int) -> pygame.font.Font:
        try:
            font = pygame.font.Font(path, height_px)
        except (OSError, pygame.error):
            path = None
            font = pygame.font.Font(None, height_px)
        # Point size and pixel height differ per font; correct once so layouts are font-independent.
        actual = font.get_height()
        if actual > 0 and abs(actual - height_px) > 1:
            font = pygame.font.Font(path, max(4, round(height_px * height_px / actual)))
        return font
