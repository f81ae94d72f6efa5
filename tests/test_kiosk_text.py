"""Speech chunking and speech-text cleaning: what the avatar says, piece by piece, as captions show it."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from avatar.kiosk.chunker import SpeechChunker, chunk_text_stream
from avatar.kiosk.speechtext import clean_for_speech


def tokens(text: str) -> list[str]:
    """Split like a model's tokenizer: words with their leading space, punctuation on its own."""
    return re.findall(r"\s*\w+|\s*[^\w\s]", text)


def test_sentences_become_chunks_and_the_first_clause_comes_early() -> None:
    text = ("Thank you for asking, that is a great question. The conference is held in Beijing! "
            "Will you come? We hope so.")
    chunks = list(chunk_text_stream(tokens(text)))
    assert chunks == ["Thank you for asking,", "that is a great question.",
                      "The conference is held in Beijing!", "Will you come?", "We hope so."]


def test_only_the_first_chunk_is_cut_at_a_clause() -> None:
    text = "Beijing has a plan, and it is ambitious. It has three values, which are open and fair."
    chunks = list(chunk_text_stream(tokens(text)))
    assert chunks == ["Beijing has a plan,", "and it is ambitious.",
                      "It has three values, which are open and fair."]


def test_a_short_opening_clause_is_not_cut_off() -> None:
    chunks = list(chunk_text_stream(tokens("Yes, it is. Well, maybe.")))
    assert chunks == ["Yes, it is.", "Well, maybe."]


def test_numbers_and_abbreviations_are_not_sentence_ends() -> None:
    text = ("Growth was 3.5 percent in 2023. Costs were 1,000 yuan, e.g. for rent. Mr. Li and Dr. Wang "
            "met the U.S. team at 9 a.m. today. Done.")
    for feed in (tokens(text), list(text), [text]):
        assert list(chunk_text_stream(feed)) == [
            "Growth was 3.5 percent in 2023.",
            "Costs were 1,000 yuan, e.g. for rent.",
            "Mr. Li and Dr. Wang met the U.S. team at 9 a.m. today.",
            "Done.",
        ]


def test_chunks_are_released_as_soon_as_they_are_safe() -> None:
    chunker = SpeechChunker()
    assert chunker.feed("It is ready.") == []          # could still be "ready.com" or "ready..."
    assert chunker.feed(" And") == ["It is ready."]
    assert chunker.feed(" more") == []
    assert chunker.flush() == ["And more"]


def test_a_code_block_is_never_split_and_is_not_spoken() -> None:
    text = "Here is how:\n```python\nx = 1. y = 2.\nprint(x)\n```\nThat is all."
    chunks = list(chunk_text_stream(tokens(text)))
    assert chunks[0] == "Here is how:"
    assert any(c.startswith("```") and c.endswith("```") for c in chunks)
    spoken = [clean_for_speech(c) for c in chunks]
    assert [s for s in spoken if s] == ["Here is how:", "That is all."]


def test_chinese_sentences_and_clauses_are_cut_without_spaces() -> None:
    chunks = list(chunk_text_stream(list("北京是数字经济标杆城市，我们欢迎您。谢谢！")))
    assert chunks == ["北京是数字经济标杆城市，", "我们欢迎您。", "谢谢！"]


def test_a_long_run_without_punctuation_is_cut_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(100))
    chunks = list(chunk_text_stream(tokens(text), max_chars=80))
    assert all(len(c) <= 90 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_discard_drops_an_unfinished_sentence() -> None:
    chunker = SpeechChunker(first_cut_words=0)  # no early cut at a word boundary
    assert chunker.feed("The plan was released in twenty") == []
    assert chunker.discard() == "The plan was released in twenty"
    assert chunker.flush() == []


_WORDS = st.sampled_from(["Beijing", "data", "3.5", "e.g.", "Mr.", "plan,", "city.", "yes!", "why?",
                          "1,000", "U.S.", "—", "AI;", "word", "\n", "\"quoted.\"", "(note)", "`code`"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=40), st.lists(st.integers(1, 7), min_size=1, max_size=40))
def test_no_word_is_lost_or_repeated_however_the_stream_is_split(words: list[str], cuts: list[int]) -> None:
    text = " ".join(words)
    deltas, pos, i = [], 0, 0
    while pos < len(text):
        step = cuts[i % len(cuts)]
        deltas.append(text[pos:pos + step])
        pos, i = pos + step, i + 1
    chunks = list(chunk_text_stream(deltas))
    assert " ".join(chunks).split() == text.split()
    assert all(c == c.strip() and c for c in chunks)


# --- cleaning -----------------------------------------------------------------------------------

def test_markdown_is_read_as_plain_sentences() -> None:
    assert clean_for_speech("**Beijing** is *big* and __open__") == "Beijing is big and open"
    assert clean_for_speech("# The plan\nIt has three values") == "The plan. It has three values"
    assert clean_for_speech("Values:\n- openness\n- inclusiveness\n1. excellence") == \
        "Values: openness. inclusiveness. excellence"
    assert clean_for_speech("> quoted line") == "quoted line"
    assert clean_for_speech("Use `avatar kiosk` now") == "Use avatar kiosk now"


def test_code_blocks_are_dropped() -> None:
    assert clean_for_speech("Run this:\n```bash\nrm -rf /tmp/x\n```\nThen relax.") == "Run this: Then relax."
    assert clean_for_speech("```\nunclosed code") == ""


def test_links_read_as_their_text_and_urls_as_their_domain() -> None:
    assert clean_for_speech("See [the conference site](https://example.org/gdec).") == "See the conference site."
    assert clean_for_speech("Visit https://www.example.org/en/page?x=1.") == "Visit example.org."
    assert clean_for_speech("Open http://localhost:8000/ now") == "Open the link on screen now"
    assert clean_for_speech("![a chart](chart.png) shows growth") == "a chart shows growth"


def test_emoji_control_and_bidi_characters_are_removed() -> None:
    assert clean_for_speech("Welcome 👋🏽 to Beijing 🇨🇳! ✅") == "Welcome to Beijing!"
    assert clean_for_speech("a\x00b\x07c\u202ed\u200fe\u2066f\ufeffg") == "abcdefg"
    assert clean_for_speech("snake_case_name stays") == "snake_case_name stays"


def test_plain_text_passes_unchanged() -> None:
    text = "On the fourth of December, twenty twenty-three, we spoke in Geneva. It was a first!"
    assert clean_for_speech(text) == text
