"""The whole picture at one instant: background, slide, presenter, lower third, captions, title and kiosk box."""

from __future__ import annotations

import os
import unicodedata
from typing import TYPE_CHECKING, Callable, Hashable

import numpy as np
import pygame

from avatar.errors import ConfigError
from avatar.face.look import Look
from avatar.face.base import Face, FacePart, I420Face, LayeredFace, PartedFace
from avatar.face.procedural import eye_line_px, head_unit_px
from avatar.face.select import make_face
from avatar.face.raster import blur, mix, shade
from avatar.fonts import FontBook
from avatar.lru import Lru
from avatar.scene_listen import draw_listening
from avatar.scene_state import Caption, LowerThird, SceneState, TitleCard
from avatar.textseg import cjk_share, phrase_lines, tokens

if TYPE_CHECKING:
    from avatar.yuv import I420Frame

MAX_CAPTION_LINES = 3
CJK_CAPTION_LINES = 2    # Chinese: pages of two short lines, as in subtitles
CJK_LINE_CHARS = 20      # about this many Chinese characters a caption line
TRANSLATION = (214, 222, 236)
TEXT = (238, 240, 244)
SUBTLE = (196, 202, 214)
PANEL = (12, 15, 22)

def _format_key(surface: pygame.Surface) -> tuple:
    return (surface.get_bitsize(), surface.get_masks(), bool(surface.get_flags() & pygame.SRCALPHA))


def _rounded_panel(size: tuple[int, int], color: tuple[int, int, int], alpha: float,
                   radius: int) -> pygame.Surface:
    surf = pygame.Surface(size, pygame.SRCALPHA)
    surf.fill((*color, 0))
    pygame.draw.rect(surf, (*color, round(alpha * 255)), surf.get_rect(), border_radius=radius)
    return surf


def wrap_text(text: str, font: pygame.font.Font, max_width: int) -> list[tuple[int, int]]:
    """Greedy line breaks as (start, end) character spans of `text`; over-long words break anywhere.

    Lines break between tokens (avatar.textseg): at spaces, and between Chinese words, never inside
    a number or a Latin word, never before a closing mark such as "，"; Chinese lines end after a
    full stop or comma where the width allows."""
    if cjk_share(text) > 0.3:
        return phrase_lines(text, lambda s: font.size(s)[0], max_width)
    lines: list[tuple[int, int]] = []
    start = end = -1
    for a, b in tokens(text):
        if start < 0:
            start, end = a, b
        elif font.size(text[start:b])[0] <= max_width:
            end = b
            continue
        else:
            lines.append((start, end))
            start, end = a, b
        # A single token wider than the line (long URLs, CJK without spaces): split by characters.
        while font.size(text[start:end])[0] > max_width and end - start > 1:
            cut = start + 1
            while cut < end and font.size(text[start:cut + 1])[0] <= max_width:
                cut += 1
            lines.append((start, cut))
            start = cut
    if start >= 0:
        lines.append((start, end))
    return lines


_BACKDROP_BAND = 64      # columns of the backdrop worked out at a time


class Scene:
    """Composes one frame of `size` for a `look`; every cached piece is rebuilt only when its input changes.

    Call `prepare()` before a live show so the first frames are not slowed by building the caches.
    """

    def __init__(self, size: tuple[int, int], look: Look, *, show_captions: bool = True,
                 fonts: FontBook | None = None, face: Face | None = None) -> None:
        w, h = int(size[0]), int(size[1])
        if w < 64 or h < 64:
            raise ConfigError(f"frame size {w}x{h} is too small; use at least 64x64 (e.g. 1280x720)")
        self.size = (w, h)
        self.look = look
        self.show_captions = show_captions
        self.face = face if face is not None else make_face(look.face, look)   # drawn, photo or sprites
        self.fonts = fonts or FontBook()
        self.unit = min(w, h)                  # text and margins scale with the short side
        self.landscape = w >= h
        self._backgrounds: Lru[tuple, pygame.Surface] = Lru(4)
        self._slides: Lru[tuple, pygame.Surface] = Lru(8)
        self._texts: Lru[tuple, object] = Lru(256)
        self._titles: Lru[tuple, pygame.Surface] = Lru(2)
        self._mark: tuple | None = None     # the last `caption_mark`: what it was asked for, what it gave
        self._background_image: pygame.Surface | None | bool = False   # False: not loaded yet

    @property
    def face(self) -> Face:
        return self._face

    @face.setter
    def face(self, face: Face) -> None:
        self._face = face
        # Asked once: isinstance with a runtime-checkable Protocol costs a fifth of a millisecond.
        self._layered: LayeredFace | None = face if isinstance(face, LayeredFace) else None
        self._parted: PartedFace | None = face if isinstance(face, PartedFace) else None
        self._i420: I420Face | None = face if isinstance(face, I420Face) else None

    # Layout --------------------------------------------------------------------------------

    def avatar_rect(self, with_slide: bool) -> pygame.Rect:
        """Where the presenter is drawn; the same size with or without a slide so the face is built once."""
        w, h = self.size
        if self.landscape:
            rw = min(w, round(h * 1.1))
            rect = pygame.Rect((w - rw) // 2, 0, rw, h)
            if with_slide:
                unit = head_unit_px(rect.size)
                rect.centerx = round(w - max(1.05 * unit, 0.24 * w))
            return rect
        rect = pygame.Rect(0, round(h * 0.06), w, round(h * 0.94))
        if with_slide:
            rect.y = round(h * 0.3)
        return rect

    def slide_rect(self) -> pygame.Rect:
        """The area a slide may fill (the image keeps its aspect ratio inside it)."""
        w, h = self.size
        if self.landscape:
            avatar = self.avatar_rect(True)
            unit = head_unit_px(avatar.size)
            right = avatar.centerx - round(0.95 * unit)
            left = round(0.04 * w)
            return pygame.Rect(left, round(0.08 * h), max(16, right - left), round(0.6 * h))
        return pygame.Rect(round(0.05 * w), round(0.04 * h), round(0.9 * w), round(0.3 * h))

    def caption_px(self) -> int:
        """Caption text height: about 4% of a landscape frame's height."""
        return max(12, round(0.042 * self.unit))

    def prepare(self, surface: pygame.Surface | None = None) -> None:
        """Build the presenter, backgrounds and fonts for both layouts now (pass the target surface)."""
        target = surface or pygame.Surface(self.size)
        for with_slide in (False, True):
            self.face.prepare(self.avatar_rect(with_slide).size)
            self._background(target, with_slide, None)
        self._caption_layout("Ready.")         # the first font lookup scans the system's fonts
        self.fonts.font(round(0.052 * self.unit), bold=True)

    def keep_built(self) -> None:
        """Keep what the presenter built in this run (the drawn presenter's feature poses) on disk for
        the next; a face with nothing to keep does nothing."""
        keep = getattr(self.face, "keep_built", None)
        if keep is not None:
            keep()

    # Drawing -------------------------------------------------------------------------------

    def draw(self, surface: pygame.Surface, state: SceneState) -> None:
        """Draw the frame for `state` over the whole of `surface` (which must be `size`)."""
        if self.still_key(surface, state) is None:
            surface.blit(self._title_card(surface, state.title), (0, 0))    # covers everything: skip the rest
            return
        self.draw_still(surface, state)
        self.draw_moving(surface, state)

    def still_key(self, surface: pygame.Surface, state: SceneState) -> Hashable | None:
        """What `draw_still` depends on: equal keys, equal pixels. None when a title card covers the frame."""
        if surface.get_size() != self.size:
            raise ValueError(f"surface is {surface.get_size()}, scene is {self.size}")
        title = state.title
        if title is not None and title.opacity >= 0.999:
            return None
        with_slide = bool(state.slide_path)
        face = None
        if self._layered is not None:
            face = self._layered.still_key(self.avatar_rect(with_slide).size, state.face)
        return (_format_key(surface), with_slide, state.slide_path, face)

    def still_change(self, old_key: Hashable, new_key: Hashable, state: SceneState) -> pygame.Rect | None:
        """Where the still layer of `new_key` (for `state`) may differ from that of `old_key`: within the
        presenter's rect when only the face's still layer changed (a layered face draws nothing
        outside it; one that lists its parts says where), None when the background or slide did."""
        if not (isinstance(old_key, tuple) and isinstance(new_key, tuple)) or old_key[:3] != new_key[:3]:
            return None
        rect = self.avatar_rect(bool(state.slide_path))
        if self._parted is not None:
            rect = self._parted.still_change(rect, old_key[3], new_key[3])
        return rect.clip(pygame.Rect((0, 0), self.size))

    def draw_still(self, surface: pygame.Surface, state: SceneState) -> None:
        """The parts that change seldom: background, slide and the face's still layer (within the clip)."""
        with_slide = bool(state.slide_path)
        surface.blit(self._background(surface, with_slide, state.slide_path), (0, 0))
        if self._layered is not None:
            self._layered.draw_still(surface, self.avatar_rect(with_slide), state.face)

    def face_parts(self, surface: pygame.Surface, state: SceneState) -> frozenset[FacePart] | None:
        """The parts the face will draw for `state` (None: a face that cannot say; see `PartedFace`)."""
        if self._parted is None:
            return None
        return self._parted.moving_parts(surface, self.avatar_rect(bool(state.slide_path)), state.face)

    def face_i420(self, surface: pygame.Surface,
                  state: SceneState) -> tuple[pygame.Rect, Callable[[I420Frame], None]] | None:
        """Where the face can write its moving part straight into a yuv420p frame, and the call that
        does it (`I420Face`); None when it cannot (another kind of face, or one partly off the frame)."""
        if self._i420 is None:
            return None
        face, rect = self._i420, self.avatar_rect(bool(state.slide_path))
        area = face.i420_area(rect, surface.get_size())
        if area is None:
            return None
        return area, lambda frame: face.draw_i420(frame, rect, state.face)

    def draw_face_parts(self, surface: pygame.Surface, state: SceneState) -> None:
        """Only the face's moving parts, within the clip: for a repaint that knows nothing else there
        changed (a face that cannot list its parts draws nothing)."""
        if self._parted is not None:
            self._parted.draw_moving(surface, self.avatar_rect(bool(state.slide_path)), state.face)

    def draw_moving(self, surface: pygame.Surface, state: SceneState) -> list[pygame.Rect]:
        """Everything over the still layer: the (rest of the) face, captions, lower third, kiosk lines
        and a fading title card; returns the areas drawn on, the face's first."""
        rect = self.avatar_rect(bool(state.slide_path))
        if self._layered is not None:
            face = self._layered.draw_moving(surface, rect, state.face)
        else:
            self.face.draw(surface, rect, state.face)
            face = rect.clip(surface.get_rect())   # a face draws nothing outside its rect
        return [face, *self.draw_overlay(surface, state)]

    def draw_overlay(self, surface: pygame.Surface, state: SceneState) -> list[pygame.Rect]:
        """The moving parts over the face: captions, lower third, kiosk lines and a fading title card;
        returns the areas drawn on."""
        touched: list[pygame.Rect] = []
        bottom = self.size[1] - round(0.03 * self.unit)
        if state.hint:
            bottom = self._draw_hint(surface, state.hint, bottom, touched)
        if state.input_text is not None:
            bottom = self._draw_input(surface, state.input_text, state.cursor_on, bottom, touched)
        if state.listening is not None:
            below = bottom
            bottom = draw_listening(surface, state.listening, unit=self.unit, fonts=self.fonts,
                                    accent=self.look.accent, t_s=state.t_s, bottom=bottom)
            touched.append(pygame.Rect(0, bottom, self.size[0], below - bottom))
        caption_top = bottom
        if self.show_captions and state.caption is not None and state.caption.text.strip():
            caption_top = self._draw_caption(surface, state.caption, bottom, touched)
        if state.lower_third is not None and state.lower_third.opacity > 0.001:
            # A fixed place above the tallest caption, so it never jumps as captions change.
            reserve = 0
            if self.show_captions:
                reserve = round(MAX_CAPTION_LINES * 1.2 * self.caption_px() + 0.03 * self.unit)
            lower_bottom = min(caption_top, bottom - reserve) - round(0.025 * self.unit)
            touched.append(self._draw_lower_third(surface, state.lower_third, lower_bottom))
        title = state.title
        if title is not None and title.opacity > 0.001:
            card = self._title_card(surface, title)
            card.set_alpha(round(title.opacity * 255))
            touched.append(surface.blit(card, (0, 0)))
            card.set_alpha(None)
        return touched

    # Background and slide --------------------------------------------------------------------

    def _background(self, target: pygame.Surface, with_slide: bool, slide_path: str | None) -> pygame.Surface:
        key = (_format_key(target), with_slide, slide_path)
        cached = self._backgrounds.get(key)
        if cached is not None:
            return cached
        surf = pygame.Surface(self.size, 0, target) if not (target.get_flags() & pygame.SRCALPHA) \
            else pygame.Surface(self.size)
        surf.blit(self._backdrop(with_slide), (0, 0))
        if slide_path:
            panel = self._slide_panel(slide_path)
            rect = self.slide_rect()
            surf.blit(panel, (rect.centerx - panel.get_width() // 2, rect.centery - panel.get_height() // 2))
        return self._backgrounds.put(key, surf)

    def _backdrop(self, with_slide: bool) -> pygame.Surface:
        """The look's background image (cover-scaled), or its gradient with a soft light behind the head."""
        image = self._load_background_image()
        if image is not None:
            return image
        w, h = self.size
        top = np.array(self.look.background_top, np.float32)
        bottom = np.array(self.look.background_bottom, np.float32)
        t = np.linspace(0.0, 1.0, h, dtype=np.float32)
        avatar = self.avatar_rect(with_slide)
        cx, cy = avatar.centerx, avatar.y + eye_line_px(avatar.size)
        xs = np.arange(w, dtype=np.float32)
        ys = np.arange(h, dtype=np.float32)
        # A soft light behind the head (exp(-r^2) of an ellipse: one row times one column) and a vignette,
        # as a gain and an offset per pixel; then each colour is its gradient row times the gain, plus the
        # offset (a channel at a time: whole-frame RGB float arrays cost more than the picture is worth).
        # In bands of columns small enough to stay in the processor's cache (whole-frame float arrays
        # cost more in first touches than in arithmetic), each step in place; the noise comes from one
        # generator in the same order, so the picture does not depend on the band width.
        rng = np.random.default_rng(7)
        rows = [top[c] * (1.0 - t) + bottom[c] * t for c in range(3)]     # each colour's gradient
        light_y = np.exp(-((ys - cy) / (0.65 * self.unit)) ** 2)
        edge_y = ((ys[None, :] - h / 2) / h) ** 2
        surface = pygame.Surface((w, h), 0, 32)
        pixels = pygame.surfarray.pixels3d(surface)
        for x0 in range(0, w, _BACKDROP_BAND):
            x = xs[x0:x0 + _BACKDROP_BAND]
            glow = np.outer(np.exp(-((x - cx) / (0.55 * self.unit)) ** 2), light_y)
            darken = np.sqrt(((x[:, None] - w / 2) / w) ** 2 + edge_y)      # the vignette
            darken -= 0.25
            np.clip(darken, 0.0, 1.0, out=darken)
            darken *= 0.35
            np.subtract(1.0, darken, out=darken)
            gain = np.multiply(glow, 0.35)
            gain += 1.0
            gain *= darken
            offset = glow
            offset *= 10.0
            offset *= darken
            # A little noise stops the wide gradient from banding into visible steps.
            noise = rng.random((len(x), h), dtype=np.float32)
            noise *= 2.0
            noise -= 1.0
            offset += noise
            channel = noise                        # reused for each colour in turn
            for c in range(3):
                np.multiply(gain, rows[c][None, :], out=channel)
                channel += offset
                pixels[x0:x0 + len(x), :, c] = np.clip(channel, 0, 255, out=channel)
        del pixels                                 # the view locks the surface
        return surface

    def _load_background_image(self) -> pygame.Surface | None:
        if self._background_image is False:
            self._background_image = None
            path = self.look.background_image
            if path:
                img = _load_image(path)
                if img is not None:
                    self._background_image = _cover(img, self.size)
        return self._background_image  # type: ignore[return-value]

    def _slide_panel(self, path: str) -> pygame.Surface:
        """The slide fitted into the slide area with a frame and drop shadow (or a neutral placeholder)."""
        area = self.slide_rect()
        key = (path, area.size)
        cached = self._slides.get(key)
        if cached is not None:
            return cached
        border = max(2, round(0.004 * self.unit))
        pad = max(4, round(0.02 * self.unit))
        img = _load_image(path)
        inner_w, inner_h = area.w - 2 * pad - 2 * border, area.h - 2 * pad - 2 * border
        if img is not None and img.get_width() > 0 and img.get_height() > 0:
            scale = min(inner_w / img.get_width(), inner_h / img.get_height())
            size = (max(1, round(img.get_width() * scale)), max(1, round(img.get_height() * scale)))
            content = pygame.transform.smoothscale(img, size)
        else:
            content = self._placeholder((inner_w, round(min(inner_h, inner_w * 9 / 16))), path)
        cw, ch = content.get_size()
        panel = pygame.Surface((cw + 2 * border + 2 * pad, ch + 2 * border + 2 * pad), pygame.SRCALPHA)
        panel.fill((0, 0, 0, 0))
        shadow = pygame.Surface(panel.get_size(), pygame.SRCALPHA)
        shadow.fill((0, 0, 0, 0))
        offset = max(2, pad // 3)
        pygame.draw.rect(shadow, (0, 0, 0, 150), (pad, pad + offset, cw + 2 * border, ch + 2 * border))
        panel.blit(blur(shadow, pad / 2), (0, 0))
        pygame.draw.rect(panel, (236, 238, 242, 255), (pad, pad, cw + 2 * border, ch + 2 * border))
        panel.blit(content, (pad + border, pad + border))
        return self._slides.put(key, panel)

    def _placeholder(self, size: tuple[int, int], path: str) -> pygame.Surface:
        w, h = max(16, size[0]), max(16, size[1])
        surf = pygame.Surface((w, h))
        surf.fill((58, 62, 70))
        # A simple picture icon: frame, hill and sun.
        s = min(w, h) * 0.22
        cx, cy = w / 2, h * 0.42
        pygame.draw.rect(surf, (120, 126, 138), (cx - s, cy - s * 0.7, 2 * s, 1.4 * s), max(2, round(s * 0.06)))
        pygame.draw.polygon(surf, (120, 126, 138), [(cx - s * 0.8, cy + s * 0.55), (cx - s * 0.2, cy - s * 0.15),
                                                     (cx + s * 0.25, cy + s * 0.3), (cx + s * 0.45, cy + s * 0.1),
                                                     (cx + s * 0.8, cy + s * 0.55)])
        pygame.draw.circle(surf, (120, 126, 138), (round(cx + s * 0.45), round(cy - s * 0.3)),
                           max(2, round(s * 0.15)))
        font = self.fonts.font(round(0.03 * self.unit))
        label = font.render(f"slide not available: {os.path.basename(path)}", True, (190, 196, 206))
        label = _fit(label, w - 8)
        surf.blit(label, ((w - label.get_width()) // 2, round(cy + s * 0.9)))
        return surf

    # Lower third ------------------------------------------------------------------------------

    def _draw_lower_third(self, surface: pygame.Surface, lower: LowerThird, bottom: int) -> pygame.Rect:
        key = ("lower", lower.name, lower.role)
        panel = self._texts.get(key)
        if panel is None:
            panel = self._texts.put(key, self._lower_third_panel(lower))
        assert isinstance(panel, pygame.Surface)
        x = round(0.045 * self.size[0])
        panel.set_alpha(round(min(1.0, lower.opacity) * 255))
        drawn = surface.blit(panel, (x, bottom - panel.get_height()))
        panel.set_alpha(None)
        return drawn

    def _lower_third_panel(self, lower: LowerThird) -> pygame.Surface:
        u = self.unit
        name_font = self.fonts.font(round(0.052 * u), bold=True, text=lower.name)
        role_font = self.fonts.font(round(0.032 * u), text=lower.role)
        max_w = round(0.8 * self.size[0])
        name = _fit(name_font.render(lower.name, True, TEXT), max_w)
        role = _fit(role_font.render(lower.role, True, SUBTLE), max_w) if lower.role else None
        bar = max(3, round(0.009 * u))
        pad_x, pad_y = round(0.022 * u), round(0.014 * u)
        text_w = max(name.get_width(), role.get_width() if role else 0)
        text_h = name.get_height() + (role.get_height() + round(0.004 * u) if role else 0)
        w, h = bar + 2 * pad_x + text_w, text_h + 2 * pad_y
        panel = pygame.Surface((w, h), pygame.SRCALPHA)
        panel.fill((*PANEL, 0))
        pygame.draw.rect(panel, (*PANEL, 200), (0, 0, w, h), border_top_right_radius=round(0.01 * u),
                         border_bottom_right_radius=round(0.01 * u))
        pygame.draw.rect(panel, (*self.look.accent, 255), (0, 0, bar, h))
        panel.blit(name, (bar + pad_x, pad_y))
        if role:
            panel.blit(role, (bar + pad_x, pad_y + name.get_height() + round(0.004 * u)))
        return panel

    # Captions ------------------------------------------------------------------------------

    def _caption_layout(self, text: str) -> tuple[pygame.font.Font, list[tuple[int, int]]]:
        """Font and lines for a caption: shrink the text (to 75%) before using more than 3 lines."""
        key = ("layout", text)
        cached = self._texts.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        max_w = round((0.86 if self.landscape else 0.9) * self.size[0])
        px = self.caption_px()
        cjk = cjk_share(text) > 0.3
        for scale in (1.0, 0.9, 0.82, 0.75):
            font = self.fonts.font(round(px * scale), text=text)
            # Chinese reads best in short lines, about 20 characters, two at a time.
            width = min(max_w, CJK_LINE_CHARS * font.size("中")[0]) if cjk else max_w
            lines = wrap_text(text, font, width)
            if len(lines) <= self._page_lines(text):
                break
        return self._texts.put(key, (font, lines))  # type: ignore[return-value]

    def _draw_caption(self, surface: pygame.Surface, caption: Caption, bottom: int,
                      touched: list[pygame.Rect]) -> int:
        """Draw the caption page holding the current word, bottom edge at `bottom`; returns its top."""
        if caption.translation.strip():
            bottom = self._draw_translation(surface, caption.translation, bottom, touched)
        place = self._caption_place(caption, bottom)
        if place is None:
            return bottom
        _, surf, x, y, mark = place
        touched.append(surface.blit(surf, (x, y)))
        if mark is not None:
            pill, radius, label, at = mark
            touched.append(pygame.draw.rect(surface, self.look.accent, pill, border_radius=radius))
            touched.append(surface.blit(label, at))
        return y

    def _caption_place(self, caption: Caption, bottom: int) -> tuple | None:
        """Where the caption page holding the current word goes, bottom edge at `bottom`: (page key,
        block surface, x, y, highlight) with the highlight (pill rect, corner radius, word label, label
        position) or None; None when the caption has no lines."""
        font, lines = self._caption_layout(caption.text)
        if not lines:
            return None
        word = caption.words[caption.current_word] if 0 <= caption.current_word < len(caption.words) else None
        per_page = self._texts.get(("pages", caption.text))   # asked every frame: keep the answer
        if per_page is None:
            per_page = self._texts.put(("pages", caption.text), self._page_lines(caption.text))
        page = 0
        if word is not None:
            for i, (a, b) in enumerate(lines):
                if word[0] < b or i == len(lines) - 1:
                    page = i // per_page
                    break
        page_lines = lines[page * per_page:(page + 1) * per_page]
        key = ("caption", caption.text, page)
        block = self._texts.get(key)
        if block is None:
            block = self._texts.put(key, self._caption_block(caption.text, font, page_lines))
        surf, line_pos = block  # type: ignore[misc]
        x = (self.size[0] - surf.get_width()) // 2
        y = bottom - surf.get_height()
        mark = None
        if word is not None:
            mark = self._highlight_place(caption.text, font, page_lines, line_pos, word, x, y)
        return key, surf, x, y, mark

    def caption_mark(self, state: SceneState) -> tuple[Hashable, pygame.Rect | None] | None:
        """The caption page `draw_overlay` shows for `state` and where the spoken word's highlight lies
        on it (None: no word), without drawing: two states with the same page and equal overlays apart
        from the spoken word differ only inside their highlights. None when kiosk lines are shown (they
        move the caption; their places are known only by drawing them)."""
        # Asked once or twice a frame, and the same for a whole word: the last answer is kept.
        asked = (self.show_captions, state.caption, state.hint, state.input_text, state.listening)
        if self._mark is not None and self._mark[0] == asked:
            return self._mark[1]
        mark = self._caption_mark(state)
        self._mark = (asked, mark)
        return mark

    def _caption_mark(self, state: SceneState) -> tuple[Hashable, pygame.Rect | None] | None:
        if state.hint or state.input_text is not None or state.listening is not None:
            return None
        caption = state.caption
        if not (self.show_captions and caption is not None and caption.text.strip()):
            return ("no caption",), None
        bottom = self.size[1] - round(0.03 * self.unit)
        if caption.translation.strip():
            bottom = self._translation_top(caption.translation, bottom)
        place = self._caption_place(caption, bottom)
        if place is None:
            return ("no caption",), None
        key, _, _, _, mark = place
        return (key, caption.translation), (mark[0] if mark is not None else None)

    @staticmethod
    def _page_lines(text: str) -> int:
        return CJK_CAPTION_LINES if cjk_share(text) > 0.3 else MAX_CAPTION_LINES

    def _draw_translation(self, surface: pygame.Surface, text: str, bottom: int,
                          touched: list[pygame.Rect]) -> int:
        """The translation under the spoken caption (smaller, quieter); returns the top of its block."""
        block = self._translation_block(text)
        y = bottom - block.get_height()
        touched.append(surface.blit(block, ((self.size[0] - block.get_width()) // 2, y)))
        return y - round(0.006 * self.unit)

    def _translation_top(self, text: str, bottom: int) -> int:
        """Where `_draw_translation` puts the caption's bottom edge, without drawing."""
        return bottom - self._translation_block(text).get_height() - round(0.006 * self.unit)

    def _translation_block(self, text: str) -> pygame.Surface:
        key = ("translation", text)
        block = self._texts.get(key)
        if block is None:
            max_w = round((0.86 if self.landscape else 0.9) * self.size[0])
            for scale in (0.8, 0.72, 0.65):
                font = self.fonts.font(round(self.caption_px() * scale), text=text)
                lines = wrap_text(" ".join(text.split()), font, max_w)
                if len(lines) <= 2:
                    break
            flat = " ".join(text.split())
            rendered = [font.render(flat[a:b], True, TRANSLATION) for a, b in lines[:2]]
            line_h = round(font.get_height() * 1.15)
            pad_x, pad_y = round(0.025 * self.unit), round(0.008 * self.unit)
            w = max(r.get_width() for r in rendered) + 2 * pad_x
            h = line_h * len(rendered) - (line_h - font.get_height()) + 2 * pad_y
            block = _rounded_panel((w, h), PANEL, 0.5, round(0.01 * self.unit))
            for i, r in enumerate(rendered):
                block.blit(r, ((w - r.get_width()) // 2, pad_y + i * line_h))
            self._texts.put(key, block)
        assert isinstance(block, pygame.Surface)
        return block

    def _caption_block(self, text: str, font: pygame.font.Font, lines: list[tuple[int, int]]
                       ) -> tuple[pygame.Surface, list[tuple[int, int]]]:
        rendered = [font.render(text[a:b], True, TEXT) for a, b in lines]
        line_h = round(font.get_height() * 1.2)
        pad_x, pad_y = round(0.025 * self.unit), round(0.012 * self.unit)
        w = max(r.get_width() for r in rendered) + 2 * pad_x
        h = line_h * len(rendered) - (line_h - font.get_height()) + 2 * pad_y
        block = _rounded_panel((w, h), PANEL, 0.62, round(0.012 * self.unit))
        positions = []
        for i, r in enumerate(rendered):
            pos = ((w - r.get_width()) // 2, pad_y + i * line_h)
            block.blit(r, pos)
            positions.append(pos)
        return block, positions

    def _highlight_place(self, text: str, font: pygame.font.Font, lines: list[tuple[int, int]],
                         line_pos: list[tuple[int, int]], word: tuple[int, int], x: int,
                         y: int) -> tuple[pygame.Rect, int, pygame.Surface, tuple[int, int]] | None:
        """The mark on the word being spoken: an accent pill behind it (its rect and corner radius) and
        the word drawn again on top (its label and where it goes); None when the word is not on these lines."""
        for (a, b), (lx, ly) in zip(lines, line_pos):
            if not a <= word[0] < b:
                continue
            start, end = _with_punctuation(text, word[0], min(word[1], b), a, b)
            key = ("word", text, start, end)
            label = self._texts.get(key)
            if label is None:
                accent = self.look.accent
                dark_text = 0.299 * accent[0] + 0.587 * accent[1] + 0.114 * accent[2] > 150
                ink = (20, 20, 24) if dark_text else (255, 255, 255)
                label = self._texts.put(key, font.render(text[start:end], True, ink))
            assert isinstance(label, pygame.Surface)
            wx = x + lx + font.size(text[a:start])[0]
            pad = max(2, round(font.get_height() * 0.12))
            # Sideways the pill reaches into a space, never over a neighbour touching the word (Chinese
            # has no spaces: a padded pill would hide half of the characters beside it).
            left = pad if start == a or text[start - 1].isspace() else 0
            right = pad if end >= b or text[end].isspace() else 0
            pill = pygame.Rect(wx - left, y + ly - pad // 2, label.get_width() + left + right, font.get_height() + pad)
            return pill, pad * 2 if left and right else pad, label, (wx, y + ly)
        return None

    # Kiosk ---------------------------------------------------------------------------------

    def _draw_hint(self, surface: pygame.Surface, hint: str, bottom: int, touched: list[pygame.Rect]) -> int:
        key = ("hint", hint)
        label = self._texts.get(key)
        if label is None:
            font = self.fonts.font(round(0.028 * self.unit), text=hint)
            text = _fit(font.render(hint, True, SUBTLE), round(0.94 * self.size[0]))
            shadow = _fit(font.render(hint, True, (0, 0, 0)), round(0.94 * self.size[0]))
            label = pygame.Surface((text.get_width() + 2, text.get_height() + 2), pygame.SRCALPHA)
            label.fill((0, 0, 0, 0))
            shadow.set_alpha(160)
            label.blit(shadow, (2, 2))
            label.blit(text, (0, 0))
            self._texts.put(key, label)
        assert isinstance(label, pygame.Surface)
        top = bottom - label.get_height()
        touched.append(surface.blit(label, ((self.size[0] - label.get_width()) // 2, top)))
        return top - round(0.015 * self.unit)

    def _draw_input(self, surface: pygame.Surface, text: str, cursor_on: bool, bottom: int,
                    touched: list[pygame.Rect]) -> int:
        u = self.unit
        font = self.fonts.font(round(0.038 * u), text=text)
        w = round((0.7 if self.landscape else 0.9) * self.size[0])
        h = round(font.get_height() * 1.8)
        box = pygame.Rect((self.size[0] - w) // 2, bottom - h, w, h)
        key = ("inputbox", w, h)
        panel = self._texts.get(key)
        if panel is None:
            panel = _rounded_panel((w, h), (250, 250, 252), 0.94, round(h * 0.25))
            pygame.draw.rect(panel, (*self.look.accent, 255), panel.get_rect(), max(2, round(0.003 * u)),
                             border_radius=round(h * 0.25))
            self._texts.put(key, panel)
        assert isinstance(panel, pygame.Surface)
        touched.append(surface.blit(panel, box.topleft))
        key = ("input", text)
        label = self._texts.get(key)
        if label is None:
            shown = text if text else "Type a question and press Enter"
            label = self._texts.put(key, font.render(shown, True, (24, 26, 32) if text else (140, 144, 152)))
        assert isinstance(label, pygame.Surface)
        pad = round(h * 0.35)
        inner_w = w - 2 * pad
        tx, ty = box.x + pad, box.y + (h - font.get_height()) // 2
        text_w = label.get_width() if text else 0
        if text_w > inner_w - 4:
            # Long questions scroll: keep the end (where the typing is) in view.
            touched.append(surface.blit(label, (tx, ty),
                                        pygame.Rect(text_w - (inner_w - 4), 0, inner_w - 4, label.get_height())))
            text_w = inner_w - 4
        else:
            touched.append(surface.blit(label, (tx, ty)))
        if cursor_on:
            cw = max(2, round(0.003 * u))
            touched.append(pygame.draw.rect(surface, (24, 26, 32),
                                            (tx + text_w + 2, ty + 2, cw, font.get_height() - 4)))
        return box.y - round(0.015 * u)

    # Title card ----------------------------------------------------------------------------

    def _title_card(self, target: pygame.Surface, title: TitleCard) -> pygame.Surface:
        key = (_format_key(target), title.title, title.subtitle)
        card = self._titles.get(key)
        if card is not None:
            return card
        w, h = self.size
        u = self.unit
        card = pygame.Surface(self.size, 0, target) if not (target.get_flags() & pygame.SRCALPHA) \
            else pygame.Surface(self.size)
        top = np.array(shade(self.look.background_top, 0.8), np.float32)
        bottom = np.array(shade(self.look.background_bottom, 0.7), np.float32)
        t = np.linspace(0.0, 1.0, h, dtype=np.float32)[None, :, None]
        rgb = np.broadcast_to(top * (1.0 - t) + bottom * t, (w, h, 3))
        card.blit(pygame.surfarray.make_surface(np.clip(rgb, 0, 255).astype(np.uint8)), (0, 0))
        title_font = self.fonts.font(round(0.08 * u), bold=True, text=title.title)
        sub_font = self.fonts.font(round(0.04 * u), text=title.subtitle)
        lines = wrap_text(title.title, title_font, round(0.86 * w))[:3]
        rendered = [title_font.render(title.title[a:b], True, (255, 255, 255)) for a, b in lines]
        sub = _fit(sub_font.render(title.subtitle, True, mix(SUBTLE, self.look.accent, 0.15)), round(0.9 * w)) \
            if title.subtitle else None
        line_h = round(title_font.get_height() * 1.1)
        gap = round(0.035 * u)
        total = line_h * len(rendered) + (gap * 2 + sub.get_height() if sub else gap)
        y = (h - total) // 2
        for r in rendered:
            card.blit(r, ((w - r.get_width()) // 2, y))
            y += line_h
        bar_w = round(0.18 * u)
        pygame.draw.rect(card, self.look.accent, ((w - bar_w) // 2, y + gap // 2 - max(2, round(0.003 * u)),
                                                  bar_w, max(3, round(0.006 * u))))
        if sub:
            card.blit(sub, ((w - sub.get_width()) // 2, y + gap))
        return self._titles.put(key, card)


def _with_punctuation(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The word `text[start:end]` widened over the punctuation that touches it (an opening quote or
    bracket before, a comma, full stop or closing quote after; within `lo:hi`), so the highlight's pill
    holds it rather than covering half of it."""
    while start > lo and unicodedata.category(text[start - 1]) in ("Ps", "Pi"):
        start -= 1
    while end < hi and unicodedata.category(text[end]) in ("Po", "Pe", "Pf"):
        end += 1
    return start, end


def _fit(surf: pygame.Surface, max_w: int) -> pygame.Surface:
    """Shrink a rendered line to `max_w` if it is wider (names and hints are never wrapped)."""
    if surf.get_width() <= max_w or surf.get_width() == 0:
        return surf
    h = max(1, round(surf.get_height() * max_w / surf.get_width()))
    return pygame.transform.smoothscale(surf, (max_w, h))


def _load_image(path: str) -> pygame.Surface | None:
    """The image at `path` as a 32-bit surface, or None if it is missing or unreadable."""
    try:
        img = pygame.image.load(path)
    except Exception:        # missing, unreadable or not an image: the caller draws a placeholder
        return None
    surf = pygame.Surface(img.get_size(), pygame.SRCALPHA)
    surf.fill((0, 0, 0, 0))
    surf.blit(img, (0, 0))
    return surf


def _cover(img: pygame.Surface, size: tuple[int, int]) -> pygame.Surface:
    """Scale `img` to fill `size` (cropping the overflow, centred)."""
    w, h = size
    scale = max(w / img.get_width(), h / img.get_height())
    scaled = pygame.transform.smoothscale(img, (max(w, round(img.get_width() * scale)),
                                                max(h, round(img.get_height() * scale))))
    out = pygame.Surface(size)
    out.blit(scaled, ((w - scaled.get_width()) // 2, (h - scaled.get_height()) // 2))
    return out
