"""A slow or silent model server over real HTTP on 127.0.0.1: acknowledged, answered locally, closed politely."""

from __future__ import annotations

from typing import Iterator

import pytest

from avatar.kiosk.acknowledge import CHINESE, ENGLISH
from avatar.kiosk.chain import CLOSING_LINE, AnswerChain
from avatar.kiosk.fake_server import LATE_PUNCTUATION_REPLY, split_words
from avatar.kiosk.llm import LLMAnswerer, LLMSettings
from avatar.kiosk.patience import PatienceRules
from avatar.kiosk.wordcut import boundary_ok
from llm_server import FakeLLMServer
from test_kiosk_headless import SECRET, answers, assert_every_question_was_answered_aloud, parse, run
from test_kiosk_patience import InstantLocal


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(words_per_s=200, reply=LATE_PUNCTUATION_REPLY) as srv:
        yield srv


def llm(server: FakeLLMServer, **settings: float) -> LLMAnswerer:
    return LLMAnswerer(LLMSettings(model="fake-model", base_url=server.base_url, **settings), "test",
                       api_key=SECRET)


def test_the_fake_server_streams_whole_words_with_their_punctuation(server: FakeLLMServer) -> None:
    deltas = [d for d in llm(server).answer("What has Beijing built?", []) if d]
    assert deltas == split_words(LATE_PUNCTUATION_REPLY)
    assert " years," in deltas   # the first clause mark, fourteen words in


def test_late_punctuation_is_heard_from_a_natural_word_boundary(server: FakeLLMServer) -> None:
    server.words_per_s, server.first_token_s = 20.0, 0.1
    events = list(AnswerChain([llm(server), InstantLocal()]).stream("What has Beijing built?", []))
    chunks = [e.text for e in events if e.kind == "chunk"]
    assert " ".join(chunks).split() == LATE_PUNCTUATION_REPLY.split()
    first, rest = chunks[0].split(), chunks[1].split()
    assert 3 <= len(first) < 14 and boundary_ok(first[-1], rest[0])   # before the comma, never mid-phrase


def test_a_stream_slowing_to_a_word_a_second_is_spoken_as_it_comes_then_closed_politely(
        server: FakeLLMServer) -> None:
    server.mode, server.words_per_s, server.slow_words_per_s = "slowdown", 100.0, 1.0
    quick = PatienceRules(fill_after_s=0.3, stall_after_s=0.9, words_per_s=100.0, chunk_start_s=0.0)
    model = llm(server)
    model.client()  # warm, as the kiosk does before its first visitor
    events = list(AnswerChain([model, InstantLocal()], patience=quick).stream("What has Beijing built?", []))
    chunks = [e for e in events if e.kind == "chunk"]
    assert chunks[-1].text == CLOSING_LINE and {e.source for e in chunks} <= {"llm", "ack"}
    assert [e.text for e in events if e.kind == "error"] == ["stalled"]
    said = " ".join(e.text for e in chunks[:-1] if e.source == "llm").split()
    assert said == LATE_PUNCTUATION_REPLY.split()[:len(said)] and len(said) > 4   # words, in order
    assert not events[-1].interrupted


@pytest.mark.parametrize("question, lines", [("When is the conference?", ENGLISH), ("会议在哪里举行？", CHINESE)])
def test_a_silent_server_gets_an_acknowledgement_then_the_local_answer_headless(
        server: FakeLLMServer, question: str, lines: tuple[str, ...]) -> None:
    server.mode = "silent"   # the request is accepted, the stream opens, nothing ever comes
    events = run(parse("--base-url", server.base_url), f"{question}\nAnd who are you?\n",
                 {"OPENAI_API_KEY": SECRET})
    assert_every_question_was_answered_aloud(events, 2)
    first, second = answers(events)[1], answers(events)[2]
    names = [e["event"] for e in first]
    ack = next(e for e in first if e["event"] == "ack")
    spoken = [e for e in first if e["event"] == "chunk"]
    assert ack["text"] in lines and spoken[0]["ack"] is True and spoken[0]["text"] == ack["text"]
    assert names.index("ack") < names.index("error") < names.index("answer_source")
    assert [e["kind"] for e in first if e["event"] == "error"] == ["timeout"]
    assert [e["source"] for e in first if e["event"] == "answer_source"] == ["local"]
    assert not any(e.get("ack") for e in spoken[1:])
    # The silent model is rested after its timeout: the next visitor hears the local answer at once.
    assert not [e for e in second if e["event"] in ("ack", "error")]
