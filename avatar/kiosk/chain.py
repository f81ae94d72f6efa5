"""The fallback chain: try each answerer in turn (LLM, then local) so a visitor always hears an answer."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterator, Sequence

from avatar.errors import AnswerError
from avatar.kiosk.answerer import Answerer, AnswerEvent, Turn
from avatar.kiosk.chunker import SpeechChunker
from avatar.kiosk import phrases
from avatar.language import guess_language
from avatar.kiosk.speechtext import clean_for_speech

CLOSING_LINE = "I'm sorry, I have to stop there. Please ask me again if you'd like to hear more."
APOLOGY = "I'm sorry, I can't answer that right now. Please try again in a moment."
# Failures that will most likely repeat on the next question: rest that answerer for a while so
# the next visitors do not each wait out a timeout before hearing the fallback.
REST_AFTER = frozenset({"timeout", "connection", "rate_limited", "server_error", "auth", "not_found"})


class AnswerChain:
    """Streams one answer as `AnswerEvent`s, falling back down the list of answerers.

    An answerer that fails before anything was spoken is replaced by the next one (the visitor hears
    only the fallback's answer); after a failure likely to repeat (timeout, refused connection, rate
    limit, server error) it is skipped for `rest_s` seconds. One that fails after speaking has its unfinished sentence dropped and
    is closed with a short polite line. Failures reach the log as a kind only, never their message.
    """

    def __init__(self, answerers: Sequence[Answerer], *, logger: logging.Logger | None = None,
                 closing_line: str = CLOSING_LINE, apology: str = APOLOGY,
                 first_clause_min_words: int = 3, rest_s: float = 15.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not answerers:
            raise ValueError("AnswerChain needs at least one answerer")
        self.answerers = tuple(answerers)
        self.log = logger or logging.getLogger("avatar.kiosk")
        self.closing_line = closing_line
        self.apology = apology
        self.first_clause_min_words = first_clause_min_words
        self.rest_s = rest_s
        self.clock = clock
        self._resting_until: dict[int, float] = {}

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(a.source for a in self.answerers)

    def stream(self, question: str, history: Sequence[Turn] = (),
               cancelled: threading.Event | None = None) -> Iterator[AnswerEvent]:
        stop = cancelled or threading.Event()
        language = guess_language(question)  # the fallback lines are said in the visitor's language
        closing_line = phrases.CLOSING_LINE.get(language, self.closing_line)
        apology = phrases.APOLOGY.get(language, self.apology)
        spoken: list[str] = []
        last = len(self.answerers) - 1
        for position, answerer in enumerate(self.answerers):
            source = answerer.source
            if position < last and self.clock() < self._resting_until.get(position, float("-inf")):
                continue
            chunker = SpeechChunker(first_clause_min_words=self.first_clause_min_words)
            announced = False
            deltas: Iterator[str] | None = None
            try:
                deltas = iter(answerer.answer(question, history))
                for delta in deltas:
                    if stop.is_set():
                        yield self._end(source, spoken, interrupted=True)
                        return
                    if not delta:
                        continue
                    if not announced:
                        announced = True
                        yield AnswerEvent("answer_source", source=source)
                        yield AnswerEvent("first_token", source=source)
                    for piece in chunker.feed(delta):
                        yield from self._say(piece, source, spoken, stop)
                for piece in chunker.flush():
                    yield from self._say(piece, source, spoken, stop)
                if stop.is_set():
                    yield self._end(source, spoken, interrupted=True)
                    return
                if spoken:
                    yield self._end(source, spoken)
                    return
                kind = "empty"  # everything it said was cleaned away (code, emoji): nothing to hear
                self.log.warning("answerer %s gave nothing speakable; trying the next one", source)
            except AnswerError as exc:
                kind = exc.kind
            except Exception as exc:  # noqa: BLE001 - a bug in one answerer must not silence the kiosk
                kind = "error"
                self.log.error("answerer %s crashed (%s)", source, type(exc).__name__)
            finally:
                _close(deltas)
            if kind != "empty":
                yield AnswerEvent("error", text=kind, source=source)
            if stop.is_set():
                yield self._end(source, spoken, interrupted=True)
                return
            if spoken:
                self.log.warning("answerer %s failed mid-answer (%s); closing the answer politely", source, kind)
                chunker.discard()  # the half sentence the stream was cut in
                yield from self._say(closing_line, source, spoken, stop)
                yield self._end(source, spoken, interrupted=stop.is_set())
                return
            self.log.warning("answerer %s failed (%s); falling back", source, kind)
            if kind in REST_AFTER and self.rest_s > 0:
                self._resting_until[position] = self.clock() + self.rest_s
        # Nobody could answer (the local answerer only fails on a bug): still say something kind.
        source = self.answerers[-1].source
        yield AnswerEvent("answer_source", source=source)
        yield from self._say(apology, source, spoken, stop)
        yield self._end(source, spoken, interrupted=stop.is_set())

    @staticmethod
    def _say(piece: str, source: str, spoken: list[str], stop: threading.Event) -> Iterator[AnswerEvent]:
        text = clean_for_speech(piece)
        if text and not stop.is_set():
            spoken.append(text)
            yield AnswerEvent("chunk", text=text, source=source, index=len(spoken) - 1)

    @staticmethod
    def _end(source: str, spoken: list[str], *, interrupted: bool = False) -> AnswerEvent:
        return AnswerEvent("answer_end", text=" ".join(spoken), source=source, interrupted=interrupted)


def _close(iterator: object) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - a failing close must not replace the answer
            pass
