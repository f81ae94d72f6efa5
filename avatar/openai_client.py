"""The OpenAI SDK seam: one client per server, made on first use, shared by the answerer and the listener.

The key lives only inside the client (never in a repr or a log); retries are off, because a visitor
waiting at a kiosk is better served by the local fallback than by the SDK trying again.
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class LazyClient:
    """`get()` returns the SDK client, built once (its connection pool is reused across questions)."""

    def __init__(self, *, api_key: str, base_url: str | None, read_timeout_s: float, connect_timeout_s: float,
                 factory: Callable[[], Any] | None = None, on_made: Callable[[Any], None] | None = None) -> None:
        self.base_url = base_url
        self.__api_key = api_key  # name-mangled and never in repr: keys must not reach logs
        self._read_s = read_timeout_s
        self._connect_s = min(connect_timeout_s, read_timeout_s)
        self._factory = factory or self._make
        self._on_made = on_made
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "LazyClient(...)"

    def get(self) -> Any:
        with self._lock:
            if self._client is None:
                client = self._factory()
                if self._on_made is not None:
                    self._on_made(client)
                self._client = client
            return self._client

    def _make(self) -> Any:
        import openai

        timeout = openai.Timeout(self._read_s, connect=self._connect_s)
        return openai.OpenAI(api_key=self.__api_key, base_url=self.base_url, timeout=timeout, max_retries=0)


def error_kind(exc: BaseException) -> str | None:
    """A short, secret-free label for a failed SDK request ("timeout", "auth", "rate_limited",
    "not_found", "server_error", "bad_request", "refused", "connection"); None if it is not the SDK's."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return "auth"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.NotFoundError):
        return "not_found"
    if isinstance(exc, openai.APIStatusError):
        return "server_error" if exc.status_code >= 500 else "bad_request"
    if isinstance(exc, openai.APIConnectionError):
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ConnectionRefusedError):
                return "refused"
            cause = cause.__cause__ or cause.__context__
        return "connection"
    return None
