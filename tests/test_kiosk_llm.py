"""The LLM answerer against a real OpenAI-compatible HTTP server on 127.0.0.1, in every way it can fail."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

from avatar.errors import AnswerError
from avatar.kiosk.answerer import Turn
from avatar.kiosk.chain import CLOSING_LINE, AnswerChain
from avatar.kiosk.grounding import load_grounding
from avatar.kiosk.llm import PLACEHOLDER_KEY, LLMAnswerer, LLMSettings, llm_answerer_from_env
from avatar.kiosk.local import LocalAnswerer
from avatar.kiosk.prompt import system_prompt
from llm_server import DEFAULT_REPLY, FakeLLMServer

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SECRET = "sk-test-SECRET"
FAST = dict(connect_timeout_s=1.0, first_token_timeout_s=0.6, stall_timeout_s=0.6)


@pytest.fixture(scope="module")
def grounding():
    return load_grounding(ASSETS / "speeches" / "beijing-digital-economy.md", ASSETS / "knowledge")


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


def answerer(server: FakeLLMServer, prompt: str = "You are a test.", **overrides) -> LLMAnswerer:
    settings = LLMSettings(model="fake-model", base_url=server.base_url, **{**FAST, **overrides})
    return LLMAnswerer(settings, prompt, api_key=SECRET)


def collect(it: Iterator[str]) -> tuple[str, AnswerError | None]:
    got: list[str] = []
    try:
        for delta in it:
            got.append(delta)
    except AnswerError as exc:
        return "".join(got), exc
    return "".join(got), None


def test_a_normal_answer_streams_token_by_token(server: FakeLLMServer, grounding) -> None:
    llm = answerer(server, system_prompt(grounding))
    deltas = list(llm.answer("When is the conference?", [Turn("user", "hi"), Turn("assistant", "Hello!")]))
    assert len(deltas) > 10 and "".join(deltas) == DEFAULT_REPLY
    req = server.requests[-1]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == f"Bearer {SECRET}"
    body = req["body"]
    assert body["stream"] is True and body["model"] == "fake-model"
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert body["messages"][-1]["content"] == "When is the conference?"


def test_the_system_prompt_gives_persona_grounding_and_rules(grounding) -> None:
    prompt = system_prompt(grounding)
    assert "Beijing Digital Economy Presenter" in prompt
    assert "Beijing Municipal Bureau of Economy and Information Technology" in prompt
    assert "one plus three plus N" in prompt and "Partner Cities" in prompt  # speech and notes
    for rule in ("two to four short sentences", "no Markdown", "language the visitor", "Never reveal"):
        assert rule in prompt


def test_history_is_bounded_and_the_question_capped(server: FakeLLMServer) -> None:
    llm = answerer(server, max_history_turns=2, max_question_chars=20)
    history = [Turn("user", f"q{i}") if i % 2 == 0 else Turn("assistant", f"a{i}") for i in range(10)]
    list(llm.answer("x" * 100, history))
    messages = server.requests[-1]["body"]["messages"]
    assert [m["content"] for m in messages[1:-1]] == ["q8", "a9"]
    assert messages[-1]["content"] == "x" * 20


@pytest.mark.parametrize("mode, kind", [("error500", "server_error"), ("rate_limit", "rate_limited"),
                                        ("hang", "timeout")])
def test_failures_before_the_first_token_raise_a_kind(server: FakeLLMServer, mode: str, kind: str) -> None:
    server.mode = mode
    text, err = collect(answerer(server).answer("hi", []))
    assert text == "" and err is not None and err.kind == kind
    assert SECRET not in str(err)


@pytest.mark.parametrize("mode, kind", [("bad_json", "bad_response"), ("cut", "stream_cut")])
def test_failures_mid_stream_raise_after_the_first_tokens(server: FakeLLMServer, mode: str, kind: str) -> None:
    server.mode = mode
    text, err = collect(answerer(server).answer("hi", []))
    assert err is not None and err.kind == kind
    assert text and DEFAULT_REPLY.startswith(text) and text != DEFAULT_REPLY


def test_a_slow_first_token_within_the_limit_is_waited_for(server: FakeLLMServer) -> None:
    server.first_token_s = 0.2
    text, err = collect(answerer(server, first_token_timeout_s=3.0).answer("hi", []))
    assert err is None and text == DEFAULT_REPLY


def test_a_first_token_slower_than_the_limit_is_a_timeout(server: FakeLLMServer) -> None:
    server.first_token_s = 5.0
    text, err = collect(answerer(server, first_token_timeout_s=0.3).answer("hi", []))
    assert text == "" and err is not None and err.kind == "timeout"


def test_a_stream_that_stalls_after_starting_is_cut(server: FakeLLMServer) -> None:
    server.tokens_per_s = 1.0
    text, err = collect(answerer(server, stall_timeout_s=0.3).answer("hi", []))
    assert err is not None and err.kind == "stalled" and text == "Thank"


def test_a_refused_connection_is_a_connection_error() -> None:
    with FakeLLMServer() as srv:
        url = srv.base_url
    llm = LLMAnswerer(LLMSettings(base_url=url, **FAST), "p", api_key=SECRET)
    text, err = collect(llm.answer("hi", []))
    assert text == "" and err is not None and err.kind == "connection"


def test_closing_an_answer_closes_the_http_stream(server: FakeLLMServer) -> None:
    server.tokens_per_s = 20
    it = answerer(server, stall_timeout_s=2.0).answer("hi", [])
    assert next(it) == "Thank"
    it.close()
    deadline = time.monotonic() + 5
    while server.hangups == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.hangups == 1


def test_no_key_and_no_base_url_means_no_llm_at_all() -> None:
    assert llm_answerer_from_env(LLMSettings(), "p", env={}) is None
    assert llm_answerer_from_env(LLMSettings(), "p", env={"OPENAI_API_KEY": "  "}) is None


def test_a_base_url_without_a_key_sends_a_placeholder(server: FakeLLMServer) -> None:
    llm = llm_answerer_from_env(LLMSettings(**FAST), "p", env={"OPENAI_BASE_URL": server.base_url})
    assert llm is not None and llm.settings.base_url == server.base_url
    list(llm.answer("hi", []))
    assert server.requests[-1]["headers"]["authorization"] == f"Bearer {PLACEHOLDER_KEY}"


def test_the_key_is_not_in_the_answerers_repr(server: FakeLLMServer) -> None:
    llm = llm_answerer_from_env(LLMSettings(base_url=server.base_url), "p", env={"OPENAI_API_KEY": SECRET})
    assert llm is not None and SECRET not in repr(llm) and SECRET not in repr(llm.settings)


@pytest.mark.parametrize("mode", ["normal", "error500", "hang", "bad_json", "cut", "rate_limit"])
def test_the_visitor_always_hears_an_answer(server: FakeLLMServer, grounding, mode: str) -> None:
    server.mode = mode
    chain = AnswerChain([answerer(server, system_prompt(grounding)), LocalAnswerer(grounding)], rest_s=0)
    for question in ("When is the conference?", "What is the one plus three plus N framework?"):
        events = list(chain.stream(question, []))
        spoken = [e.text for e in events if e.kind == "chunk"]
        assert spoken and events[-1].kind == "answer_end"
        if mode in ("bad_json", "cut"):
            assert spoken[-1] == CLOSING_LINE
        if mode in ("error500", "hang", "rate_limit"):
            assert events[-1].source == "local"
        assert all(SECRET not in e.text for e in events)
