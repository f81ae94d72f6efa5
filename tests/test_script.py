"""Speech scripts: what is spoken, in which order, and a clear error with a line number for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from avatar.errors import ScriptError
from avatar.script import Expression, Pause, Slide, load_script, parse_script

FULL = """+++
title = "Digital Beijing"
speaker = "Presenter"
role = "Bureau of Economy"
voice = "en-gb"
rate = 160
language = "en"
look = "official"
+++
# Part one (a heading is not spoken)
[expression smile]
Good morning, Mr. Chen. We are **proud** to be here!
[pause 1.5s]
This is a test. [pause 300ms] And another.

<!-- a note for the speaker, not spoken -->
Read more on [our site](https://example.org) today.
"""


def test_front_matter_and_segments_in_order() -> None:
    s = parse_script(FULL)
    assert s.meta.title == "Digital Beijing"
    assert s.meta.speaker == "Presenter" and s.meta.role == "Bureau of Economy"
    assert s.meta.rate_wpm == 160 and s.meta.voice == "en-gb" and s.meta.look == "official"
    kinds = [type(seg).__name__ for seg in s.segments]
    assert kinds == ["Expression", "Sentence", "Sentence", "Pause", "Sentence", "Pause", "Sentence",
                     "Sentence"]
    texts = [seg.text for seg in s.sentences]
    assert texts == ["Good morning, Mr. Chen.", "We are proud to be here!", "This is a test.",
                     "And another.", "Read more on our site today."]
    pauses = [seg.duration_s for seg in s.segments if isinstance(seg, Pause)]
    assert pauses == [1.5, 0.3]
    we = s.sentences[1]
    assert we.text[slice(*we.emphasis[0])] == "proud"
    assert s.sentences[0].line == 12
    assert s.sentences[-1].paragraph > s.sentences[0].paragraph


def test_script_without_front_matter_is_plain_text() -> None:
    s = parse_script("Hello there. How are you?\n")
    assert [x.text for x in s.sentences] == ["Hello there.", "How are you?"]
    assert s.meta.title == ""


def test_mid_sentence_expression_is_a_mark_not_a_split() -> None:
    s = parse_script("I was [expression surprised] amazed by it.")
    (only,) = s.sentences
    assert only.text == "I was amazed by it."
    offset, change = only.marks[0]
    assert isinstance(change, Expression) and change.name == "surprised"
    assert only.text[offset:].startswith("amazed")


def test_slides_resolve_relative_to_the_script(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    png = tmp_path / "img" / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    script = tmp_path / "talk.md"
    script.write_text("[slide img/chart.png]\nLook at this chart.\n[slide off]\nDone.\n", "utf-8")
    s = load_script(script)
    slides = [seg for seg in s.segments if isinstance(seg, Slide)]
    assert slides[0].path == str(png.resolve()) and slides[1].path is None


@pytest.mark.parametrize("text, line, needle", [
    ("", 1, "nothing to say"),
    ("   \n\n  \n", 1, "nothing to say"),
    ("[pause 1s]\n[expression smile]\n", 1, "nothing to say"),
    ("Hello.\nThis is [dance wildly] now.\n", 2, "unknown directive"),
    ("Hello.\n\n[pause soon]\n", 3, "bad pause"),
    ("Hello.\n[pause -1s]\n", 2, "bad pause"),
    ("Hello.\n[pause 5 minutes]\n", 2, "bad pause"),
    ("Hello.\n[pause 600s]\n", 2, "too long"),
    ("Hi.\n[slide nowhere/missing.png]\n", 2, "slide image not found"),
    ("Hi [expression angry] there.", 1, "unknown expression"),
    ("+++\ntitle = \"x\n+++\nHello.", 2, "bad front matter"),
    ("+++\ntitle = 3\n+++\nHello.", 2, "must be a quoted string"),
    ("+++\ncolour = \"red\"\n+++\nHello.", 2, "unknown front matter key"),
    ("+++\nrate = 5000\n+++\nHello.", 2, "out of range"),
    ("+++\ntitle = \"x\"\nHello.", 1, "never closed"),
    ("\n---\ntitle: My talk\nspeaker: Li Wei\n---\nHello.", 2, "must be TOML between '+++' lines"),
    ("Hello [world.\n", 1, "unmatched"),
])
def test_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(ScriptError) as info:
        parse_script(text, path="talk.md")
    assert info.value.line == line
    assert needle in str(info.value)
    assert str(info.value).startswith(f"talk.md:{line}")
    assert "\n" not in str(info.value)


def test_unknown_directive_names_the_column() -> None:
    with pytest.raises(ScriptError) as info:
        parse_script("Hello.\nThis is [dance wildly] now.\n")
    assert info.value.column == len("This is ") + 1


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.md"
    bad.write_bytes("Hello.\nCaf\u00e9 time.\n".encode("latin-1"))
    with pytest.raises(ScriptError) as info:
        load_script(bad)
    assert info.value.line == 2 and "UTF-8" in str(info.value)


def test_binary_file_missing_file_and_folder(tmp_path: Path) -> None:
    blob = tmp_path / "x.md"
    blob.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(ScriptError, match="binary"):
        load_script(blob)
    with pytest.raises(ScriptError, match="not found"):
        load_script(tmp_path / "nope.md")
    with pytest.raises(ScriptError, match="folder"):
        load_script(tmp_path)


def test_sample_speech_parses_and_has_the_facts() -> None:
    sample = Path(__file__).resolve().parent.parent / "assets" / "speeches" / "beijing-digital-economy.md"
    s = load_script(sample)
    words = len(s.spoken_text.split())
    assert 300 <= words <= 480, words  # 2-3 minutes at about 150-170 words per minute
    text = s.spoken_text.lower()
    for fact in ("geneva", "unctad", "digital human", "benchmark", "forbes", "smart", "partner cities",
                 "regulations", "conference"):
        assert fact in text, fact
    assert s.meta.speaker and s.meta.title


def test_rules_are_not_spoken_and_end_a_paragraph() -> None:
    """A Markdown rule (---, ***, - - -) opening the script or between paragraphs says nothing."""
    from avatar.script import Sentence

    script = parse_script("---\nGood morning.\n\n***\nThank you.\n- - -\nWelcome to Geneva.\n")
    sentences = [s for s in script.segments if isinstance(s, Sentence)]
    assert [s.text for s in sentences] == ["Good morning.", "Thank you.", "Welcome to Geneva."]
    assert len({s.paragraph for s in sentences}) == 3
    assert script.meta.title == ""
