"""The fallback chain: try each answerer in turn (LLM, then local) so a visitor always hears an answer."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterator, Sequence

from avatar.errors import AnswerError
from avatar.kiosk.acknowledge import Acknowledgements
from avatar.kiosk.answerer import Answerer, AnswerEvent, Turn
from avatar.kiosk.chunker import SpeechChunker
from avatar.kiosk import phrases
from avatar.kiosk.patience import Patience, PatienceRules
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

    A slow answerer is covered (see `avatar.kiosk.patience`): a short acknowledgement, a `chunk` with
    source "ack" that is spoken but is no part of the answer, when the first word is late; the next
    answerer when it is too late; the words already there, or a polite close, when it slows down
    mid-answer. Answerers that may be slow yield "" now and then while they wait, so the chain gets
    to look at its clock.
    """

    def __init__(self, answerers: Sequence[Answerer], *, logger: logging.Logger | None = None,
                 closing_line: str = CLOSING_LINE, apology: str = APOLOGY,
                 first_clause_min_words: int = 3, rest_s: float = 15.0,
                 clock: Callable[[], float] = time.monotonic, patience: PatienceRules | None = None,
                 acknowledgements: Acknowledgements | None = None) -> None:
        if not answerers:
            raise ValueError("AnswerChain needs at least one answerer")
        self.answerers = tuple(answerers)
        self.log = logger or logging.getLogger("avatar.kiosk")
        self.closing_line = closing_line
        self.apology = apology
        self.first_clause_min_words = first_clause_min_words
        self.rest_s = rest_s
        self.clock = clock
        self.patience = patience or PatienceRules()
        self.acknowledgements = acknowledgements or Acknowledgements()
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
        said = _Said(Patience(self.patience, self.clock()))
        last = len(self.answerers) - 1
        for position, answerer in enumerate(self.answerers):
            source = answerer.source
            if position < last and self.clock() < self._resting_until.get(position, float("-inf")):
                continue
            chunker = SpeechChunker(first_clause_min_words=self.first_clause_min_words, cut_words_early=False)
            first_word_s = 0.0
            announced = False
            filled = False  # a mid-answer filler was said
            deltas: Iterator[str] | None = None
            said.patience.new_answerer()
            try:
                deltas = iter(answerer.answer(question, history))
                for delta in deltas:
                    if stop.is_set():
                        yield self._end(source, spoken, interrupted=True)
                        return
                    if delta:
                        if not announced:
                            announced = True
                            first_word_s = self.clock()
                            said.patience.first_word(first_word_s)
                            yield AnswerEvent("answer_source", source=source)
                            yield AnswerEvent("first_token", source=source)
                        for piece in chunker.feed(delta):
                            yield from self._say(piece, source, spoken, stop, said)
                    if (announced and not chunker.cut_words_early and chunker.chunks_out == 0
                            and self.clock() - first_word_s >= self.patience.first_cut_after_s):
                        chunker.cut_words_early = True  # no clause mark soon: a word boundary will do
                        for piece in chunker.feed(""):
                            yield from self._say(piece, source, spoken, stop, said)
                    if position == last:
                        continue  # the last resort is never hurried
                    action = said.patience.due(self.clock())
                    if action == "acknowledge":
                        said.patience.acknowledged = True
                        yield from self._say(self.acknowledgements.next_for(question), "ack", spoken, stop, said)
                    elif action == "give_up":
                        raise AnswerError("no first word in time", kind="timeout")
                    elif action == "stall":
                        raise AnswerError("the answer slowed down too much", kind="stalled")
                    elif action == "fill":
                        piece = chunker.take_words(2)
                        if piece is not None:
                            yield from self._say(piece, source, spoken, stop, said)
                        elif not filled:
                            filled = True
                            yield from self._say(self.acknowledgements.next_for(question), "ack", spoken,
                                                 stop, said)
                        else:
                            raise AnswerError("the answer stopped coming", kind="stalled")
                for piece in chunker.flush():
                    yield from self._say(piece, source, spoken, stop, said)
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
                yield from self._say(closing_line, source, spoken, stop, said)
                yield self._end(source, spoken, interrupted=stop.is_set())
                return
            self.log.warning("answerer %s failed (%s); falling back", source, kind)
            if kind in REST_AFTER and self.rest_s > 0:
                self._resting_until[position] = self.clock() + self.rest_s
        # Nobody could answer (the local answerer only fails on a bug): still say something kind.
        source = self.answerers[-1].source
        yield AnswerEvent("answer_source", source=source)
        yield from self._say(apology, source, spoken, stop, said)
        yield self._end(source, spoken, interrupted=stop.is_set())

    def _say(self, piece: str, source: str, spoken: list[str], stop: threading.Event,
             said: "_Said") -> Iterator[AnswerEvent]:
        text = clean_for_speech(piece)
        if text and not stop.is_set():
            ack = source == "ack"
            if not ack:
                spoken.append(text)  # the answer itself; an acknowledgement is no part of it
            said.patience.said(text, self.clock())
            said.count += 1
            yield AnswerEvent("chunk", text=text, source=source, index=said.count - 1)

    @staticmethod
    def _end(source: str, spoken: list[str], *, interrupted: bool = False) -> AnswerEvent:
        return AnswerEvent("answer_end", text=" ".join(spoken), source=source, interrupted=interrupted)


class _Said:
    """What one question's answer has handed out so far: chunk numbers and the waiting state."""

    def __init__(self, patience: Patience) -> None:
        self.patience = patience
        self.count = 0


def _close(iterator: object) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - a failing close must not replace the answer
            pass
