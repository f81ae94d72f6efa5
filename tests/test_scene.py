"""The composed frame: background, slide, presenter, lower third, captions, title card, kiosk box."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame
import pytest

from avatar.errors import ConfigError
from avatar.face import FaceState, get_look
from avatar.bench.draw_frames import bench_draw
from avatar.fonts import FontBook
from avatar.scene import Scene, wrap_text
from avatar.scene_state import Caption, LowerThird, SceneState, TitleCard
from avatar.textseg import cjk_share, tokens
from helpers import word_spans as spans

SIZE = (640, 360)
TEXT = "Good morning everyone and thank you for joining us today to talk about the year ahead"


@pytest.fixture(scope="module", autouse=True)
def _fonts() -> None:
    pygame.font.init()


@pytest.fixture(scope="module")
def scene() -> Scene:
    return Scene(SIZE, get_look("official"))


def frame(scene: Scene, state: SceneState) -> np.ndarray:
    surf = pygame.Surface(scene.size)
    scene.draw(surf, state)
    return pygame.surfarray.array3d(surf).transpose(1, 0, 2).astype(int)


def changed(a: np.ndarray, b: np.ndarray, threshold: int = 30) -> np.ndarray:
    return np.abs(a - b).max(axis=-1) > threshold


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def test_frame_is_deterministic_and_drawn_everywhere(scene: Scene) -> None:
    state = SceneState(t_s=1.0, caption=Caption(TEXT, spans(TEXT), 3))
    a, b = frame(scene, state), frame(scene, state)
    assert np.array_equal(a, b)
    assert a.std() > 10                      # not a blank frame


def test_the_backdrop_is_the_same_however_it_is_worked_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gradient, the light behind the head, the vignette and the dithering noise are worked out a band
    of columns at a time: the band's width changes nothing, and the noise is there (no flat gradient)."""
    import avatar.scene as scene_module

    pictures = []
    for band in (7, 64, 10_000):
        monkeypatch.setattr(scene_module, "_BACKDROP_BAND", band)
        pictures.append(pygame.surfarray.array3d(Scene((330, 200), get_look("official"))._backdrop(False)))
    assert np.array_equal(pictures[0], pictures[1]) and np.array_equal(pictures[1], pictures[2])
    rows = pictures[0].astype(int)
    assert np.abs(np.diff(rows[:, 100], axis=0)).max() >= 1       # dithered along a row
    assert rows[165, 40:60].mean() > rows[2, 40:60].mean()        # brighter behind the head than at the edge


def test_lower_third_shows_name_and_role_at_the_left(scene: Scene) -> None:
    """A dark panel with an accent bar and the name in bold white appears in the lower left."""
    base = frame(scene, SceneState(t_s=1.0))
    shown = frame(scene, SceneState(t_s=1.0, lower_third=LowerThird("Li Wei", "Director")))
    x0, y0, x1, y1 = bbox(changed(base, shown))
    assert x1 < SIZE[0] * 0.6 and y0 > SIZE[1] * 0.45
    panel = shown[y0:y1 + 1, x0:x1 + 1]
    assert (panel.min(axis=-1) > 200).sum() > 40           # white name text
    accent = np.array(get_look("official").accent)
    assert (np.abs(panel - accent).max(axis=-1) < 10).sum() > 20
    no_role = frame(scene, SceneState(t_s=1.0, lower_third=LowerThird("Li Wei")))
    assert changed(shown, no_role).any()


def test_lower_third_fades_with_opacity(scene: Scene) -> None:
    base = frame(scene, SceneState(t_s=1.0))
    full = frame(scene, SceneState(t_s=1.0, lower_third=LowerThird("Li Wei", "Director", 1.0)))
    half = frame(scene, SceneState(t_s=1.0, lower_third=LowerThird("Li Wei", "Director", 0.5)))
    gone = frame(scene, SceneState(t_s=1.0, lower_third=LowerThird("Li Wei", "Director", 0.0)))
    assert np.array_equal(gone, base)
    region = changed(base, full)
    assert 0.3 < np.abs(half - base)[region].mean() / np.abs(full - base)[region].mean() < 0.7


def test_caption_text_sits_at_the_bottom_on_a_band(scene: Scene) -> None:
    base = frame(scene, SceneState(t_s=1.0))
    cap = frame(scene, SceneState(t_s=1.0, caption=Caption(TEXT, spans(TEXT))))
    x0, y0, x1, y1 = bbox(changed(base, cap, 15))
    assert y0 > SIZE[1] * 0.6 and y1 > SIZE[1] * 0.85
    assert x1 - x0 > SIZE[0] * 0.5
    assert (cap[y0:y1, x0:x1].min(axis=-1) > 200).sum() > 100     # light text on the band


def test_current_word_is_highlighted_where_it_is(scene: Scene) -> None:
    """Moving the highlight from word 1 to word 2 changes pixels only around those two words."""
    words = spans(TEXT)
    none = frame(scene, SceneState(t_s=1.0, caption=Caption(TEXT, words, -1)))
    first = frame(scene, SceneState(t_s=1.0, caption=Caption(TEXT, words, 1)))
    second = frame(scene, SceneState(t_s=1.0, caption=Caption(TEXT, words, 2)))
    a = bbox(changed(none, first))
    b = bbox(changed(none, second))
    assert a[2] < b[0] + 5                   # "morning" is left of "everyone" on the same line
    assert abs(a[1] - b[1]) < 4
    accent = np.array(get_look("official").accent)
    assert (np.abs(first - accent).max(axis=-1) < 10)[a[1]:a[3], a[0]:a[2]].sum() > 30
    width = a[2] - a[0]
    assert width < SIZE[0] * 0.2             # one word, not the line


@pytest.mark.parametrize("text, word", [("In twenty twenty-one, Beijing set itself a clear goal.", 2),
                                        ("Our first value is \u201copenness\u201d, then inclusiveness.", 4),
                                        ("我们很荣幸和大家分享这一刻。", 1),
                                        ("我们很荣幸和大家分享这一刻。", 6)])
def test_the_highlight_hides_no_letter_or_mark(text: str, word: int) -> None:
    """Every bit of text ink, a comma or quote touching the spoken word included, is still ink with the
    word highlighted: the pill holds the punctuation around the word instead of covering half of it,
    and between Chinese characters (no spaces) it does not reach over the characters beside the word."""
    big = Scene((1920, 1080), get_look("official"))
    words = tuple(tokens(text)) if cjk_share(text) > 0.3 else \
        tuple((m.start(), m.end()) for m in re.finditer(r"[\w'-]+", text))   # as speech timing gives them
    plain = frame(big, SceneState(t_s=1.0, caption=Caption(text, words, -1)))
    lit = frame(big, SceneState(t_s=1.0, caption=Caption(text, words, word)))
    ink = plain.min(axis=-1) > 200                           # light caption text on the dark band
    assert ink.sum() > 500
    hidden = ink & (lit.min(axis=-1) < 150)
    assert hidden.sum() == 0, f"{hidden.sum()} pixels of text are covered by the highlight"


def test_long_captions_wrap_to_at_most_three_lines_and_page_with_the_word(scene: Scene) -> None:
    long_text = " ".join([TEXT] * 4)
    words = spans(long_text)
    early = frame(scene, SceneState(t_s=1.0, caption=Caption(long_text, words, 0)))
    late = frame(scene, SceneState(t_s=1.0, caption=Caption(long_text, words, len(words) - 1)))
    base = frame(scene, SceneState(t_s=1.0))
    for img in (early, late):
        x0, y0, x1, y1 = bbox(changed(base, img, 15))
        assert y1 - y0 < 3.4 * 1.25 * scene.caption_px() + 0.06 * scene.unit
    assert changed(early, late).sum() > 500        # a different page of the text


def test_wrap_text_keeps_every_word_in_order() -> None:
    font = FontBook(use_system_fonts=False).font(24)
    text = "one two three four five six seven eight nine ten eleven twelve thirteen"
    lines = wrap_text(text, font, 150)
    assert len(lines) > 2
    assert " ".join(text[a:b] for a, b in lines) == text
    assert all(font.size(text[a:b])[0] <= 150 for a, b in lines)
    long_word = "x" * 80
    parts = wrap_text(long_word, font, 100)
    assert "".join(long_word[a:b] for a, b in parts) == long_word and len(parts) > 1
    assert wrap_text("   ", font, 100) == []


def test_captions_can_be_switched_off() -> None:
    quiet = Scene(SIZE, get_look("official"), show_captions=False)
    base = frame(quiet, SceneState(t_s=1.0))
    cap = frame(quiet, SceneState(t_s=1.0, caption=Caption(TEXT, spans(TEXT), 2)))
    assert np.array_equal(base, cap)


def test_slide_is_shown_beside_the_presenter_in_landscape(scene: Scene, tmp_path: Path) -> None:
    """A red slide appears left of the presenter, who moves right to make room."""
    slide = pygame.Surface((320, 180))
    slide.fill((220, 20, 20))
    path = tmp_path / "slide.png"
    pygame.image.save(slide, str(path))
    img = frame(scene, SceneState(t_s=1.0, slide_path=str(path)))
    red = (img[..., 0] > 180) & (img[..., 1] < 60) & (img[..., 2] < 60)
    x0, y0, x1, y1 = bbox(red)
    assert x1 < SIZE[0] * 0.6
    assert 1.6 < (x1 - x0) / (y1 - y0) < 1.95       # aspect ratio kept
    skin = np.abs(img - np.array(get_look("official").skin)).max(axis=-1) < 40
    assert np.nonzero(skin)[1].mean() > SIZE[0] * 0.6
    assert scene.avatar_rect(True).centerx > scene.avatar_rect(False).centerx


def test_slide_is_above_the_presenter_in_portrait(tmp_path: Path) -> None:
    tall = Scene((360, 640), get_look("official"))
    slide = pygame.Surface((320, 180))
    slide.fill((20, 200, 40))
    path = tmp_path / "slide.png"
    pygame.image.save(slide, str(path))
    img = frame(tall, SceneState(t_s=1.0, slide_path=str(path)))
    green = (img[..., 1] > 170) & (img[..., 0] < 60)
    skin = np.abs(img - np.array(get_look("official").skin)).max(axis=-1) < 40
    assert bbox(green)[3] < np.nonzero(skin)[0].min()


@pytest.mark.parametrize("content", [None, b"this is not a png at all", b""])
def test_missing_or_broken_slide_draws_a_placeholder(scene: Scene, tmp_path: Path, content: bytes | None) -> None:
    """No crash: a neutral grey panel stands where the slide would be."""
    path = tmp_path / "slide.png"
    if content is not None:
        path.write_bytes(content)
    img = frame(scene, SceneState(t_s=1.0, slide_path=str(path)))
    area = scene.slide_rect()
    panel = img[area.top:area.bottom, area.left:area.right]
    grey = (np.abs(panel - np.array([58, 62, 70])).max(axis=-1) < 6)
    assert grey.sum() > 0.2 * area.w * area.h


def test_title_card_covers_then_fades(scene: Scene) -> None:
    body = SceneState(t_s=1.0, lower_third=LowerThird("Li Wei", "Director"))
    under = frame(scene, body)
    card = frame(scene, SceneState(t_s=0.0, title=TitleCard("Annual Address", "Li Wei", 1.0)))
    other = frame(scene, SceneState(t_s=0.0, face=FaceState(blink=1.0),
                                    title=TitleCard("Annual Address", "Li Wei", 1.0)))
    assert np.array_equal(card, other)                 # nothing of the presenter shows through
    assert (card.min(axis=-1) > 230).sum() > 200      # big white title
    half = frame(scene, SceneState(t_s=0.0, lower_third=body.lower_third,
                                   title=TitleCard("Annual Address", "Li Wei", 0.5)))
    mid = (card + under) / 2
    assert np.abs(half - mid).mean() < 3
    gone = frame(scene, SceneState(t_s=5.0, lower_third=body.lower_third, title=TitleCard("Annual Address", "", 0.0)))
    assert np.array_equal(gone, under)


def test_kiosk_box_shows_typing_and_blinking_cursor(scene: Scene) -> None:
    base = frame(scene, SceneState(t_s=1.0))
    empty = frame(scene, SceneState(t_s=1.0, input_text=""))
    typed = frame(scene, SceneState(t_s=1.0, input_text="Where is the library?"))
    cursor = frame(scene, SceneState(t_s=1.0, input_text="Where is the library?", cursor_on=True))
    x0, y0, x1, y1 = bbox(changed(base, empty))
    assert y0 > SIZE[1] * 0.7 and (empty[y0:y1, x0:x1].min(axis=-1) > 200).mean() > 0.5   # a light box
    assert changed(empty, typed).any()
    cx0, cy0, cx1, cy1 = bbox(changed(typed, cursor))
    assert cx1 - cx0 < 6 and x0 < cx0 < x1                 # a thin bar inside the box
    long = frame(scene, SceneState(t_s=1.0, input_text="why " * 60, cursor_on=True))
    assert bbox(changed(base, long))[2] <= x1 + 1            # long text scrolls, stays in the box


def test_hint_line_and_captions_stack_above_it(scene: Scene) -> None:
    base = frame(scene, SceneState(t_s=1.0))
    hint = frame(scene, SceneState(t_s=1.0, hint="Press Enter to ask a question"))
    hx0, hy0, hx1, hy1 = bbox(changed(base, hint))
    assert hy0 > SIZE[1] * 0.85
    both = frame(scene, SceneState(t_s=1.0, hint="Press Enter to ask", caption=Caption(TEXT, spans(TEXT))))
    cap_only = frame(scene, SceneState(t_s=1.0, caption=Caption(TEXT, spans(TEXT))))
    assert bbox(changed(base, both, 15))[1] < bbox(changed(base, cap_only, 15))[1]


@pytest.mark.parametrize("size", [(1280, 720), (1080, 1920)])
def test_full_frames_at_real_sizes(size: tuple[int, int]) -> None:
    """Everything at once draws at 720p landscape and 1080x1920 portrait; caption text is about 4% of the height."""
    sc = Scene(size, get_look("presenter"))
    state = SceneState(t_s=2.0, caption=Caption(TEXT, spans(TEXT), 4), lower_third=LowerThird("Li Wei", "Host"),
                       hint="Press Enter", input_text="Hello", cursor_on=True, slide_path="/no/such/slide.png")
    img = frame(sc, state)
    assert img.shape == (size[1], size[0], 3)
    assert sc.caption_px() >= 0.04 * min(size) - 1


def test_background_image_covers_and_a_missing_one_falls_back(tmp_path: Path) -> None:
    pic = pygame.Surface((100, 100))
    pic.fill((200, 180, 20))
    path = tmp_path / "bg.png"
    pygame.image.save(pic, str(path))
    base = get_look("official")
    with_image = Scene(SIZE, replace(base, background_image=str(path)))
    img = frame(with_image, SceneState(t_s=1.0))
    assert np.abs(img[5, 5] - np.array([200, 180, 20])).max() < 6
    missing = Scene(SIZE, replace(base, background_image=str(tmp_path / "nope.png")))
    assert np.array_equal(frame(missing, SceneState(t_s=1.0)), frame(Scene(SIZE, base), SceneState(t_s=1.0)))


def test_wrong_sizes_are_refused(scene: Scene) -> None:
    with pytest.raises(ConfigError):
        Scene((32, 32), get_look("official"))
    with pytest.raises(ValueError):
        scene.draw(pygame.Surface((100, 100)), SceneState(t_s=0.0))


def test_bench_reports_times() -> None:
    result = bench_draw((320, 180), frames=5)
    assert {"median_ms", "p99_ms", "build_ms"} <= set(result)
    assert result["median_ms"] > 0 and result["p99_ms"] >= result["median_ms"]
