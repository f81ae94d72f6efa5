"""Recognition by any OpenAI-compatible /v1/audio/transcriptions endpoint (Whisper servers, the cloud).

One request per question, a short timeout and no retries: a visitor should not stand waiting while
a server is down; the kiosk then asks them to type instead. Failures become `RecognitionError` with
a short kind and a message that never carries the key, the URL or the server's own text.
"""

from __future__ import annotations

import io
import time
import wave
from dataclasses import dataclass
from typing import Any, Callable

from avatar.audio import Audio
from avatar.listen.base import Heard, RecognitionError
from avatar.openai_client import LazyClient, error_kind

RATE_HZ = 16000      # what speech recognisers use; keeps the upload small (32 kB a second)
DEFAULT_MODEL = "whisper-1"


@dataclass(frozen=True)
class ServerSettings:
    """Where and how to ask. The API key is deliberately not a field."""

    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout_s: float = 6.0         # the whole request: upload, recognition, answer
    connect_timeout_s: float = 2.0
    language: str | None = "en"    # ISO-639-1 hint for the server; None lets it guess


def classify_error(exc: BaseException) -> str:
    """A short, secret-free label for a failed request."""
    return error_kind(exc) or "error"


_MESSAGES = {
    "timeout": "the speech recognition server did not answer in time",
    "auth": "the speech recognition server refused the API key (check OPENAI_API_KEY)",
    "refused": "the speech recognition server refused the connection (is it running?)",
    "connection": "the speech recognition server could not be reached",
    "rate_limited": "the speech recognition server is busy (rate limited)",
    "not_found": "the speech recognition server has no transcription endpoint or model of that name",
    "server_error": "the speech recognition server failed",
    "bad_request": "the speech recognition server rejected the recording",
    "bad_response": "the speech recognition server sent an answer that could not be read",
}


def wav_bytes(audio: Audio, rate_hz: int = RATE_HZ) -> bytes:
    """The recording as a 16-bit mono WAV file in memory."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(audio.downsampled(rate_hz).to_int16().tobytes())
    return buf.getvalue()


class ServerRecogniser:
    """Sends each question to a transcription endpoint; raises RecognitionError(kind) on failure."""

    name = "server"

    def __init__(self, settings: ServerSettings, *, api_key: str,
                 client_factory: Callable[[], Any] | None = None) -> None:
        self.settings = settings
        self._sdk = LazyClient(api_key=api_key, base_url=settings.base_url, read_timeout_s=settings.timeout_s,
                               connect_timeout_s=settings.connect_timeout_s, factory=client_factory)

    def __repr__(self) -> str:
        return f"ServerRecogniser(model={self.settings.model!r})"

    def client(self) -> Any:
        """The SDK client, made once (its connection pool is reused across questions)."""
        return self._sdk.get()

    def transcribe(self, audio: Audio) -> Heard:
        s = self.settings
        data = wav_bytes(audio)
        try:
            client = self.client()
        except Exception as exc:  # noqa: BLE001 - a broken SDK install: the kiosk asks to type instead
            raise RecognitionError(f"the speech recognition client could not start ({type(exc).__name__})",
                                   kind="client") from exc
        started = time.perf_counter()
        extra = {"language": s.language} if s.language else {}
        try:
            result = client.audio.transcriptions.create(model=s.model, file=("question.wav", data, "audio/wav"),
                                                        **extra)
            text = result if isinstance(result, str) else getattr(result, "text", None)
            if not isinstance(text, str):
                raise ValueError("no text in the answer")
        except Exception as exc:  # noqa: BLE001 - every failure becomes a kind; the message is ours
            kind = "bad_response" if isinstance(exc, (ValueError, TypeError, AttributeError)) else classify_error(exc)
            raise RecognitionError(_MESSAGES.get(kind, "speech recognition by the server failed") + f" ({kind})",
                                   kind=kind) from None
        return Heard(" ".join(text.split()), self.name, time.perf_counter() - started)
