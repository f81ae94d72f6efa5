"""The online answerer: streaming chat completions from any OpenAI-compatible server, with hard timeouts."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Mapping, Sequence

from avatar.errors import AnswerError
from avatar.kiosk.answerer import Turn
from avatar.openai_client import LazyClient, error_kind

DEFAULT_MODEL = "gpt-4o-mini"
# The SDK refuses to start without a key; local servers (llama.cpp, Ollama, vLLM) ignore it.
PLACEHOLDER_KEY = "not-needed"


@dataclass(frozen=True)
class LLMSettings:
    """How to reach the model and how long to wait. The API key is deliberately not a field."""

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    connect_timeout_s: float = 3.0
    first_token_timeout_s: float = 3.0   # the kiosk acknowledges after 1 s, answers offline after 3 s
    stall_timeout_s: float = 3.0
    heartbeat_s: float = 0.1             # while waiting, yield "" this often (0 = never)
    max_history_turns: int = 6
    max_question_chars: int = 500
    max_tokens: int = 220
    temperature: float = 0.5


def resolve_api_key(base_url: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The key to send: OPENAI_API_KEY, else a placeholder for a custom server, else None (no LLM)."""
    env = os.environ if env is None else env
    key = (env.get("OPENAI_API_KEY") or "").strip()
    if key:
        return key
    if base_url:
        return PLACEHOLDER_KEY
    return None


def llm_answerer_from_env(settings: LLMSettings, system_prompt: str,
                          env: Mapping[str, str] | None = None) -> "LLMAnswerer | None":
    """An LLM answerer if a key or a base URL is configured; None means "offline", and nothing is sent."""
    env = os.environ if env is None else env
    base_url = settings.base_url or (env.get("OPENAI_BASE_URL") or "").strip() or None
    key = resolve_api_key(base_url, env)
    if key is None:
        return None
    if base_url != settings.base_url:
        settings = replace(settings, base_url=base_url)
    return LLMAnswerer(settings, system_prompt, api_key=key)


LANGUAGE_NOTES = {
    "zh": "The visitor's question is in Chinese: answer in Chinese, in simplified characters.",
    "en": "The visitor's question is in English: answer in English.",
}


def language_note(question: str) -> str:
    """A last line for the system prompt naming the language of the visitor's question."""
    from avatar.language import guess_language

    note = LANGUAGE_NOTES.get(guess_language(question, default=""))  # "2024?" names none
    return f"\n\n{note}" if note else ""


def classify_error(exc: BaseException, *, after_tokens: bool) -> str:
    """A short, secret-free label for a failure (the message itself may quote URLs or server text)."""
    kind = error_kind(exc)
    if kind in ("refused", "connection"):
        return "stream_cut" if after_tokens else "connection"
    if kind is not None:
        return kind
    if isinstance(exc, (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError)):
        return "bad_response"
    return "error"


def _import_chat(client: Any) -> None:
    """The SDK imports its chat resources on first use: ~0.1 s taken from the first visitor's answer
    unless it happens here, at warm-up."""
    try:
        client.chat.completions
    except Exception:  # noqa: BLE001 - a stand-in client without them is fine
        pass


class LLMAnswerer:
    """Streams an answer; raises AnswerError(kind) on failure, never retries (the kiosk falls back).

    The request runs on a helper thread that feeds a queue, so the first-token and stall deadlines
    hold even while the SDK is blocked on a socket; closing the answer closes the HTTP stream. While
    it waits it yields an empty string every `heartbeat_s`, so its consumer can act on a slow model
    (acknowledge the question, speak what has come) without a thread of its own.
    """

    source = "llm"

    def __init__(self, settings: LLMSettings, system_prompt: str, *, api_key: str,
                 client_factory: Callable[[], Any] | None = None) -> None:
        self.settings = settings
        self.system_prompt = system_prompt
        s = settings
        self._sdk = LazyClient(api_key=api_key, base_url=s.base_url,
                               read_timeout_s=max(s.first_token_timeout_s, s.stall_timeout_s) + 1.0,  # backstop;
                               connect_timeout_s=s.connect_timeout_s,                # our deadlines act first
                               factory=client_factory, on_made=_import_chat)

    def __repr__(self) -> str:
        return f"LLMAnswerer(model={self.settings.model!r}, base_url={self.settings.base_url!r})"

    def client(self) -> Any:
        """The SDK client, made once (its connection pool is reused across questions)."""
        return self._sdk.get()

    def messages(self, question: str, history: Sequence[Turn]) -> list[dict[str, str]]:
        s = self.settings
        msgs = [{"role": "system", "content": self.system_prompt + language_note(question)}]
        recent = list(history)[-s.max_history_turns:] if s.max_history_turns > 0 else []
        msgs += [{"role": t.role, "content": t.text[: s.max_question_chars * 4]} for t in recent]
        msgs.append({"role": "user", "content": question[: s.max_question_chars]})
        return msgs

    def answer(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str]:
        return self._stream(self.messages(question, history))

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        s = self.settings
        items: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        held: dict[str, Any] = {}

        try:
            # Made here, before the clock starts: importing the SDK is a one-off cost, not a slow server.
            client = self.client()
        except AnswerError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken SDK install: answer offline instead
            raise AnswerError(f"the model client could not start ({type(exc).__name__})", kind="client") from exc

        def pump() -> None:
            got = False
            try:
                stream = client.chat.completions.create(
                    model=s.model, messages=messages, stream=True, max_tokens=s.max_tokens,
                    temperature=s.temperature)
                held["stream"] = stream
                if stop.is_set():
                    return
                finished = False
                for chunk in stream:
                    if stop.is_set():
                        return
                    for choice in chunk.choices or ():
                        text = getattr(choice.delta, "content", None) if choice.delta else None
                        if text:
                            got = True
                            items.put(("delta", text))
                        if choice.finish_reason:
                            finished = True
                items.put(("end", finished))
            except BaseException as exc:  # noqa: BLE001 - every failure becomes a kind for the consumer
                if not stop.is_set():
                    items.put(("error", classify_error(exc, after_tokens=got)))
            finally:
                _close_quietly(held.get("stream"))

        worker = threading.Thread(target=pump, name="avatar-kiosk-llm", daemon=True)
        started = time.monotonic()
        worker.start()
        deadline = started + s.first_token_timeout_s
        text_so_far = ""
        try:
            while True:
                wait_s = deadline - time.monotonic()
                if wait_s <= 0:
                    kind = "stalled" if text_so_far else "timeout"
                    raise AnswerError(f"no tokens from the model for too long ({kind})", kind=kind)
                beat_s = s.heartbeat_s if s.heartbeat_s > 0 else wait_s
                try:
                    what, value = items.get(timeout=min(wait_s, beat_s))
                except queue.Empty:
                    if s.heartbeat_s > 0:
                        yield ""
                    continue
                if what == "delta":
                    text_so_far += value
                    yield value
                    # Counted from when we are ready for more, so a slow consumer is not a stalled model.
                    deadline = time.monotonic() + s.stall_timeout_s
                elif what == "error":
                    raise AnswerError(f"the model request failed ({value})", kind=value)
                else:
                    if not text_so_far.strip():
                        raise AnswerError("the model sent an empty answer", kind="empty")
                    if not value and not _ends_sentence(text_so_far):
                        # No finish_reason and a dangling sentence: the connection ended early.
                        raise AnswerError("the answer stream ended early", kind="stream_cut")
                    return
        finally:
            stop.set()
            _close_quietly(held.get("stream"))


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"'”’)").endswith((".", "!", "?", "…", "。", "！", "？"))


def _close_quietly(stream: Any) -> None:
    if stream is None:
        return
    try:
        stream.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may itself fail; nothing to do
        pass
