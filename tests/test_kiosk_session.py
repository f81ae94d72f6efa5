"""The fallback chain and the session rules: a visitor always hears an answer, and the kiosk stays sane."""

from __future__ import annotations

import logging
import threading
from typing import Iterator, Sequence

import pytest

from avatar.errors import AnswerError
from avatar.kiosk.answerer import AnswerEvent, Turn
from avatar.kiosk.chain import APOLOGY, CLOSING_LINE, AnswerChain
from avatar.kiosk.session import KioskSession, SessionRules, sanitize_question


class Scripted:
    """An answerer that says `text` token by token, optionally failing with `kind` after `fail_after` tokens."""

    def __init__(self, source: str, text: str, *, fail_after: int | None = None, kind: str = "timeout",
                 crash: bool = False) -> None:
        self.source = source
        self.text = text
        self.fail_after = fail_after
        self.kind = kind
        self.crash = crash
        self.calls: list[tuple[str, tuple[Turn, ...]]] = []
        self.closed = 0

    def answer(self, question: str, history: Sequence[Turn]) -> Iterator[str]:
        self.calls.append((question, tuple(history)))
        return self._gen()

    def _gen(self) -> Iterator[str]:
        try:
            for i, tok in enumerate(self.text.split(" ")):
                if self.fail_after is not None and i == self.fail_after:
                    if self.crash:
                        raise RuntimeError("bug")
                    raise AnswerError("failed with sk-test-SECRET in the message", kind=self.kind)
                yield tok if i == 0 else " " + tok
            if self.fail_after is not None and self.fail_after >= len(self.text.split(" ")):
                raise AnswerError("failed at the end", kind=self.kind)
        finally:
            self.closed += 1


LOCAL_TEXT = "The conference is in Beijing next summer. Everyone is welcome."
LLM_TEXT = "Thank you for asking, the conference is in Beijing. It takes place next summer."


def chunks(events: list[AnswerEvent]) -> list[str]:
    return [e.text for e in events if e.kind == "chunk"]


def kinds(events: list[AnswerEvent]) -> list[str]:
    return [e.kind for e in events]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the chain -----------------------------------------------------------------------------------

def test_a_working_llm_answers_in_chunks_and_the_fallback_is_not_asked() -> None:
    llm, local = Scripted("llm", LLM_TEXT), Scripted("local", LOCAL_TEXT)
    events = list(AnswerChain([llm, local]).stream("When?", []))
    assert kinds(events)[:2] == ["answer_source", "first_token"] and events[0].source == "llm"
    assert chunks(events) == ["Thank you for asking,", "the conference is in Beijing.", "It takes place next summer."]
    assert events[-1].kind == "answer_end" and events[-1].source == "llm" and not events[-1].interrupted
    assert events[-1].text == " ".join(chunks(events))
    assert local.calls == []


@pytest.mark.parametrize("kind", ["timeout", "connection", "server_error", "rate_limited", "bad_response"])
def test_an_llm_failing_before_any_token_is_replaced_by_the_local_answer(
        kind: str, caplog: pytest.LogCaptureFixture) -> None:
    llm, local = Scripted("llm", LLM_TEXT, fail_after=0, kind=kind), Scripted("local", LOCAL_TEXT)
    with caplog.at_level(logging.WARNING, logger="avatar.kiosk"):
        events = list(AnswerChain([llm, local]).stream("When?", []))
    assert [e.text for e in events if e.kind == "error"] == [kind]
    assert [e.source for e in events if e.kind == "answer_source"] == ["local"]
    assert chunks(events) == ["The conference is in Beijing next summer.", "Everyone is welcome."]
    assert events[-1].kind == "answer_end" and events[-1].source == "local"
    assert kind in caplog.text and "SECRET" not in caplog.text  # the kind is logged, never the message
    assert llm.closed == 1


def test_an_llm_failing_mid_answer_drops_the_half_sentence_and_closes_politely() -> None:
    llm = Scripted("llm", LLM_TEXT, fail_after=11, kind="stream_cut")  # "... It takes place" then cut
    local = Scripted("local", LOCAL_TEXT)
    events = list(AnswerChain([llm, local]).stream("When?", []))
    assert chunks(events) == ["Thank you for asking,", "the conference is in Beijing.", CLOSING_LINE]
    assert "It takes place" not in events[-1].text
    assert [e.text for e in events if e.kind == "error"] == ["stream_cut"]
    assert events[-1].kind == "answer_end" and local.calls == []


def test_an_llm_failing_before_its_first_chunk_was_spoken_falls_back_fully() -> None:
    llm = Scripted("llm", LLM_TEXT, fail_after=2, kind="stalled")  # "Thank you" is not a chunk yet
    events = list(AnswerChain([llm, Scripted("local", LOCAL_TEXT)]).stream("When?", []))
    assert chunks(events) == ["The conference is in Beijing next summer.", "Everyone is welcome."]


def test_an_answer_with_nothing_speakable_falls_back() -> None:
    llm = Scripted("llm", "```python\nprint(1)\n```")
    events = list(AnswerChain([llm, Scripted("local", LOCAL_TEXT)]).stream("code?", []))
    assert chunks(events) == ["The conference is in Beijing next summer.", "Everyone is welcome."]


def test_a_crashing_answerer_is_survived_and_all_failing_still_gives_an_apology() -> None:
    crash = Scripted("llm", LLM_TEXT, fail_after=0, crash=True)
    events = list(AnswerChain([crash, Scripted("local", LOCAL_TEXT)]).stream("q", []))
    assert [e.text for e in events if e.kind == "error"] == ["error"]
    assert chunks(events)[0] == "The conference is in Beijing next summer."
    both_fail = AnswerChain([Scripted("llm", "x", fail_after=0), Scripted("local", "y", fail_after=0, kind="error")])
    events = list(both_fail.stream("q", []))
    assert " ".join(chunks(events)) == APOLOGY and events[-1].kind == "answer_end"


def test_a_failing_llm_rests_so_the_next_visitors_do_not_wait_for_it() -> None:
    clock = Clock()
    llm, local = Scripted("llm", LLM_TEXT, fail_after=0, kind="timeout"), Scripted("local", LOCAL_TEXT)
    chain = AnswerChain([llm, local], rest_s=15.0, clock=clock)
    list(chain.stream("one", []))
    list(chain.stream("two", []))
    assert len(llm.calls) == 1 and len(local.calls) == 2
    clock.now += 16
    llm.fail_after = None
    events = list(chain.stream("three", []))
    assert len(llm.calls) == 2 and events[0].source == "llm"


# --- the session ---------------------------------------------------------------------------------

def test_questions_are_cleaned_capped_and_stripped_of_invisible_characters() -> None:
    q = sanitize_question("  What\x00 is\tthe\u202e plan\u200f?\x1b[31m \r\n", 500)
    assert q.text == "What is the plan?[31m" and not q.truncated
    long = sanitize_question("word " * 300, 500)
    assert long.truncated and len(long.text) <= 500 and long.original_chars > 1000
    assert long.text.endswith("word")
    assert sanitize_question("\u2066\u2069\u200e \x07", 500).text == ""


def test_the_session_caps_long_questions_and_notes_it_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    local = Scripted("local", LOCAL_TEXT)
    session = KioskSession(AnswerChain([local]), SessionRules(max_question_chars=50))
    with caplog.at_level(logging.INFO, logger="avatar.kiosk"):
        list(session.ask("tell me " + "x" * 500))
    assert len(local.calls[0][0]) <= 50
    assert "truncated" in caplog.text and "xxxx" not in caplog.text  # the note, not the text


def test_an_empty_question_is_ignored() -> None:
    local = Scripted("local", LOCAL_TEXT)
    session = KioskSession(AnswerChain([local]))
    assert list(session.ask("   \u200e\x00  ")) == []
    assert local.calls == [] and session.history == ()


def test_history_is_passed_on_and_bounded() -> None:
    local = Scripted("local", LOCAL_TEXT)
    session = KioskSession(AnswerChain([local]), SessionRules(max_history_turns=4))
    for i in range(5):
        list(session.ask(f"question {i}"))
    assert [t.text for t in session.history] == ["question 3", LOCAL_TEXT, "question 4", LOCAL_TEXT]
    assert [t.role for t in session.history] == ["user", "assistant", "user", "assistant"]
    assert [t.text for t in local.calls[-1][1]] == ["question 2", LOCAL_TEXT, "question 3", LOCAL_TEXT]


def test_inactivity_clears_the_conversation_for_the_next_visitor() -> None:
    clock = Clock()
    local = Scripted("local", LOCAL_TEXT)
    session = KioskSession(AnswerChain([local]), SessionRules(idle_reset_s=60), clock=clock)
    list(session.ask("first visitor"))
    clock.now += 59
    events = list(session.ask("still here"))
    assert "reset" not in kinds(events) and len(local.calls[-1][1]) == 2
    clock.now += 61
    events = list(session.ask("new visitor"))
    assert kinds(events)[0] == "reset"
    assert local.calls[-1][1] == ()
    assert [t.text for t in session.history] == ["new visitor", LOCAL_TEXT]
    clock.now += 120
    assert session.reset_if_idle() and session.history == ()


def test_a_new_question_stops_the_current_answer_at_once() -> None:
    first = Scripted("local", "One two three four, five six. Seven eight nine. Ten eleven twelve.")
    session = KioskSession(AnswerChain([first]))
    old = session.ask("first")
    assert next(e for e in old if e.kind == "chunk").text == "One two three four,"
    new = session.ask("second")
    assert list(old) == []          # nothing more from the old answer
    assert first.closed == 1        # and its stream was closed
    assert chunks(list(new))[0] == "One two three four,"
    # The interrupted exchange stays in the history, with only what was actually said.
    assert [t.text for t in session.history] == ["first", "One two three four,", "second",
                                                 "One two three four, five six. Seven eight nine. Ten eleven twelve."]


class Blocking:
    """An answerer whose second token waits until released: a model in the middle of its answer."""

    source = "llm"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.waiting = threading.Event()
        self.closed = threading.Event()

    def answer(self, question: str, history: Sequence[Turn]) -> Iterator[str]:
        try:
            yield "Hello there, dear visitor. "
            self.waiting.set()
            self.release.wait(10)
            yield " More words. And more."
        finally:
            self.closed.set()


def test_cancel_from_another_thread_stops_an_answer_that_is_waiting_for_tokens() -> None:
    blocking = Blocking()
    session = KioskSession(AnswerChain([blocking]))
    seen: list[AnswerEvent] = []
    worker = threading.Thread(target=lambda: seen.extend(session.ask("hi")))
    worker.start()
    assert blocking.waiting.wait(10)  # the first sentence was handed out, the model is "thinking"
    session.cancel()
    blocking.release.set()
    worker.join(10)
    assert not worker.is_alive() and blocking.closed.is_set()
    assert chunks(seen) == ["Hello there, dear visitor."]
    assert seen[-1].kind == "answer_end" and seen[-1].interrupted
