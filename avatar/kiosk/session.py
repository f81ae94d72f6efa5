"""One visitor conversation: question guardrails, bounded history, inactivity reset and interruption."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

from avatar.kiosk.answerer import AnswerEvent, Turn
from avatar.kiosk.chain import AnswerChain
from avatar.kiosk.speechtext import strip_invisible


@dataclass(frozen=True)
class SessionRules:
    max_question_chars: int = 500
    max_history_turns: int = 6     # user and assistant lines kept for context (3 exchanges)
    idle_reset_s: float = 60.0     # quiet this long and the next visitor starts fresh


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    truncated: bool = False
    original_chars: int = 0


def sanitize_question(raw: str, max_chars: int = 500) -> CleanQuestion:
    """Strip control characters and bidi/zero-width marks, collapse spaces, cap the length."""
    text = unicodedata.normalize("NFC", strip_invisible(raw))
    text = " ".join(text.split())
    original = len(text)
    if original <= max_chars:
        return CleanQuestion(text, False, original)
    cut = text[:max_chars]
    space = cut.rfind(" ")
    if space > max_chars * 0.8:  # end on a whole word when one is near
        cut = cut[:space]
    return CleanQuestion(cut.rstrip(), True, original)


class KioskSession:
    """Ask questions, get `AnswerEvent`s; a new question (or `cancel()`) stops the current answer at once.

    Thread use: `ask()` and `cancel()` may be called from a UI thread while another thread iterates
    the previous answer; that answer then emits nothing more (its stream is closed at its next step).
    """

    def __init__(self, chain: AnswerChain, rules: SessionRules | None = None, *,
                 clock: Callable[[], float] = time.monotonic, logger: logging.Logger | None = None) -> None:
        self.chain = chain
        self.rules = rules or SessionRules()
        self.clock = clock
        self.log = logger or logging.getLogger("avatar.kiosk")
        self._history: deque[Turn] = deque(maxlen=max(0, self.rules.max_history_turns))
        self._lock = threading.Lock()
        self._last_activity_s = clock()
        self._current: tuple[threading.Event, Iterator[AnswerEvent]] | None = None
        self._asked = 0  # questions asked so far; an answer finishing late must not reorder history

    @property
    def history(self) -> tuple[Turn, ...]:
        with self._lock:
            return tuple(self._history)

    def reset(self) -> None:
        """Forget the conversation (a new visitor)."""
        with self._lock:
            self._history.clear()
            self._last_activity_s = self.clock()

    def clean(self, raw: str) -> CleanQuestion:
        """The question as it will be asked (see `sanitize_question`), under this session's length limit."""
        return sanitize_question(raw, self.rules.max_question_chars)

    def touch(self) -> None:
        """Someone is there (typing, or an answer just ended): the quiet time starts again now."""
        with self._lock:
            self._last_activity_s = self.clock()

    def idle(self) -> bool:
        """Whether nobody has been there for `idle_reset_s` (the one rule for "a new visitor")."""
        with self._lock:
            return self.clock() - self._last_activity_s >= self.rules.idle_reset_s

    def reset_if_idle(self) -> bool:
        """Clear the history if nobody was there for `idle_reset_s`; True (and logged) if it was cleared."""
        with self._lock:
            idle = self.clock() - self._last_activity_s >= self.rules.idle_reset_s
            had = bool(self._history)
            if idle:
                self._history.clear()
        if idle and had:
            self.log.info("conversation reset after %.0f s of inactivity", self.rules.idle_reset_s)
        return idle and had

    def cancel(self) -> None:
        """Stop the answer in progress: no more events from it, and its connection is closed."""
        with self._lock:
            current, self._current = self._current, None
        if current is None:
            return
        event, gen = current
        event.set()
        try:
            gen.close()  # runs the answer's cleanup now (closes the HTTP stream)
        except ValueError:
            pass  # it is running on another thread; it stops at its next step

    def ask(self, question: str | CleanQuestion) -> Iterator[AnswerEvent]:
        """Start answering `question` (cancelling any answer in progress). An empty question gives nothing."""
        self.cancel()
        clean = question if isinstance(question, CleanQuestion) else self.clean(question)
        if clean.truncated:
            self.log.info("question truncated from %d to %d characters", clean.original_chars, len(clean.text))
        if not clean.text:
            return iter(())
        was_reset = self.reset_if_idle()
        with self._lock:
            self._last_activity_s = self.clock()
            history = tuple(self._history)
            self._asked += 1
            number = self._asked
        event = threading.Event()
        gen = self._answer(clean.text, history, event, was_reset, number)
        with self._lock:
            self._current = (event, gen)
        return gen

    def _answer(self, question: str, history: tuple[Turn, ...], cancelled: threading.Event,
                was_reset: bool, number: int) -> Iterator[AnswerEvent]:
        if was_reset:
            yield AnswerEvent("reset")
        said: list[str] = []
        try:
            for ev in self.chain.stream(question, history, cancelled):
                if cancelled.is_set() and ev.kind != "answer_end":
                    continue
                if ev.kind == "chunk" and ev.source != "ack":  # "Let me see." is no part of the answer
                    said.append(ev.text)
                yield ev
        finally:
            spoken = " ".join(said)  # only what was handed out to be spoken, also when interrupted
            with self._lock:
                if number == self._asked:  # a newer question already took over: leave history to it
                    self._history.append(Turn("user", question))
                    if spoken:
                        self._history.append(Turn("assistant", spoken))
                    self._last_activity_s = self.clock()
                if self._current is not None and self._current[0] is cancelled:
                    self._current = None
