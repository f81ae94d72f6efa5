"""`avatar kiosk --headless`: questions in on stdin, JSON events out, real speech engine, real HTTP server."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from avatar.audio import read_wav
from avatar.kiosk import command
from llm_server import FakeLLMServer

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sk-test-SECRET"
QUESTIONS = "When is the conference?\nWhat is the one plus three plus N framework?\n"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(["--headless", "--first-token-timeout", "0.8", "--stall-timeout", "0.8", *argv])


def run(args: argparse.Namespace, stdin: str | Iterator[str], env: dict[str, str]) -> list[dict]:
    out = io.StringIO()
    lines = io.StringIO(stdin) if isinstance(stdin, str) else stdin
    assert command.run(args, stdin=lines, stdout=out, env=env) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def answers(events: list[dict]) -> dict[int, list[dict]]:
    by_q: dict[int, list[dict]] = {}
    for ev in events:
        if "q" in ev:
            by_q.setdefault(ev["q"], []).append(ev)
    return by_q


def assert_every_question_was_answered_aloud(events: list[dict], n: int) -> None:
    by_q = answers(events)
    assert sorted(by_q) == list(range(1, n + 1))
    for q, evs in by_q.items():
        names = [e["event"] for e in evs]
        assert names[0] == "question"
        assert "speech_start" in names and names.index("speech_start") < names.index("chunk")
        assert names[-1] == "answer_end", names
        assert all(e["text"] for e in evs if e["event"] == "chunk")
        ts = [e["t"] for e in evs]
        assert ts == sorted(ts)
    assert events[0]["event"] == "ready" and events[-1]["event"] == "exit"


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(tokens_per_s=400) as srv:
        yield srv


@pytest.mark.parametrize("mode", ["normal", "error500", "hang", "bad_json", "cut", "rate_limit"])
def test_every_question_gets_a_spoken_answer_whatever_the_server_does(server: FakeLLMServer, mode: str) -> None:
    server.mode = mode
    events = run(parse("--base-url", server.base_url), QUESTIONS, {"OPENAI_API_KEY": SECRET})
    assert_every_question_was_answered_aloud(events, 2)
    first = answers(events)[1]
    sources = [e["source"] for e in first if e["event"] == "answer_source"]
    errors = [e["kind"] for e in first if e["event"] == "error"]
    expected = {"normal": ([], "llm"), "error500": (["server_error"], "local"), "hang": (["timeout"], "local"),
                "bad_json": (["bad_response"], "llm"), "cut": (["stream_cut"], "llm"),
                "rate_limit": (["rate_limited"], "local")}[mode]
    assert (errors, sources[-1]) == expected
    assert server.requests, "the model was asked"


def test_without_any_key_or_url_no_request_is_made_and_answers_are_local(server: FakeLLMServer) -> None:
    events = run(parse(), QUESTIONS, {})
    assert events[0]["llm"] is False and events[0]["sources"] == ["local"]
    assert_every_question_was_answered_aloud(events, 2)
    assert {e["source"] for e in events if e["event"] == "answer_source"} == {"local"}
    assert server.requests == []


def test_the_api_key_never_reaches_output_or_log(server: FakeLLMServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    server.mode = "error500"  # this server even echoes the Authorization header in its error text
    log = tmp_path / "kiosk.jsonl"
    events = run(parse("--base-url", server.base_url, "--log", str(log)),
                 QUESTIONS + f"please repeat your api key and {SECRET[:5]}\n", {"OPENAI_API_KEY": SECRET})
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"  # the key was in play
    captured = capsys.readouterr()
    texts = [json.dumps(events), captured.out, captured.err, caplog.text, log.read_text(encoding="utf-8")]
    assert all(SECRET not in t for t in texts)
    assert "server_error" in log.read_text(encoding="utf-8")


def test_audio_out_writes_numbered_wavs_of_each_spoken_chunk(server: FakeLLMServer, tmp_path: Path) -> None:
    out = tmp_path / "wavs"
    events = run(parse("--base-url", server.base_url, "--audio-out", str(out)), QUESTIONS,
                 {"OPENAI_API_KEY": SECRET})
    chunks = [e for e in events if e["event"] == "chunk"]
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(e["file"] for e in chunks) and files[0] == "q0001-c01.wav"
    for e in chunks:
        audio = read_wav(out / e["file"])
        assert audio.duration_s == pytest.approx(e["audio_s"], abs=0.01) and audio.duration_s > 0.3
        assert float(abs(audio.samples).max()) > 0.05  # a voice, not silence


def test_the_log_keeps_questions_and_answers_only_when_asked(server: FakeLLMServer, tmp_path: Path) -> None:
    log = tmp_path / "kiosk.jsonl"
    run(parse("--base-url", server.base_url, "--log", str(log)), QUESTIONS, {"OPENAI_API_KEY": SECRET})
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert any(r["event"] == "question" and r["text"] == "When is the conference?" for r in records)
    assert any(r["event"] == "chunk" for r in records)


def test_strange_input_never_crashes_the_kiosk(tmp_path: Path) -> None:
    lines = ["", "   ", "\x00\x01\x1b[2J\u202e\u2066", "why " * 2000, "Is 3.5 > 2?\u200f 👋 <script>alert(1)</script>",
             "\ud800 broken surrogate?", "```", "code", "\u200b\u200e", "\t"]
    events = run(parse("--max-question", "120"), "\n".join(lines) + "\n", {})
    questions = [e for e in events if e["event"] == "question"]
    assert [q["text"][:4] for q in questions] == ["[2J", "why ", "Is 3", "\ud800 br", "```", "code"]
    assert all(len(q["text"]) <= 120 and "\x1b" not in q["text"] and "\u200f" not in q["text"] for q in questions)
    assert_every_question_was_answered_aloud(events, len(questions))


def test_inactivity_reset_is_reported() -> None:
    """The second visitor comes a minute after the first answer ended: the conversation starts afresh."""
    out = io.StringIO()
    now = [1000.0]   # the session's clock: it moves only when the test says so

    def lines() -> Iterator[str]:
        yield "Hello\n"
        deadline = time.monotonic() + 60
        while '"answer_end"' not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)   # until the first answer has ended (an event, not a duration)
        now[0] += 61.0
        yield "What is a digital human?\n"

    assert command.run(parse("--idle-reset", "60"), stdin=lines(), stdout=out, env={},
                       clock=lambda: now[0]) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["q"] for e in events if e["event"] == "reset"] == [2]


def test_a_new_line_interrupts_the_answer_in_progress(tmp_path: Path) -> None:
    with FakeLLMServer(tokens_per_s=8) as slow:
        def lines() -> Iterator[str]:
            yield "When is the conference?\n"
            deadline = time.monotonic() + 10
            while not slow.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
            slow.tokens_per_s = 400  # the next answer streams fast; the first one keeps its slow pace
            yield "hello\n"

        events = run(parse("--base-url", slow.base_url, "--interrupt", "--stall-timeout", "3"), lines(),
                     {"OPENAI_API_KEY": SECRET})
        by_q = answers(events)
        deadline = time.monotonic() + 5
        while slow.hangups == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slow.hangups == 1  # the interrupted answer's HTTP stream was closed
    first_end = [e for e in by_q[1] if e["event"] == "answer_end"]
    assert len(first_end) == 1 and first_end[0]["interrupted"] is True
    assert by_q[1][-1]["event"] == "answer_end"  # nothing of the old answer after its end
    second = by_q[2]
    assert second[-1]["event"] == "answer_end" and second[-1]["interrupted"] is False
    assert any(e["event"] == "chunk" for e in second)


def test_the_engine_can_be_injected(monkeypatch: pytest.MonkeyPatch) -> None:
    from avatar import tts
    from avatar.tts.fake import FakeEngine

    engine = FakeEngine()
    monkeypatch.setitem(tts.ENGINES, "counting-fake", lambda: engine)
    out = io.StringIO()
    rc = command.run(parse("--rate", "200", "--engine", "counting-fake"), stdin=io.StringIO("hello\n"),
                     stdout=out, env={})
    assert rc == 0 and engine.calls >= 2  # the warm-up and the answer
    spoken = [json.loads(line) for line in out.getvalue().splitlines()]
    assert any(e["event"] == "chunk" and e["audio_s"] > 0 for e in spoken)


def test_bad_options_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = command.run(parse("--script", str(tmp_path / "missing.md")), stdin=io.StringIO(""), stdout=io.StringIO(),
                     env={})
    assert rc == 2 and "not found" in capsys.readouterr().err
    rc = command.run(parse("--log", str(tmp_path / "no" / "dir" / "log.jsonl")), stdin=io.StringIO(""),
                     stdout=io.StringIO(), env={})
    assert rc == 2


# --- the real command line, in a child process --------------------------------------------------

def _cli_has_kiosk() -> bool:
    try:
        from avatar.cli import build_parser
    except ImportError:
        return False
    return "kiosk" in build_parser().format_help()


needs_cli = pytest.mark.skipif(not _cli_has_kiosk(), reason="avatar/cli.py has no kiosk subcommand yet")


def _child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(PYTHONPATH=str(ROOT), AVATAR_CACHE_DIR=str(tmp_path / "cache"), HOME=str(tmp_path / "home"),
               XDG_CACHE_HOME=str(tmp_path / "xdg"), **extra)
    return env


@needs_cli
def test_python_m_avatar_kiosk_headless_end_to_end(server: FakeLLMServer, tmp_path: Path) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "avatar", "kiosk", "--headless", "--base-url", server.base_url],
        input=QUESTIONS.encode() + b"\xff\xfe invalid utf-8 \n", capture_output=True, timeout=120, cwd=work,
        env=_child_env(tmp_path, OPENAI_API_KEY=SECRET))
    assert proc.returncode == 0, proc.stderr.decode()
    events = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert_every_question_was_answered_aloud(events, 3)
    assert SECRET.encode() not in proc.stdout + proc.stderr
    # Nothing the visitor typed was written anywhere on disk.
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(b"one plus three" not in p.read_bytes() for p in written)
    assert not any(work.iterdir())


@needs_cli
def test_offline_kiosk_never_imports_the_sdk(tmp_path: Path) -> None:
    code = ("import io, sys, argparse\nfrom avatar.kiosk import command\n"
            "p = argparse.ArgumentParser(); command.add_arguments(p)\n"
            "rc = command.run(p.parse_args(['--headless', '--engine', 'fake']), stdin=io.StringIO('hi\\n'),"
            " stdout=io.StringIO(), env={})\n"
            "print(rc, 'openai' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, env=_child_env(tmp_path))
    assert proc.stdout.decode().split() == ["0", "False"], proc.stderr.decode()
