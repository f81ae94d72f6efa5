"""The sample speech and knowledge, and the offline answerer that searches them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from avatar.errors import ConfigError
from avatar.kiosk.grounding import load_grounding
from avatar.kiosk.local import DEFAULT_UNKNOWN, LocalAnswerer
from avatar.script import load_script

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SPEECH = ASSETS / "speeches" / "beijing-digital-economy.md"
KNOWLEDGE = ASSETS / "knowledge"


@pytest.fixture(scope="module")
def local() -> LocalAnswerer:
    return LocalAnswerer(load_grounding(SPEECH, KNOWLEDGE))


def test_the_sample_speech_is_a_two_to_three_minute_script_written_for_the_ear() -> None:
    script = load_script(SPEECH)
    assert script.meta.title == "Beijing: Building a Global Digital Economy Benchmark City"
    assert script.meta.role == "Beijing Municipal Bureau of Economy and Information Technology"
    assert script.meta.speaker and len(script.meta.speaker) <= 40
    assert script.meta.language == "en" and script.meta.rate_wpm == 165 and script.meta.look == "official"
    text = script.spoken_text
    words = len(text.split())
    assert 330 <= words <= 420
    assert 2.0 <= words / 165 <= 3.0  # minutes at its own rate, before pauses
    assert not re.search(r"\d", text), "numbers are spelled out so the voice reads them well"
    assert max(len(s.text.split()) for s in script.sentences) <= 30, "short sentences for the ear"


def test_the_speech_covers_its_facts_in_order() -> None:
    text = load_script(SPEECH).spoken_text
    facts = ["fourth of December, twenty twenty-three", "UNCTAD eWeek in Geneva", "digital human plus AI",
             "twenty twenty-one", "Openness", "Inclusiveness", "global excellence", "blockchain",
             "Forbes", "one plus three plus N", "smart cities", "factor of production",
             "New Intelligent Manufacturing One Hundred", "three plus three",
             "Global Digital Economy Partner Cities Cooperation Initiative",
             "Beijing Digital Economy Promotion Regulations", "national experimental field for data rules",
             "demonstration zone", "fourth Global Digital Economy Conference"]
    positions = [text.find(f) for f in facts]
    assert all(p >= 0 for p in positions), [f for f, p in zip(facts, positions) if p < 0]
    assert positions == sorted(positions)


def test_knowledge_notes_and_faq_load() -> None:
    notes = sorted(p for p in KNOWLEDGE.glob("*.md") if not p.name.endswith(".zh.md"))  # English ones
    assert 4 <= len(notes) <= 8
    g = load_grounding(SPEECH, KNOWLEDGE)
    assert g.persona.role == "Beijing Municipal Bureau of Economy and Information Technology"
    assert {e.id for e in g.faq} >= {"greeting", "who", "real", "eweek", "conference", "how-to-ask"}
    assert sum(p.source == "speech" for p in g.passages) >= 6
    assert sum(p.source != "speech" for p in g.passages) >= 8
    assert "UNCTAD" in g.knowledge_text and "one plus three plus N" in g.speech_text


@pytest.mark.parametrize("question, faq_id", [
    ("Hello there!", "greeting"),
    ("hi", "greeting"),
    ("Can you tell me who you are?", "who"),
    ("Are you a real person?", "real"),
    ("are you human", "real"),
    ("What's UNCTAD eWeek?", "eweek"),
    ("When is the conference?", "conference"),
    ("How do I ask a question?", "how-to-ask"),
    ("thanks!", "thanks"),
])
def test_canned_answers_come_first_for_close_questions(local: LocalAnswerer, question: str, faq_id: str) -> None:
    match = local.match(question)
    assert match.kind == "faq" and match.faq is not None and match.faq.id == faq_id


@pytest.mark.parametrize("question, expected", [
    ("What is the 1+3+N framework?", "one plus three plus N"),
    ("How many Chinese firms are on the Forbes list?", "half"),
    ("Which values does the plan rest on?", "openness, inclusiveness and global excellence"),
    ("What is data assetisation?", "asset"),
    ("Tell me about the partner cities initiative", "Partner Cities Cooperation Initiative"),
    ("What will Beijing do next?", "Promotion Regulations"),
    ("What was special about the speech in Geneva?", "digital human"),
])
def test_other_questions_are_answered_from_the_best_passage(local: LocalAnswerer, question: str,
                                                            expected: str) -> None:
    match = local.match(question)
    assert match.kind == "passage"
    assert expected.lower() in match.text.lower()
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", match.text)) <= 2, "one or two sentences"


def test_an_answer_naming_something_said_before_brings_that_sentence_along(local: LocalAnswerer) -> None:
    text = local.match("How many Chinese firms are on the Forbes list?").text
    assert "that list" not in text or text.index("Forbes") < text.index("that list")


def test_off_topic_questions_get_a_polite_i_dont_know_with_topics(local: LocalAnswerer) -> None:
    for question in ("What is the weather in Paris tomorrow?", "Who won the football match?", "zzzz qqqq"):
        match = local.match(question)
        assert match.kind == "unknown"
        assert "don't know" in match.text and "conference" in match.text.lower()


def test_the_answer_streams_word_by_word(local: LocalAnswerer) -> None:
    deltas = list(local.answer("When is the conference?", []))
    assert len(deltas) > 5
    assert "".join(deltas) == local.match("When is the conference?").text


def test_without_knowledge_the_speech_alone_answers(tmp_path: Path) -> None:
    answerer = LocalAnswerer(load_grounding(SPEECH, None))
    assert answerer.match("hello").kind in ("passage", "unknown")  # no FAQ without the notes
    assert "Forbes" in answerer.match("What about the Forbes list?").text
    assert answerer.match("weather in Paris").text == DEFAULT_UNKNOWN


def test_a_broken_faq_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "faq.toml").write_text('[[faq]]\nquestions = "not a list"\nanswer = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="faq"):
        load_grounding(SPEECH, tmp_path)
    (tmp_path / "faq.toml").write_text("[[faq]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_grounding(SPEECH, tmp_path)


def test_a_missing_knowledge_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="knowledge folder not found"):
        load_grounding(SPEECH, tmp_path / "nope")
