"""Fonts for on-screen text: a readable system sans if one is installed, else pygame's bundled font;
for Chinese a system CJK font if one is installed, else Noto Sans CJK from the `noto-cjk-sans-otc` wheel."""

from __future__ import annotations

import os

import pygame

from avatar.textrender import CjkFace, RunFont, open_face
from avatar.textseg import has_cjk

# Tried in order; the first installed wins. pygame's own font (freesansbold) is always there.
SANS = ("dejavusans", "notosans", "liberationsans", "arial", "helveticaneue", "helvetica", "segoeui",
        "ubuntu", "cantarell", "verdana")
CJK = ("notosanscjksc", "notosanscjk", "notosanssc", "sourcehansanssc", "wenquanyizenhei", "wqyzenhei",
       "wenquanyimicrohei", "microsoftyahei", "simhei", "pingfangsc", "hiraginosansgb", "notosanscjkjp")


def needs_cjk(text: str) -> bool:
    """Whether `text` has CJK characters a Latin font would show as boxes."""
    return has_cjk(text)


def bundled_cjk_path() -> str | None:
    """Noto Sans CJK (SIL OFL) as shipped by the `noto-cjk-sans-otc` wheel, if it is installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = str(noto_cjk_sans_otc.FONT_PATH)
    return path if os.path.isfile(path) else None


class FontBook:
    """Fonts by pixel height (ascender to descender), looked up once and kept.

    `use_system_fonts=False` always uses pygame's bundled font and the wheel's Noto Sans CJK
    (identical output everywhere). Every font it gives is a `RunFont`: CJK runs of a line are drawn
    in the CJK face, the rest in the Latin one.
    """

    def __init__(self, *, use_system_fonts: bool = True) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._use_system = use_system_fonts
        self._paths: dict[tuple[str, bool], str | None] = {}
        self._fonts: dict[tuple[int, bool], RunFont] = {}
        self._cjk: CjkFace | None | bool = False   # False: not looked up yet

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

    def cjk_face(self) -> CjkFace | None:
        """The face CJK text is drawn in: an installed system CJK font first, else the bundled one."""
        if self._cjk is False:
            face = None
            system = self._path("cjk", False)
            if system:
                face = open_face(system)
            if face is None:
                bundled = bundled_cjk_path()
                face = open_face(bundled) if bundled else None
            self._cjk = face
        return self._cjk  # type: ignore[return-value]

    def font(self, height_px: int, bold: bool = False, text: str = "") -> RunFont:
        """A font whose line height is about `height_px`; it draws Latin and CJK text alike.

        `text` is no longer needed (kept so older callers keep working)."""
        height_px = max(6, int(height_px))
        key = (height_px, bold)
        font = self._fonts.get(key)
        if font is None:
            path = self._path("sans", bold)
            latin = self._load(path, height_px)
            # pygame's bundled font is bold already; a regular system face is emboldened.
            if bold and path is not None and not self._path_is_bold(path):
                latin.set_bold(True)
            font = RunFont(latin, self.cjk_face(), bold=bold)
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
