"""The first words of an answer are spoken before any punctuation comes, cut only where a speaker could pause."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from avatar.kiosk.chunker import SpeechChunker, chunk_text_stream
from avatar.kiosk.wordcut import boundary_ok, find_word_cut


def words(text: str) -> list[str]:
    """Stream whole words with their leading space, as many model servers do."""
    return re.findall(r"\s*\S+", text)


def first_chunk(text: str) -> str:
    return next(iter(chunk_text_stream(words(text))))


def test_late_punctuation_still_gives_a_short_first_chunk_at_a_phrase_boundary() -> None:
    assert first_chunk("Our city has built a strong base for artificial intelligence and data markets "
                       "over the past ten years, and more.") == "Our city has built"
    assert first_chunk("The plan was released in twenty twenty one by the municipal bureau of the "
                       "city government, as promised.") == "The plan was released"
    assert first_chunk("It is next summer in Beijing where the fourth conference welcomes guests "
                       "from all over the world, we hope.") == "It is next summer"


def test_the_first_chunk_is_released_as_soon_as_the_next_word_begins() -> None:
    chunker = SpeechChunker()
    assert chunker.feed("Our city has built") == []   # "built" may still grow ("builtin")
    assert chunker.feed(" a") == ["Our city has built"]
    assert chunker.feed(" strong base for") == []     # later chunks wait for the sentence end
    assert chunker.flush() == ["a strong base for"]


def test_a_growing_next_word_that_may_become_a_number_or_of_is_waited_for() -> None:
    chunker = SpeechChunker()
    assert chunker.feed("Our digital team counted roughly") == []
    assert chunker.feed(" fo") == []                  # "four"? "forty"? then "roughly | forty" is no cut
    assert chunker.feed("rty") == []
    assert chunker.feed(" percent") == []
    chunker = SpeechChunker()
    assert chunker.feed("The capital city") == []
    assert chunker.feed(" o") == []                   # "of" binds to "city"
    assert chunker.feed("f China") == []


def test_an_early_clause_mark_still_wins() -> None:
    assert first_chunk("Thank you for asking, that is a great question.") == "Thank you for asking,"


def test_never_inside_a_name() -> None:
    first = first_chunk("The fourth Global Digital Economy Conference opens in Beijing next July with "
                        "many guests from abroad, as always.")
    assert first == "The fourth Global Digital Economy Conference"   # the subject whole, before its verb
    assert not boundary_ok("Global", "Digital") and not boundary_ok("Xi'an", "Hi-Tech")


def test_never_inside_a_number() -> None:
    for a, b in (("2023", "and"), ("twenty", "twenty"), ("1.9", "trillion"), ("trillion", "yuan"),
                 ("grew", "12"), ("hundred", "and"), ("ten", "percent")):
        assert not boundary_ok(a, b), (a, b)
    first = first_chunk("Beijing reached 1.9 trillion yuan of digital output in twenty twenty three "
                        "and it keeps growing, as planned.")
    assert not re.search(r"\d$|trillion$|yuan$|twenty$", first)


def test_never_after_a_word_that_leans_on_the_next() -> None:
    for a in ("the", "a", "our", "of", "in", "to", "and", "but", "is", "will", "very", "Beijing's",
              "Mr.", "e.g.", "`code`", "not"):
        assert not boundary_ok(a, "plan"), a
    assert not boundary_ok("capital", "of")           # "of" binds to the word before it


def test_text_without_spaces_or_with_markdown_is_left_to_the_sentence_rules() -> None:
    assert find_word_cut("北京是数字经济标杆城市我们欢迎您来北京参加会议") is None
    assert find_word_cut("Run the `avatar kiosk` command with your own speech today please") is None


def test_the_early_cut_can_be_turned_off() -> None:
    chunks = list(chunk_text_stream(words("Our city has built a strong base for data markets."),
                                    first_cut_words=0))
    assert chunks == ["Our city has built a strong base for data markets."]


_WORDS = st.sampled_from(["Beijing", "data", "3.5", "the", "of", "in", "plan", "Global", "Digital",
                          "twenty", "million", "is", "and", "city", "grows", "fast", "a", "our", "1,000"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=30))
def test_an_early_cut_never_breaks_the_rules_and_loses_no_word(ws: list[str]) -> None:
    text = " ".join(ws) + "."
    chunks = list(chunk_text_stream(words(text)))
    assert " ".join(chunks).split() == text.split()
    if len(chunks) > 1:
        kept, rest = chunks[0].split(), chunks[1].split()
        assert len(kept) >= 3 and boundary_ok(kept[-1], rest[0])
