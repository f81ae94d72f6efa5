"""Subtitle files: cue splitting, timing, and SRT/WebVTT text that parses back to the spoken sentences."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from avatar.captions import Cue, subtitle_cues, caption_text, to_srt, to_vtt
from avatar.output import write_atomic
from avatar.errors import OutputPathError
from avatar.tts.base import WordTiming

LONG = ("Hello and welcome to this short demonstration of the avatar presenter, which speaks, moves its "
        "lips in time with the words and shows captions like these ones.")
SHORT = "Thank you for watching."


def stamp_s(text: str) -> float:
    h, m, s, ms = re.fullmatch(r"(\d\d):(\d\d):(\d\d)[,.](\d\d\d)", text).groups()
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for n, block in enumerate(text.strip("\n").split("\n\n"), 1):
        lines = block.split("\n")
        assert lines[0] == str(n), block
        m = re.fullmatch(r"(\S+) --> (\S+)", lines[1])
        assert m, lines[1]
        assert len(lines) >= 3 and all(lines[2:]), block
        cues.append((stamp_s(m.group(1)), stamp_s(m.group(2)), "\n".join(lines[2:])))
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text.strip("\n").split("\n\n")[1:]:
        lines = block.split("\n")
        assert all(lines), block
        m = re.fullmatch(r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)", lines[0])
        assert m, lines[0]
        cues.append((stamp_s(m.group(1)), stamp_s(m.group(2)), "\n".join(lines[1:])))
    return cues


def spoken_words(text: str, start_s: float, letter_s: float = 0.06, gap_s: float = 0.08) -> list[WordTiming]:
    """Word timings for `text` as an engine would give them: one after another from `start_s`."""
    words, t = [], start_s
    for m in re.finditer(r"\S+", text):
        dur = letter_s * len(m.group())
        words.append(WordTiming(m.group().strip(".,"), t, t + dur, m.start(), m.end()))
        t += dur + gap_s
    return words


def check_layout(cues: list[tuple[float, float, str]]) -> None:
    """At most two lines of at most 42 characters; times never run backwards."""
    for start, end, text in cues:
        assert start < end
        assert 1 <= len(text.split("\n")) <= 2
        assert all(len(line) <= 42 for line in text.split("\n")), text
    for (s0, e0, _), (s1, _, _) in zip(cues, cues[1:]):
        assert s0 <= s1 and e0 <= s1 + 1e-9


def test_srt_parses_back_to_the_sentences_with_ordered_times():
    cues = subtitle_cues([(0.5, 9.0, LONG), (9.5, 11.0, SHORT)])
    parsed = parse_srt(to_srt(cues))
    check_layout(parsed)
    assert " ".join(t.replace("\n", " ") for _, _, t in parsed) == LONG + " " + SHORT
    assert len(parsed) >= 3  # the 153-character sentence needs two or more cues
    assert parsed[0][0] == 0.5 and parsed[-1] == (9.5, 11.0, SHORT)
    split_end = max(e for s, e, _ in parsed if s < 9.5)
    assert split_end == 9.0  # the pieces of a sentence fill exactly its time


def test_without_word_timings_time_follows_the_characters():
    """A split sentence shows each piece for a share of its time proportional to its length."""
    cues = subtitle_cues([(0.0, 10.0, LONG)])
    for cue in cues:
        share = (len(cue.text) + 1) / (len(LONG) + 1)
        assert cue.end_s - cue.start_s == pytest.approx(10.0 * share, abs=0.15)


def test_with_word_timings_a_piece_starts_when_its_first_word_is_spoken():
    words = spoken_words(LONG, 1.0)
    end = words[-1].end_s
    cues = subtitle_cues([(1.0, end, LONG)], words)
    assert len(cues) >= 3
    starts = [w.start_s for w in words]
    for cue in cues[1:]:
        assert min(abs(cue.start_s - s) for s in starts) < 1e-9
        assert cue.word_starts_s[0] == pytest.approx(cue.start_s)
    assert cues[0].start_s == 1.0 and cues[-1].end_s == end
    assert [s for c in cues for s in c.word_starts_s] == starts


def test_vtt_has_word_tags_inside_each_cue_in_order():
    words = spoken_words(LONG, 0.25)
    cues = subtitle_cues([(0.25, words[-1].end_s, LONG)], words)
    parsed = parse_vtt(to_vtt(cues))
    assert len(parsed) == len(cues)
    word_starts = {round(w.start_s, 3) for w in words}
    n_tags = 0
    for start, end, body in parsed:
        tags = [stamp_s(x) for x in re.findall(r"<(\d\d:\d\d:\d\d\.\d\d\d)>", body)]
        n_tags += len(tags)
        assert tags == sorted(tags) and all(start < t < end for t in tags)
        assert all(round(t, 3) in word_starts for t in tags)
    assert n_tags == len(words) - len(cues)  # every word but the first of each cue is tagged
    plain = parse_vtt(to_vtt(cues, words=False))
    assert " ".join(t.replace("\n", " ") for _, _, t in plain) == LONG
    check_layout(plain)


def test_vtt_escapes_markup_and_srt_uses_commas():
    cues = subtitle_cues([(0.0, 2.0, "Fish & chips <3 > salad")])
    vtt, srt = to_vtt(cues), to_srt(cues)
    assert "Fish &amp; chips &lt;3 &gt; salad" in vtt
    assert "00:00:00,000 --> 00:00:02,000" in srt and "00:00:00.000 --> 00:00:02.000" in vtt
    assert caption_text(cues, "talk.SRT") == srt and caption_text(cues, "talk.vtt") == vtt
    with pytest.raises(OutputPathError, match=r"\.srt or \.vtt"):
        caption_text(cues, "talk.txt")


def test_sentence_objects_with_their_own_words_and_empty_ones():
    """Timeline caption items (start_s, end_s, text, words) work as they are; blank text is skipped."""

    @dataclass(frozen=True)
    class Item:
        start_s: float
        end_s: float
        text: str
        words: tuple[WordTiming, ...] = ()

    words = tuple(spoken_words(SHORT, 2.0))
    cues = subtitle_cues([Item(0.0, 1.0, "   "), Item(2.0, words[-1].end_s, SHORT, words)])
    assert len(cues) == 1 and cues[0].text == SHORT
    assert cues[0].word_starts_s == tuple(w.start_s for w in words)


def test_times_are_rounded_to_milliseconds_and_never_empty():
    cues = [Cue(3661.0004, 3661.0006, "tiny")]
    (start, end, _), = parse_srt(to_srt(cues))
    assert start == pytest.approx(3661.0) and end == pytest.approx(3661.001)
    assert "01:01:01,000 --> 01:01:01,001" in to_srt(cues)


words_st = st.text(alphabet="abcdefghijklmnopqrstuvwxyz,.'", min_size=1, max_size=14)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words_st, min_size=1, max_size=40), min_size=1, max_size=5), st.booleans())
def test_any_sentences_become_well_formed_cues(sentences: list[list[str]], timed: bool):
    items, all_words, t = [], [], 0.0
    for toks in sentences:
        text = " ".join(toks)
        ws = spoken_words(text, t)
        items.append((t, ws[-1].end_s, text))
        all_words += ws
        t = ws[-1].end_s + 0.3
    cues = subtitle_cues(items, all_words if timed else ())
    parsed = parse_srt(to_srt(cues))
    assert " ".join(x.replace("\n", " ") for _, _, x in parsed) == " ".join(" ".join(s) for s in sentences)
    for start, end, text in parsed:
        assert start < end and len(text.split("\n")) <= 2
        assert all(len(line) <= 42 or " " not in line for line in text.split("\n"))
    assert [c[0] for c in parsed] == sorted(c[0] for c in parsed)
    parse_vtt(to_vtt(cues))


def test_write_atomic(tmp_path: Path):
    target = write_atomic(tmp_path / "talk.srt", "1\nA\n")
    assert target.read_text(encoding="utf-8") == "1\nA\n"
    write_atomic(tmp_path / "talk.srt", "ünïcode\n")
    assert (tmp_path / "talk.srt").read_bytes() == "ünïcode\n".encode()
    with pytest.raises(OutputPathError, match="--overwrite"):
        write_atomic(tmp_path / "talk.srt", "new", overwrite=False)
    with pytest.raises(OutputPathError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "talk.srt", "x")
    assert os.listdir(tmp_path) == ["talk.srt"]
