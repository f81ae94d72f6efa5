"""Speak while thinking: a worker thread synthesises answer chunks in order while the answer still streams."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Callable

from avatar.kiosk.answerer import AnswerEvent
from avatar.kiosk.voice import GuardedVoice
from avatar.tts.base import Speech


@dataclass(frozen=True)
class SpokenChunk:
    """A chunk of answer `answer_id`, synthesised and ready to play."""

    answer_id: int
    index: int
    text: str
    speech: Speech


class SpeechPipeline:
    """Feed it an answer's `chunk` and `answer_end` events; it calls back, in order, on its own thread.

    `on_chunk(SpokenChunk)` when a chunk's audio is ready, `on_end(answer_id, event)` after the last
    chunk, `on_error(answer_id, kind)` when the voice failed on a chunk ("tts": the chunk still comes,
    caption-only, see `avatar.kiosk.voice`) or the pipeline itself did ("internal"). While chunk k is
    being played by whoever receives it, chunk k+1 is already being synthesised. `drop(answer_id)`
    discards what is still queued for an interrupted answer: nothing more of it is delivered.
    """

    def __init__(self, synthesize: Callable[[str], Speech], *, on_chunk: Callable[[SpokenChunk], None],
                 on_end: Callable[[int, AnswerEvent], None],
                 on_error: Callable[[int, str], None] | None = None,
                 logger: logging.Logger | None = None) -> None:
        self._voice = GuardedVoice(synthesize, logger=logger)
        self._on_chunk = on_chunk
        self._on_end = on_end
        self._on_error = on_error or (lambda answer_id, kind: None)
        self.log = logger or logging.getLogger("avatar.kiosk")
        self._queue: queue.Queue[tuple[int, AnswerEvent] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._dropped: set[int] = set()
        self._done: dict[int, threading.Event] = {}
        self._thread = threading.Thread(target=self._work, name="avatar-kiosk-speech", daemon=True)
        self._thread.start()

    KEEP_ANSWERS = 64  # bookkeeping kept for this many recent answers; a kiosk runs for days

    def submit(self, answer_id: int, event: AnswerEvent) -> None:
        """Queue a `chunk` (to synthesise) or an `answer_end` (to report after the chunks before it)."""
        with self._lock:
            if answer_id not in self._done:
                self._done[answer_id] = threading.Event()
                self._forget_old(answer_id)
        self._queue.put((answer_id, event))

    def _forget_old(self, newest_id: int) -> None:
        """Drop the records of answers long finished (ids only grow). Call with the lock held."""
        if len(self._done) > self.KEEP_ANSWERS:
            oldest_kept = newest_id - self.KEEP_ANSWERS
            for old in [a for a in self._done if a < oldest_kept and self._done[a].is_set()]:
                del self._done[old]
                self._dropped.discard(old)

    def drop(self, answer_id: int) -> bool:
        """Discard the rest of an answer; False if it had already been fully delivered."""
        with self._lock:
            done = self._done.setdefault(answer_id, threading.Event())
            if done.is_set():
                return False
            self._dropped.add(answer_id)
            done.set()
            return True

    def close(self, timeout_s: float = 30.0) -> None:
        """Finish what is queued, then stop the worker."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            answer_id, event = item
            if self._is_dropped(answer_id):
                continue
            try:
                if event.kind == "chunk":
                    self._speak(answer_id, event)
                else:
                    with self._lock:
                        if answer_id in self._dropped:
                            continue
                        self._on_end(answer_id, event)
                        self._done.setdefault(answer_id, threading.Event()).set()
            except Exception as exc:  # noqa: BLE001 - the worker must outlive any one bad chunk
                self.log.error("speech pipeline failed on a chunk (%s)", type(exc).__name__)
                self._on_error(answer_id, "internal")

    def _speak(self, answer_id: int, event: AnswerEvent) -> None:
        speech, failed = self._voice.attempt(event.text)
        if failed and not self._is_dropped(answer_id):
            self._on_error(answer_id, "tts")
        with self._lock:  # a drop() racing with us wins: nothing of a dropped answer is delivered
            if answer_id in self._dropped:
                return
            self._on_chunk(SpokenChunk(answer_id, event.index, event.text, speech))

    def _is_dropped(self, answer_id: int) -> bool:
        with self._lock:
            return answer_id in self._dropped
