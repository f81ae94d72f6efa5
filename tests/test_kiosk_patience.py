"""A slow model is covered on fake time: first words early, an acknowledgement, never a long silence."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from avatar.kiosk.acknowledge import CHINESE, ENGLISH
from avatar.kiosk.answerer import AnswerEvent, Turn
from avatar.kiosk.chain import CLOSING_LINE, AnswerChain
from avatar.kiosk.fake_server import LATE_PUNCTUATION_REPLY
from avatar.kiosk.patience import PatienceRules, speech_s
from avatar.kiosk.session import KioskSession

TICK_S = 0.1  # how often a waiting model answerer yields "" (LLMSettings.heartbeat_s)
LOCAL_TEXT = "The conference is in Beijing next summer. Everyone is welcome."


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class PacedModel:
    """A model answerer on fake time: its first word after `first_s`, then `words_per_s`, slowing to
    `slow_words_per_s` after `slow_after` words; it never finishes if `first_s` is None (a hung server)."""

    source = "llm"

    def __init__(self, clock: FakeTime, text: str = LATE_PUNCTUATION_REPLY, *, first_s: float | None = 0.3,
                 words_per_s: float = 30.0, slow_after: int | None = None, slow_words_per_s: float = 1.0,
                 stop_after: int | None = None) -> None:
        self.clock, self.text, self.first_s = clock, text, first_s
        self.words_per_s, self.slow_after, self.slow_words_per_s = words_per_s, slow_after, slow_words_per_s
        self.stop_after = stop_after
        self.closed = False

    def answer(self, question: str, history: Sequence[Turn]) -> Iterator[str]:
        return self._gen()

    def _wait_until(self, at_s: float) -> Iterator[str]:
        while self.clock.now + TICK_S < at_s:
            self.clock.now += TICK_S
            yield ""
        self.clock.now = max(self.clock.now, at_s)

    def _gen(self) -> Iterator[str]:
        try:
            if self.first_s is None:
                yield from self._wait_until(600.0)
                raise AssertionError("nobody gave up on a hung model")
            at = self.clock.now + self.first_s
            for i, word in enumerate(re.findall(r"\s*\S+", self.text)):
                if self.stop_after is not None and i >= self.stop_after:
                    yield from self._wait_until(600.0)
                    raise AssertionError("nobody gave up on a stopped stream")
                slow = self.slow_after is not None and i >= self.slow_after
                if i:
                    at += 1.0 / (self.slow_words_per_s if slow else self.words_per_s)
                yield from self._wait_until(at)
                yield word
        finally:
            self.closed = True


class InstantLocal:
    source = "local"

    def __init__(self, text: str = LOCAL_TEXT) -> None:
        self.text = text

    def answer(self, question: str, history: Sequence[Turn]) -> Iterator[str]:
        yield from re.findall(r"\s*\S+", self.text)


def run(chain: AnswerChain, clock: FakeTime, question: str = "What has Beijing built?"
        ) -> list[tuple[float, AnswerEvent]]:
    """Every event with the fake time it came out at."""
    return [(clock.now, ev) for ev in chain.stream(question, [])]


def said(events: list[tuple[float, AnswerEvent]]) -> list[tuple[float, AnswerEvent]]:
    return [(t, ev) for t, ev in events if ev.kind == "chunk"]


def longest_silence_s(events: list[tuple[float, AnswerEvent]], rules: PatienceRules) -> float:
    """From the question (t = 0) to the end: the longest time nothing was being said (estimated)."""
    voice_until, longest = 0.0, 0.0
    for t, ev in said(events):
        longest = max(longest, t - voice_until)
        voice_until = max(voice_until, t) + speech_s(ev.text, rules)
    return longest


def test_late_punctuation_the_first_words_are_handed_out_within_half_a_second() -> None:
    clock = FakeTime()
    events = run(AnswerChain([PacedModel(clock), InstantLocal()], clock=clock), clock)
    (t0, first), *_ = said(events)
    assert first.source == "llm" and first.text == "Our city has built"
    assert t0 <= 0.5                       # 0.3 s to the first word, 30 words a second
    assert not [ev for _, ev in said(events) if ev.source == "ack"]
    answer = " ".join(ev.text for _, ev in said(events))
    assert answer.split() == LATE_PUNCTUATION_REPLY.split()


def test_a_fast_stream_still_gets_whole_clauses() -> None:
    clock = FakeTime()
    events = run(AnswerChain([PacedModel(clock, words_per_s=1000.0), InstantLocal()], clock=clock), clock)
    assert said(events)[0][1].text.endswith("ten years,")


def test_a_hung_model_is_acknowledged_after_a_second_then_answered_locally() -> None:
    clock, rules = FakeTime(), PatienceRules()
    model = PacedModel(clock, first_s=None)
    events = run(AnswerChain([model, InstantLocal()], clock=clock, patience=rules), clock)
    (t_ack, ack), (t_answer, answer), *_ = said(events)
    assert ack.source == "ack" and ack.text in ENGLISH and 1.0 <= t_ack <= 1.1
    assert answer.source == "local" and answer.text == "The conference is in Beijing next summer."
    assert 3.0 <= t_answer <= 3.1 and model.closed
    assert [ev.text for _, ev in events if ev.kind == "error"] == ["timeout"]
    assert events[-1][1].text == LOCAL_TEXT   # the acknowledgement is no part of the answer
    assert longest_silence_s(events, rules) <= 1.5


def test_a_slow_first_word_after_the_acknowledgement_is_still_the_model_s() -> None:
    clock = FakeTime()
    events = run(AnswerChain([PacedModel(clock, first_s=1.6), InstantLocal()], clock=clock), clock)
    sources = [ev.source for _, ev in said(events)]
    assert sources[0] == "ack" and set(sources[1:]) == {"llm"}


def test_acknowledgements_vary_and_follow_the_question_s_language() -> None:
    clock = FakeTime()
    chain = AnswerChain([PacedModel(clock, first_s=None), InstantLocal()], clock=clock, rest_s=0)
    acks = []
    for question in ("When is it?", "Where is it?", "会议在哪里举行？"):
        clock.now = 0.0
        acks.append(said(run(chain, clock, question))[0][1].text)
    assert acks[0] in ENGLISH and acks[1] in ENGLISH and acks[0] != acks[1]
    assert acks[2] in CHINESE


def test_a_stream_slowing_to_a_word_a_second_keeps_talking_then_closes_politely() -> None:
    clock, rules = FakeTime(), PatienceRules()
    model = PacedModel(clock, slow_after=8)
    events = run(AnswerChain([model, InstantLocal()], clock=clock, patience=rules), clock)
    texts = [ev.text for _, ev in said(events)]
    assert texts[0] == "Our city has built"
    assert texts[-1] == CLOSING_LINE and model.closed
    assert longest_silence_s(events, rules) <= 1.5
    assert all(ev.source != "local" for _, ev in said(events))   # no second answer spliced in


def test_a_stream_that_stops_mid_answer_fills_once_then_closes() -> None:
    clock, rules = FakeTime(), PatienceRules()
    events = run(AnswerChain([PacedModel(clock, text="It is a plan. " + LATE_PUNCTUATION_REPLY, stop_after=6),
                              InstantLocal()], clock=clock, patience=rules), clock)
    texts = [(ev.source, ev.text) for _, ev in said(events)]
    assert texts[0] == ("llm", "It is a plan.")
    assert texts[-1] == ("llm", CLOSING_LINE)
    assert longest_silence_s(events, rules) <= 1.5


def test_the_session_keeps_no_acknowledgement_in_its_history() -> None:
    clock = FakeTime()
    session = KioskSession(AnswerChain([PacedModel(clock, first_s=None), InstantLocal()], clock=clock),
                           clock=clock)
    list(session.ask("When is it?"))
    assert [t.text for t in session.history] == ["When is it?", LOCAL_TEXT]
