"""Bilingual subtitles: talk.en.md beside talk.md gives one subtitle file per language, same timings."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pygame
import pytest

from avatar.bilingual import pair, spoken_language, split_over, translation_at, translation_path
from avatar.errors import ScriptError
from avatar.face import get_look
from avatar.fonts import FontBook
from avatar.scene import Scene
from avatar.scene_state import Caption, SceneState
from avatar.script import load_script
from avatar.show import Show, ShowOptions
from avatar.textseg import cells
from avatar.timeline import CaptionItem, Timeline
from avatar.tts.base import WordTiming
from test_cli import run

SPEECH = """+++
title = "数字经济"
speaker = "王明"
language = "zh"
translation = "talk.en.md"
+++
女士们，先生们，大家好。今天，我很高兴来到日内瓦。

2023年，中国数字经济规模达到53.9万亿元。我们愿与世界各国分享机遇。
"""
TRANSLATION = """Ladies and gentlemen, good morning. Today I am delighted to be in Geneva.

In 2023, China's digital economy reached 53.9 trillion yuan. We are ready to share opportunities with all countries.
"""


def _write(folder: Path, speech: str = SPEECH, translation: str = TRANSLATION) -> Path:
    (folder / "talk.md").write_text(speech, "utf-8")
    (folder / "talk.en.md").write_text(translation, "utf-8")
    return folder / "talk.md"


def _srt(path: Path) -> list[tuple[str, str]]:
    blocks = path.read_text("utf-8").strip().split("\n\n")
    out = []
    for block in blocks:
        lines = block.split("\n")
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d", lines[1])
        out.append((lines[1], "\n".join(lines[2:])))
    return out


def test_the_translation_named_in_the_front_matter_is_paired_sentence_for_sentence(tmp_path: Path) -> None:
    script_path = _write(tmp_path)
    script = load_script(script_path)
    assert translation_path(script) == tmp_path / "talk.en.md"
    assert spoken_language(script) == "zh"
    tr = pair(script, tmp_path / "talk.en.md")
    assert (tr.spoken_language, tr.language) == ("zh", "en")
    assert tr.sentences == ("Ladies and gentlemen, good morning.", "Today I am delighted to be in Geneva.",
                            "In 2023, China's digital economy reached 53.9 trillion yuan.",
                            "We are ready to share opportunities with all countries.")



def test_a_file_beside_the_speech_is_not_taken_unless_named_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    script_path = _write(tmp_path, speech=SPEECH.replace('translation = "talk.en.md"\n', ""))
    assert translation_path(load_script(script_path)) is None
    script_path.write_text(SPEECH.replace("talk.en.md", "talk.fr.md"), "utf-8")
    out = run("record", str(script_path), "-o", str(tmp_path / "talk.mp4"), "--size", "320x180", "--quiet")
    assert out.returncode == 2 and "translation file not found" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and not (tmp_path / "talk.mp4").exists()


def test_a_paragraph_translated_in_other_sentences_is_shared_out_between_words(tmp_path: Path) -> None:
    script = load_script(_write(tmp_path, translation="Good morning, ladies and gentlemen; I am delighted "
                                                      "to be in Geneva today.\n\nIn 2023 the digital economy "
                                                      "reached 53.9 trillion yuan, and we will share it.\n"))
    tr = pair(script, tmp_path / "talk.en.md")
    assert len(tr.sentences) == 4 and all(tr.sentences)
    assert " ".join(tr.sentences[:2]) == ("Good morning, ladies and gentlemen; I am delighted to be in "
                                          "Geneva today.")
    assert tr.sentences[0].endswith(";"), "the cut moves to the nearby semicolon"
    assert "53.9" in " ".join(tr.sentences[2:]).split()


def test_split_over_keeps_every_word_and_follows_the_weights() -> None:
    text = "One two three four five six seven eight nine ten."
    pieces = split_over(text, [1.0, 1.0])
    assert " ".join(pieces) == text and len(pieces[0].split()) == 5
    assert split_over("数字经济增长了3.5%，我们很高兴。", [1, 1]) == ["数字经济增长了3.5%，", "我们很高兴。"]


def test_paragraph_counts_that_differ_are_refused_before_recording(tmp_path: Path) -> None:
    script_path = _write(tmp_path, translation="Only one paragraph here.\n")
    with pytest.raises(ScriptError, match="1 paragraphs but the speech has 2"):
        pair(load_script(script_path), tmp_path / "talk.en.md")
    out = run("record", str(script_path), "-o", str(tmp_path / "talk.mp4"), "--size", "320x180", "--quiet")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "paragraph" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.en.md", "talk.md"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bilingual")
    _write(folder)
    out = run("record", str(folder / "talk.md"), "-o", str(folder / "talk.mp4"), "--size", "320x180",
              "--fps", "15", "--burn-captions", "--quiet")
    assert out.returncode == 0, out.stderr
    return folder


def test_record_writes_one_subtitle_file_per_language_with_equal_timings(recorded: Path) -> None:
    names = sorted(p.name for p in recorded.iterdir())
    assert names == ["talk.en.md", "talk.en.srt", "talk.en.vtt", "talk.md", "talk.mp4", "talk.zh.srt",
                     "talk.zh.vtt"]
    zh, en = _srt(recorded / "talk.zh.srt"), _srt(recorded / "talk.en.srt")
    assert [t for t, _ in zh] == [t for t, _ in en] and len(zh) >= 4
    assert "".join(text.replace("\n", "") for _, text in zh) == (
        "女士们，先生们，大家好。今天，我很高兴来到日内瓦。2023年，中国数字经济规模达到53.9万亿元。"
        "我们愿与世界各国分享机遇。")
    assert " ".join(text.replace("\n", " ") for _, text in en) == " ".join(TRANSLATION.split())
    assert all(cells(line) <= 36 for _, text in zh for line in text.split("\n"))
    vtt_zh = (recorded / "talk.zh.vtt").read_text("utf-8")
    assert re.search(r"<\d\d:\d\d:\d\d\.\d\d\d>先生", vtt_zh), "Chinese words are highlighted one by one"
    vtt_times = re.findall(r"^(\S+ --> \S+)$", (recorded / "talk.en.vtt").read_text("utf-8"), re.M)
    assert [t.replace(".", ",") for t in vtt_times] == [t for t, _ in zh]


def _caption_item(translation: str) -> CaptionItem:
    text = "今天，我很高兴来到日内瓦。"
    words = (WordTiming("今天", 1.0, 1.5, 0, 2), WordTiming("我", 1.6, 1.8, 3, 4),
             WordTiming("很", 1.8, 2.0, 4, 5), WordTiming("高兴", 2.0, 2.5, 5, 7),
             WordTiming("来到", 2.5, 3.0, 7, 9), WordTiming("日内瓦", 3.0, 3.8, 9, 12))
    return CaptionItem(1.0, 3.9, text, words, translation=translation)


def test_the_show_carries_the_translation_of_what_is_said() -> None:
    tl = Timeline()
    tl.add_caption(_caption_item("Today I am delighted to be in Geneva."))
    tl.finish()
    show = Show(tl, ShowOptions(title_card=False, lower_third=False))
    state = show.state_at(2.2)
    assert state.caption is not None and state.caption.translation == "Today I am delighted to be in Geneva."
    assert translation_at(_caption_item(""), 2.2) == ""


def test_the_translation_is_drawn_below_the_spoken_line() -> None:
    """With a translation, a second (smaller) block appears under the caption and the caption moves up."""
    pygame.font.init()
    scene = Scene((640, 360), get_look("official"), fonts=FontBook(use_system_fonts=False))
    plain = Caption("今天，我很高兴来到日内瓦。", ((0, 2),), 0)
    both = Caption(plain.text, plain.words, 0, translation="Today I am delighted to be in Geneva.")

    def frame(caption: Caption | None) -> np.ndarray:
        surf = pygame.Surface(scene.size)
        scene.draw(surf, SceneState(0.0, caption=caption))
        return pygame.surfarray.array3d(surf).transpose(1, 0, 2).astype(int)

    def rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.nonzero((np.abs(x - y).max(axis=-1) > 60).any(axis=1))[0]

    blank, a, b = frame(None), frame(plain), frame(both)
    plain_top = rows(a, blank).min()
    changed = rows(a, b)
    assert changed.size and changed.max() > 330, "the translation sits at the bottom"
    assert rows(b, blank).min() < plain_top - 10, "the spoken line moved up above it"
