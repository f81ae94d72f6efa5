"""Headless kiosk: questions on stdin (one per line), JSON-line events on stdout, speech to WAVs or nowhere."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from avatar.audio import save_wav
from avatar.kiosk.answerer import AnswerEvent
from avatar.kiosk.events import EventWriter, LogToEvents
from avatar.kiosk.listening import VoiceLines
from avatar.kiosk.pipeline import SpeechPipeline, SpokenChunk
from avatar.kiosk.voice import is_silent
from avatar.kiosk.session import KioskSession
from avatar.tts.base import Speech


class AudioOut:
    """Where spoken chunks go: nowhere (a null sink) or numbered WAV files `q0001-c01.wav`."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def play(self, chunk: SpokenChunk) -> str | None:
        if self.folder is None:
            return None
        name = f"q{chunk.answer_id:04d}-c{chunk.index + 1:02d}.wav"
        save_wav(chunk.speech.audio, self.folder / name)
        return name


def run_headless(session: KioskSession, lines: Iterable[str], writer: EventWriter, *,
                 synthesize: Callable[[str], Speech], audio: AudioOut | None = None,
                 interrupt: bool = False, info: dict[str, Any] | None = None,
                 voice: VoiceLines | None = None) -> int:
    """Answer each input line until end of input; returns the exit code (0).

    With `voice`, a line `{"audio": "question.wav"}` is a recorded question, recognised on the reading
    thread (so lines keep their order) and then asked like a typed one.

    Answers are spoken one after another. With `interrupt`, a line that arrives while an answer is
    still streaming or speaking cancels that answer at once, as a visitor typing at the kiosk does.
    Threads: one reads input, one per answer streams it, one synthesises; this one decides.
    """
    loop = _Loop(session, writer, synthesize, audio or AudioOut(None), interrupt)
    handler: logging.Handler | None = None
    log = session.log
    old_level = log.level
    if writer.log_file is not None:
        handler = LogToEvents(writer)
        log.addHandler(handler)
        if log.getEffectiveLevel() > logging.INFO:
            log.setLevel(logging.INFO)  # the log file also keeps the notes (truncations, resets)
    reader = threading.Thread(target=_read_lines, args=(lines, loop.inbox, voice), name="avatar-kiosk-stdin",
                              daemon=True)
    writer.emit("ready", **(info or {}))
    reader.start()
    try:
        loop.run()
    finally:
        loop.pipeline.close()
        if handler is not None:
            log.removeHandler(handler)
            log.setLevel(old_level)
    writer.emit("exit", questions=loop.answer_id)
    return 0


class _Loop:
    """The decision loop: every input line and every answer event arrives on one queue, in order."""

    def __init__(self, session: KioskSession, writer: EventWriter, synthesize: Callable[[str], Speech],
                 audio: AudioOut, interrupt: bool) -> None:
        self.session = session
        self.writer = writer
        self.audio = audio
        self.interrupt = interrupt
        self.inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.answer_id = 0
        self.current: int | None = None     # the answer streaming or speaking now
        self.ended: set[int] = set()        # answers whose answer_end went to the pipeline
        self.started: set[int] = set()      # answers whose first audio went out
        self.acks: set[tuple[int, int]] = set()  # (answer, chunk index) of acknowledgements ("Let me see.")
        self.pipeline = SpeechPipeline(synthesize, on_chunk=self._on_chunk, on_end=self._on_end,
                                       on_error=self._on_speech_error, logger=session.log)

    def run(self) -> None:
        waiting: deque[tuple[str, dict[str, Any]]] = deque()
        eof = False
        while True:
            if self.current is None:
                if waiting:
                    self._start(*waiting.popleft())
                    continue
                if eof:
                    return
            kind, *rest = self.inbox.get()
            if kind == "line":
                line = str(rest[0])
                if self.interrupt and self.current is not None and self.session.clean(line).text:
                    self._cancel_current()
                waiting.append((line, rest[1] if len(rest) > 1 else {}))
            elif kind == "eof":
                eof = True
            elif kind == "event" and rest[0] == self.current:
                self._on_event(rest[0], rest[1])
            elif kind == "stream_done" and rest[0] == self.current and rest[0] not in self.ended:
                # The answer stopped without an end (it crashed): close it so the loop goes on.
                self._submit(rest[0], AnswerEvent("answer_end", interrupted=True))
            elif kind == "spoken" and rest[0] == self.current:
                self.current = None

    def _start(self, line: str, fields: dict[str, Any]) -> None:
        clean = self.session.clean(line)
        if not clean.text:
            return  # an empty line is not a question
        self.answer_id += 1
        answer_id = self.current = self.answer_id
        self.writer.emit("question", q=answer_id, text=clean.text, **fields)
        events = self.session.ask(clean)
        threading.Thread(target=self._stream, args=(answer_id, events), name=f"avatar-kiosk-answer-{answer_id}",
                         daemon=True).start()

    def _stream(self, answer_id: int, events: Iterator[AnswerEvent]) -> None:
        try:
            for ev in events:
                self.inbox.put(("event", answer_id, ev))
        except Exception as exc:  # noqa: BLE001 - one bad question must not end the kiosk
            if answer_id == self.current:  # (a cancelled answer may fail on its way out: that is fine)
                self.session.log.error("answer failed unexpectedly (%s)", type(exc).__name__)
                self.inbox.put(("event", answer_id, AnswerEvent("error", text="internal")))
        finally:
            self.inbox.put(("stream_done", answer_id))

    def _on_event(self, answer_id: int, ev: AnswerEvent) -> None:
        if ev.kind == "reset":
            self.writer.emit("reset", q=answer_id)
        elif ev.kind in ("answer_source", "first_token"):
            self.writer.emit(ev.kind, q=answer_id, source=ev.source)
        elif ev.kind == "error":
            self.writer.emit("error", q=answer_id, kind=ev.text, source=ev.source)
        elif ev.kind in ("chunk", "answer_end"):
            if ev.kind == "chunk" and ev.source == "ack":
                self.acks.add((answer_id, ev.index))
                self.writer.emit("ack", q=answer_id, text=ev.text)
            self._submit(answer_id, ev)

    def _submit(self, answer_id: int, ev: AnswerEvent) -> None:
        if ev.kind == "answer_end":
            self.ended.add(answer_id)
        self.pipeline.submit(answer_id, ev)

    def _cancel_current(self) -> None:
        answer_id, self.current = self.current, None
        self.session.cancel()
        if answer_id is not None and self.pipeline.drop(answer_id):
            # else it finished speaking just now and reported its own end
            self.writer.emit("answer_end", q=answer_id, source="", interrupted=True)

    # --- pipeline callbacks (speech thread) ---------------------------------------------------

    def _on_chunk(self, chunk: SpokenChunk) -> None:
        silent = is_silent(chunk.speech)
        name = None if silent else self.audio.play(chunk)
        if chunk.answer_id not in self.started and not silent:
            self.started.add(chunk.answer_id)
            self.writer.emit("speech_start", q=chunk.answer_id)
        fields: dict[str, Any] = {"q": chunk.answer_id, "index": chunk.index, "text": chunk.text,
                                  "audio_s": 0.0 if silent else round(chunk.speech.duration_s, 3)}
        if silent:
            fields["silent"] = True
        if (chunk.answer_id, chunk.index) in self.acks:
            self.acks.discard((chunk.answer_id, chunk.index))
            fields["ack"] = True
        if name:
            fields["file"] = name
        self.writer.emit("chunk", **fields)

    def _on_end(self, answer_id: int, ev: AnswerEvent) -> None:
        self.writer.emit("answer_end", q=answer_id, source=ev.source, interrupted=ev.interrupted)
        self.inbox.put(("spoken", answer_id))

    def _on_speech_error(self, answer_id: int, kind: str) -> None:
        self.writer.emit("error", q=answer_id, kind=kind)


def _read_lines(lines: Iterable[str], inbox: "queue.Queue[tuple[Any, ...]]", voice: VoiceLines | None) -> None:
    try:
        for line in lines:
            line = line.rstrip("\r\n")
            if voice is None:
                inbox.put(("line", line))
                continue
            asked = voice.question(line)
            if asked is not None:
                inbox.put(("line", *asked))
    except (OSError, ValueError, UnicodeError) as exc:
        logging.getLogger("avatar.kiosk").warning("stopped reading input (%s)", type(exc).__name__)
    finally:
        inbox.put(("eof",))
