"""A time limit for a call that cannot be interrupted (an onnxruntime run): it is waited for, then abandoned.

Each call runs on a daemon thread of its own and hands its outcome to a future of its own. The caller
waits up to the limit; past it the call is abandoned: the caller gets a `TTSError`, and whatever the
abandoned call returns later lands in that call's future, which nobody reads, so it can never be taken
for a later call's result. Until an abandoned call has ended, new calls fail at once instead of queueing
behind it for the same stuck resource (a show then goes on in captions without waiting once more).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from avatar.errors import TTSError

T = TypeVar("T")


class Deadline:
    """Runs calls with a time limit; `late` and `busy` are the one-line messages of the two failures
    (`late` may name the limit as {limit_s:.0f})."""

    def __init__(self, *, late: str, busy: str, thread_name: str = "avatar-deadline") -> None:
        self._late = late
        self._busy = busy
        self._thread_name = thread_name
        self._lock = threading.Lock()
        self._abandoned: Future | None = None

    def call(self, fn: Callable[[], T], limit_s: float) -> T:
        """`fn()`'s result or exception, or a `TTSError` once `limit_s` has passed without one."""
        with self._lock:
            if self._abandoned is not None:
                if not self._abandoned.done():
                    raise TTSError(self._busy)
                self._abandoned = None
        future: Future = Future()

        def work() -> None:
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, if it still waits
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=work, name=self._thread_name, daemon=True).start()
        try:
            return future.result(timeout=limit_s)
        except FutureTimeout:
            if future.done():  # finished just as the wait ended: it is still this call's own result
                return future.result()
            with self._lock:
                self._abandoned = future
            raise TTSError(self._late.format(limit_s=limit_s)) from None
