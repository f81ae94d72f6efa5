"""Figures: kiosk, from a question to the first audio: a streaming LLM (tokens; whole words with late
punctuation), a server that accepts the question and never answers (time to the acknowledgement and to
the local answer), and the local answerer.

`avatar kiosk --headless` runs as a child process; questions go in on its stdin one at a time (the
next only after the answer has ended) and its JSON events come back on stdout. The figure is the
time from writing the question's line to reading its `speech_start` event, as the feeding process
sees it; the kiosk's own timestamps (`speech_start.t - question.t`) are kept beside it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from avatar.bench.context import BenchContext
from avatar.bench.llm_server import LATE_QA, QA, streaming_chat_server
from avatar.bench.proc import BenchError, avatar_argv, avatar_env
from avatar.bench.result import Budget, Figure

FIRST_TOKEN_S = 0.3
TOKENS_PER_S = 40.0
WORDS_PER_S = 30.0


class _Kiosk:
    """A running `avatar kiosk --headless`, its events timed as they arrive."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.stderr = open(cwd / "kiosk-stderr.txt", "w+", encoding="utf-8")
        self.proc = subprocess.Popen(avatar_argv(args), cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True, bufsize=1,
                                     encoding="utf-8")
        self.events: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        threading.Thread(target=self._read, name="bench-kiosk-out", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            now = time.perf_counter()
            try:
                self.events.put((now, json.loads(line)))
            except json.JSONDecodeError:
                pass  # not an event line
        self.events.put(None)

    def wait_for(self, name: str, q: int | None = None, timeout_s: float = 60.0
                 ) -> tuple[float, dict[str, Any]]:
        """The next event called `name` (for question `q`), with when it was read."""
        deadline = time.perf_counter() + timeout_s
        while True:
            left = deadline - time.perf_counter()
            try:
                item = self.events.get(timeout=max(0.01, left))
            except queue.Empty:
                item = None
                if left > 0:
                    continue
            if item is None:
                raise BenchError(f"the kiosk gave no '{name}' event (question {q}); it said: "
                                 f"{self.tail()!r}")
            at, ev = item
            if ev.get("event") == name and (q is None or ev.get("q") == q):
                return at, ev
            if ev.get("event") == "error" and (q is None or ev.get("q") == q):
                raise BenchError(f"the kiosk reported an error for question {q}: {ev}")

    def next_event(self, q: int, timeout_s: float = 60.0) -> tuple[float, dict[str, Any]]:
        """The next event of question `q` (others are skipped), with when it was read."""
        deadline = time.perf_counter() + timeout_s
        while True:
            try:
                item = self.events.get(timeout=max(0.01, deadline - time.perf_counter()))
            except queue.Empty:
                if time.perf_counter() < deadline:
                    continue
                item = None
            if item is None:
                raise BenchError(f"the kiosk stopped answering question {q}; it said: {self.tail()!r}")
            if item[1].get("q") == q:
                return item

    def ask(self, text: str) -> float:
        assert self.proc.stdin is not None
        sent = time.perf_counter()
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return sent

    def tail(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()[-400:]

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        finally:
            self.stderr.close()


def _session(ctx: BenchContext, questions: list[str], base_url: str | None, folder: Path
             ) -> dict[str, list[float]]:
    """Ask every question; per question (seconds from writing its line, as we read the events): the
    first audio, the first acknowledgement and the first audio of the answer itself (-1 = none), the
    kiosk's own question-to-speech time, the first token, and whether the model answered."""
    drop = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
    extra = {"OPENAI_API_KEY": "bench-dummy-key"} if base_url else {}
    env = avatar_env(ctx, ctx.scratch("kiosk-cache"), drop=drop, **extra)
    args = ["kiosk", "--headless"] + (["--base-url", base_url] if base_url else [])
    kiosk = _Kiosk(args, env, folder)
    out: dict[str, list[float]] = {"seen": [], "events": [], "first_token": [], "source_llm": [],
                                   "ack": [], "answer": []}
    try:
        _, ready = kiosk.wait_for("ready", timeout_s=120)
        if bool(ready.get("llm")) != bool(base_url):
            raise BenchError(f"the kiosk started with llm={ready.get('llm')}, expected {bool(base_url)}")
        for n, question in enumerate(questions, start=1):
            sent = kiosk.ask(question)
            seen: dict[str, tuple[float, dict[str, Any]]] = {}
            while "answer_end" not in seen:
                at, ev = kiosk.next_event(n)
                name = ev["event"]
                if name == "chunk":
                    name = "ack_chunk" if ev.get("ack") else "answer_chunk"
                seen.setdefault(name, (at, ev))
            for need in ("question", "first_token", "speech_start"):
                if need not in seen:
                    raise BenchError(f"the kiosk gave no '{need}' event (question {n})")
            out["seen"].append(seen["speech_start"][0] - sent)
            out["events"].append(seen["speech_start"][1]["t"] - seen["question"][1]["t"])
            out["first_token"].append(seen["first_token"][1]["t"] - seen["question"][1]["t"])
            out["source_llm"].append(float(seen["first_token"][1].get("source") == "llm"))
            out["ack"].append(seen["ack_chunk"][0] - sent if "ack_chunk" in seen else -1.0)
            out["answer"].append(seen["answer_chunk"][0] - sent if "answer_chunk" in seen else -1.0)
            time.sleep(0.1)
    finally:
        kiosk.close()
    return out


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def measure(ctx: BenchContext) -> list[Figure]:
    n = 1 if ctx.quick else len(QA)
    questions = [q for q, _ in QA][:n]
    folder = ctx.scratch("kiosk")
    figures = []
    ctx.log(f"kiosk: {len(questions)} question(s) to a streaming LLM "
            f"({FIRST_TOKEN_S:g} s to first token, {TOKENS_PER_S:g} tokens/s)")
    with streaming_chat_server(first_token_s=FIRST_TOKEN_S, tokens_per_s=TOKENS_PER_S) as server:
        llm = _session(ctx, questions, server.base_url, folder)
    if min(llm["source_llm"]) < 1.0:
        raise BenchError("some answers did not come from the LLM server (the kiosk fell back)")
    figures.append(Figure(
        "kiosk_llm_first_audio_s", "kiosk: question to first audio, LLM (0.3 s + 40 tok/s)", "s",
        tuple(llm["seen"]), Budget(0.5),
        notes=f"'avatar kiosk --headless' with a local streaming server; question line written -> "
              f"speech_start read (kiosk's own clock: {_median(llm['events']):.3f} s; "
              f"first token after {_median(llm['first_token']):.3f} s)",
        comparable=not ctx.quick, extra=llm))

    ctx.log(f"kiosk: {len(questions)} question(s) to a model streaming whole words, late punctuation "
            f"({FIRST_TOKEN_S:g} s to first word, {WORDS_PER_S:g} words/s)")
    with streaming_chat_server(first_token_s=FIRST_TOKEN_S, words_per_s=WORDS_PER_S,
                               replies=dict(LATE_QA)) as server:
        words = _session(ctx, questions, server.base_url, folder)
    if min(words["source_llm"]) < 1.0:
        raise BenchError("some word-streamed answers did not come from the LLM server (the kiosk fell back)")
    figures.append(Figure(
        "kiosk_words_first_audio_s", "kiosk: question to first audio, words + late punctuation "
        "(0.3 s + 30 words/s)", "s", tuple(words["seen"]), Budget(0.5),
        notes=f"whole words streamed, first clause mark after 10+ words (the first chunk ends at a "
              f"natural word boundary); kiosk's own clock: {_median(words['events']):.3f} s",
        comparable=not ctx.quick, extra=words))

    hung_questions = questions[:1] if ctx.quick else questions[:3]
    ctx.log(f"kiosk: {len(hung_questions)} question(s) to a server that accepts and never answers")
    hung: dict[str, list[float]] = {}
    with streaming_chat_server(mode="silent") as server:
        for question in hung_questions:   # a fresh kiosk each: after a timeout the model is rested
            for key, values in _session(ctx, [question], server.base_url, folder).items():
                hung.setdefault(key, []).extend(values)
    if min(hung["ack"]) < 0 or min(hung["answer"]) < 0:
        raise BenchError("a question to the silent server got no acknowledgement or no answer")
    figures.append(Figure(
        "kiosk_hang_ack_s", "kiosk: silent server, question to the acknowledgement", "s",
        tuple(hung["ack"]), Budget(1.5),
        notes="the model server opens the stream and says nothing; 'Let me see.' after 1 s",
        comparable=not ctx.quick, extra=hung))
    figures.append(Figure(
        "kiosk_hang_answer_s", "kiosk: silent server, question to the local answer", "s",
        tuple(hung["answer"]), Budget(3.5),
        notes="the kiosk stops waiting after 3 s (--first-token-timeout) and answers from local knowledge",
        comparable=not ctx.quick))

    ctx.log(f"kiosk: {len(questions)} question(s) to the local answerer")
    local = _session(ctx, questions, None, folder)
    figures.append(Figure(
        "kiosk_local_first_audio_s", "kiosk: question to first audio, local answerer", "s",
        tuple(local["seen"]), Budget(0.15),
        notes=f"no key, no base URL (BM25 over the sample notes); kiosk's own clock: "
              f"{_median(local['events']):.3f} s",
        comparable=not ctx.quick, extra=local))
    return figures
