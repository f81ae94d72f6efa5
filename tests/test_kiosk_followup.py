"""Offline follow-ups: "And in 2024?" or "Who leads it?" is answered with the previous question as context."""

from __future__ import annotations

from pathlib import Path

import pytest

from avatar.kiosk.answerer import Turn
from avatar.kiosk.chain import AnswerChain
from avatar.kiosk.followup import in_context, is_follow_up
from avatar.kiosk.grounding import load_grounding
from avatar.kiosk.local import LocalAnswerer
from avatar.kiosk.session import KioskSession

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@pytest.fixture(scope="module")
def local() -> LocalAnswerer:
    return LocalAnswerer(load_grounding(ASSETS / "speeches" / "beijing-digital-economy.md", ASSETS / "knowledge"))


def after(question: str) -> list[Turn]:
    return [Turn("user", question), Turn("assistant", "Something was said.")]


def test_what_counts_as_a_follow_up() -> None:
    for q in ("And in 2022?", "Who leads it?", "What about the partner cities?", "And where is it?", "2024?",
              "How about next year?"):
        assert is_follow_up(q), q
    for q in ("Who are you?", "When is the Global Digital Economy Conference?", "What is data assetisation?",
              "Tell me everything about the plan Beijing published and what it means for other cities"):
        assert not is_follow_up(q), q


def test_a_new_number_takes_the_place_of_the_old_one() -> None:
    assert in_context("And in 2024?", "What happened at UNCTAD eWeek in 2023?") == \
        "What happened at UNCTAD eWeek in 2024?"
    assert in_context("Who leads it?", "What is the bureau?").endswith("What is the bureau?")


def test_and_in_2024_is_about_the_same_thing_a_year_later(local: LocalAnswerer) -> None:
    match = local.match_in_context("And in 2024?", after("What happened at UNCTAD eWeek in 2023?"))
    assert "2024" in match.text and "Global Digital Economy Conference" in match.text


def test_who_leads_it_knows_what_it_is(local: LocalAnswerer) -> None:
    question = "Who leads it?"
    assert "director" not in local.match(question).text
    match = local.match_in_context(question, after(
        "What is the Beijing Municipal Bureau of Economy and Information Technology?"))
    assert "director of the Beijing Municipal Bureau" in match.text


def test_and_where_is_it_finds_the_canned_answer_about_the_conference(local: LocalAnswerer) -> None:
    assert local.match("And where is it?").kind == "unknown"
    match = local.match_in_context("And where is it?", after("When is the conference?"))
    assert match.kind == "faq" and match.faq is not None and match.faq.id == "conference"


def test_a_canned_answer_to_the_question_as_it_stands_still_comes_first(local: LocalAnswerer) -> None:
    match = local.match_in_context("How does this work?", after("What is data assetisation?"))
    assert match.faq is not None and match.faq.id == "how-to-ask"


def test_the_session_gives_the_local_answerer_the_conversation(local: LocalAnswerer) -> None:
    session = KioskSession(AnswerChain([local]))
    list(session.ask("What is the Beijing Municipal Bureau of Economy and Information Technology?"))
    events = list(session.ask("Who leads it?"))
    answer = events[-1].text
    assert events[-1].kind == "answer_end" and "director" in answer
    session.reset()   # a new visitor: no context any more
    assert "director" not in list(session.ask("Who leads it?"))[-1].text
