"""The kiosk's event stream: JSON lines on stdout (headless) and in the --log file, and log records copied into it."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, TextIO


class EventWriter:
    """Thread-safe JSON lines `{"t": seconds since start, "event": ..., ...}` to stdout and an optional log."""

    def __init__(self, out: TextIO, *, clock: Callable[[], float] = time.monotonic,
                 log_file: TextIO | None = None) -> None:
        self.out = out
        self.clock = clock
        self.start_s = clock()
        self.log_file = log_file
        self._lock = threading.Lock()

    def emit(self, event: str, *, to_stdout: bool = True, **fields: Any) -> None:
        record = {"t": round(self.clock() - self.start_s, 4), "event": event, **fields}
        line = json.dumps(record, ensure_ascii=True) + "\n"
        with self._lock:
            if to_stdout:
                try:
                    self.out.write(line)
                    self.out.flush()
                except (OSError, ValueError):
                    pass  # a reader that went away must not crash the kiosk
            if self.log_file is not None:
                try:
                    self.log_file.write(line)
                    self.log_file.flush()
                except (OSError, ValueError):
                    pass  # a full disk must not silence the kiosk


class LogToEvents(logging.Handler):
    """Copies the kiosk's log records into the --log file as `log` events."""

    def __init__(self, writer: EventWriter) -> None:
        super().__init__(logging.INFO)
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.writer.emit("log", to_stdout=False, level=record.levelname, message=record.getMessage())
        except Exception:  # noqa: BLE001 - logging must never break the kiosk
            self.handleError(record)
