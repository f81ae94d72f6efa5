"""Chinese on screen: every piece of drawn text shows real glyphs (never empty boxes), on one baseline."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from avatar.face import get_look
from avatar.fonts import FontBook, bundled_cjk_path
from avatar.scene import Scene, wrap_text
from avatar.scene_state import Caption, LowerThird, SceneState, TitleCard
from avatar.textseg import tokens

SIMPLIFIED = "数字经济与全球合作，我们愿与世界各国分享机遇。"
TRADITIONAL = "數位經濟與全球合作，我們願與世界各國分享機遇。"
MIXED = "2023年中国AI平台增长3.5%，Digital Economy"
# An unassigned code point in the CJK extension planes: every font draws its "missing glyph" box for it.
MISSING = "\U0002FFFD"


@pytest.fixture(scope="module", autouse=True)
def _init() -> None:
    pygame.font.init()


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook(use_system_fonts=False)  # a fresh machine: only what the wheels ship


def pixels(surf: pygame.Surface) -> np.ndarray:
    """Ink of a rendered label (its alpha, or its brightness on an opaque surface)."""
    if surf.get_flags() & pygame.SRCALPHA:
        return pygame.surfarray.array_alpha(surf).astype(int)
    return pygame.surfarray.array3d(surf).max(axis=-1).astype(int)


def is_tofu(font, ch: str, color=(255, 255, 255)) -> bool:
    """Whether `ch` renders exactly like the font's known-missing glyph (an empty box)."""
    a, b = pixels(font.render(ch, True, color)), pixels(font.render(MISSING, True, color))
    return a.shape == b.shape and bool(np.array_equal(a, b))


def test_the_font_wheel_is_installed_and_its_simplified_chinese_face_is_chosen(fonts: FontBook) -> None:
    assert bundled_cjk_path() is not None
    face = fonts.cjk_face()
    assert face is not None and face.name == "Noto Sans CJK SC" and face.index == 2


def test_the_tofu_check_itself_catches_boxes() -> None:
    """pygame's own font has no Chinese: there, '中' is the same box as the missing glyph."""
    plain = pygame.font.Font(None, 30)
    assert np.array_equal(pixels(plain.render("中", True, (255, 255, 255))),
                          pixels(plain.render("国", True, (255, 255, 255))))


@pytest.mark.parametrize("text", [SIMPLIFIED, TRADITIONAL, MIXED])
@pytest.mark.parametrize("bold", [False, True])
def test_every_character_has_its_own_glyph(fonts: FontBook, text: str, bold: bool) -> None:
    font = fonts.font(40, bold=bold)
    boxes = [ch for ch in set(text) if not ch.isspace() and is_tofu(font, ch)]
    assert boxes == []
    assert pixels(font.render(text, True, (255, 255, 255))).sum() > 0


def test_mixed_lines_share_one_height_and_baseline(fonts: FontBook) -> None:
    """Chinese, English and mixed lines are equally tall, and 'H' stands on the same baseline in each."""
    font = fonts.font(48)
    heights = {font.render(t, True, (255, 255, 255)).get_height() for t in ("中文", "Hello", "中文Hello")}
    assert heights == {font.get_height()}

    def ink_bottom(surf: pygame.Surface, x0: int, x1: int) -> int:
        rows = np.nonzero(pixels(surf)[x0:x1].max(axis=0) > 100)[0]
        return int(rows.max())

    alone = font.render("H", True, (255, 255, 255))
    mixed = font.render("中H", True, (255, 255, 255))
    x = font.size("中")[0]
    assert ink_bottom(mixed, x, mixed.get_width()) == ink_bottom(alone, 0, alone.get_width())
    # the ideograph sits on the same line: its ink ends within a few pixels of the baseline
    assert abs(ink_bottom(mixed, 0, x) - ink_bottom(alone, 0, alone.get_width())) <= 0.12 * font.get_height()


def test_lines_break_between_chinese_words_never_inside_numbers_or_latin_words(fonts: FontBook) -> None:
    text = "我们在2024年推出了AI平台，数字经济增长了3.5%，Digital Economy正在改变世界。"
    font = fonts.font(30)
    lines = wrap_text(text, font, font.size("中" * 7)[0])
    assert "".join(text[a:b] for a, b in lines).replace(" ", "") == text.replace(" ", "")
    for a, b in lines:
        assert not text[a:b].lstrip().startswith(("，", "。", "、"))
    starts = {a for a, _ in lines} | {b for _, b in lines}
    for word in ("2024", "AI", "3.5%", "Digital", "Economy"):
        i = text.index(word)
        assert not any(i < s < i + len(word) for s in starts), word
    short = "数字经济增长了3.5%。"
    assert [short[a:b] for a, b in tokens(short)] == ["数字", "经济", "增长", "了", "3.5%。"]


def _frame(scene: Scene, state: SceneState) -> np.ndarray:
    surf = pygame.Surface(scene.size)
    scene.draw(surf, state)
    return pygame.surfarray.array3d(surf).astype(int)


def _states(text: str, other: str) -> list[tuple[str, SceneState]]:
    return [
        ("title card", SceneState(0.0, title=TitleCard(text, other))),
        ("lower third", SceneState(0.0, lower_third=LowerThird(text, other))),
        ("caption", SceneState(0.0, caption=Caption(text, ((0, 2),), 0, translation=other))),
        ("kiosk box and hint", SceneState(0.0, hint=other, input_text=text, cursor_on=False)),
    ]


@pytest.mark.parametrize("index", range(4))
def test_title_lower_third_captions_and_kiosk_show_glyphs_not_boxes(fonts: FontBook, index: int) -> None:
    """Each element drawn with Chinese differs from the same element drawn with missing-glyph boxes
    (as many of them), in the element's own place on the frame."""
    scene = Scene((640, 360), get_look("official"), fonts=fonts)
    name, real = _states(SIMPLIFIED[:10], TRADITIONAL[:10])[index]
    _, boxes = _states(MISSING * 10, MISSING * 10)[index]
    differ = np.abs(_frame(scene, real) - _frame(scene, boxes)).max(axis=-1) > 60
    assert differ.sum() > 400, name


def test_an_installed_system_cjk_font_is_preferred(tmp_path, monkeypatch) -> None:
    """With a CJK font installed (here a link standing in for one), it is used, its SC face chosen."""
    system = tmp_path / "NotoSansCJK-Regular.ttc"
    system.symlink_to(bundled_cjk_path())
    asked: list[str] = []

    def match_font(name, bold=False, italic=False):
        asked.append(name)
        return str(system) if "cjk" in name else None

    monkeypatch.setattr(pygame.font, "match_font", match_font)
    face = FontBook(use_system_fonts=True).cjk_face()
    assert face is not None and face.path == str(system) and face.name == "Noto Sans CJK SC"
    assert asked and asked[0] == "notosanscjksc"
