"""Chinese subtitles: cut after 。！？，；：、 and between words, two short lines, no cue over 6 s."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from avatar.captions import subtitle_cues, to_srt, to_vtt
from avatar.textseg import cells, tokens
from avatar.tts.base import WordTiming
from avatar.tts.pyttsx3_engine import whole_words

PARAGRAPH = ("女士们，先生们，朋友们：今天，我很高兴来到日内瓦，与各位共同探讨数字经济的未来。"
             "2023年，中国数字经济规模达到53.9万亿元，占GDP比重超过40%，"
             "我们愿与世界各国分享机遇、共担挑战、携手前行，让Digital Economy惠及每一个人。")
LATIN_OR_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9.%]*")


def spoken(text: str, start_s: float = 0.0, char_s: float = 0.26) -> list[WordTiming]:
    """Word timings as a Mandarin voice gives them: about a quarter second per character."""
    words, t = [], start_s
    for a, b in tokens(text):
        word = text[a:b].rstrip("，。！？；：、")
        dur = char_s * len(word)
        words.append(WordTiming(word, t, t + dur, a, a + len(word)))
        t += dur + (0.2 if b - a > len(word) else 0.0)
    return words


@pytest.fixture(scope="module")
def cues():
    words = spoken(PARAGRAPH, 1.0)
    return subtitle_cues([(1.0, words[-1].end_s, PARAGRAPH)], words)


def test_cues_hold_all_the_text_in_order(cues) -> None:
    assert "".join(c.text.replace("\n", "") for c in cues) == PARAGRAPH
    assert len(cues) >= 6


def test_at_most_two_lines_of_about_eighteen_characters(cues) -> None:
    """Widths count a Chinese character as two Latin letters: "Digital Economy" is about 8 characters."""
    for cue in cues:
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= 2, cue.text
        assert all(cells(line) <= 2 * 18 for line in lines), cue.text


def test_no_cue_lasts_over_six_seconds_and_times_run_forward(cues) -> None:
    assert all(0 < c.end_s - c.start_s <= 6.0 for c in cues)
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(cues, cues[1:]))


def test_no_break_inside_a_number_or_latin_word_and_no_line_starts_with_punctuation(cues) -> None:
    pieces = [line for c in cues for line in c.text.split("\n")]
    for m in LATIN_OR_NUMBER.finditer(PARAGRAPH):
        assert any(m.group() in p for p in pieces), m.group()
    assert not any(p.startswith(tuple("，。！？；：、")) for p in pieces)


def test_cues_end_at_chinese_punctuation_where_there_is_some(cues) -> None:
    """This text has a comma or full stop every few words: every cue ends at one, none cuts a phrase."""
    assert all(c.text[-1] in "，。！？；：、" for c in cues)


def test_vtt_highlights_each_chinese_word(cues) -> None:
    vtt = to_vtt(cues)
    first = vtt.split("\n\n")[1]
    assert re.search(r"女士们，<00:00:0\d\.\d\d\d>先生", first), first
    assert "<" not in to_srt(cues)


def test_espeak_style_character_events_become_written_words() -> None:
    """espeak-ng's cmn voice reports about one event per character (a number as one, sometimes twice):
    they become one timing per written word, spans without the punctuation."""
    text = "我们在2024年推出了AI平台，数字经济增长了。"
    events = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 4), (7, 1), (8, 1), (9, 1), (10, 1), (11, 2), (13, 1),
              (14, 1), (16, 1), (17, 1), (18, 1), (19, 1), (20, 1), (21, 1), (22, 1)]
    raw = [WordTiming(text[c:c + n], 0.2 * i, 0.2 * i + 0.15, c, c + n) for i, (c, n) in enumerate(events)]
    words = whole_words(text, raw)
    assert [w.text for w in words] == ["我们", "在", "2024", "年", "推出", "了", "AI", "平台", "数字", "经济",
                                       "增长", "了"]
    assert all(text[w.char_start:w.char_end] == w.text for w in words)
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)


_ALPHABET = "数字经济我们的年，。！？、：“”（）《》 AIGDP20.5%abc"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=120))
def test_tokens_cover_every_visible_character_once_in_order(text: str) -> None:
    spans = tokens(text)
    assert all(a < b for a, b in spans) and all(b0 <= a1 for (_, b0), (a1, _) in zip(spans, spans[1:]))
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "") == text.replace(" ", "")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=200))
def test_any_chinese_text_becomes_short_cues_that_keep_every_character(text: str) -> None:
    if not text.strip():
        return
    cues = subtitle_cues([(0.0, 0.25 * len(text), text)])
    assert "".join(c.text for c in cues).replace("\n", "").replace(" ", "") == text.replace(" ", "")
    for cue in cues:
        assert len(cue.text.split("\n")) <= 2
        if len(tokens(cue.text)) > 1:
            assert cue.end_s - cue.start_s <= 6.0 + 1e-6


def test_real_mandarin_voice_word_timings_follow_the_written_words() -> None:
    """espeak-ng's cmn voice, for real: one timing per written word, in order, spans into the text."""
    from avatar.tts import Voice, get_engine
    from avatar.tts.base import VoiceSettings

    engine = get_engine("pyttsx3")
    voice = Voice(engine, VoiceSettings(engine.resolve_voice("zh"), 175), use_cache=False)
    text = "我们在2024年推出了AI平台，数字经济增长了。"
    speech = voice.synthesize(text)
    written = [text[a:b].rstrip("，。") for a, b in tokens(text)]
    assert [w.text for w in speech.words] == written
    assert all(text[w.char_start:w.char_end] == w.text for w in speech.words)
    starts = [w.start_s for w in speech.words]
    assert starts == sorted(starts) and starts[-1] < speech.duration_s
