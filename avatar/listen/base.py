"""The speech-recognition seam: a Recogniser turns a recorded question into text.

Engines: "sphinx" (offline PocketSphinx with a language model built from the kiosk's own knowledge
and FAQ, the `phones` extra) and "server" (any OpenAI-compatible /v1/audio/transcriptions endpoint).
Tests use `FakeRecogniser`. Recognisers never store what they hear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from avatar.audio import Audio
from avatar.errors import RuntimeFailure


class RecognitionError(RuntimeFailure):
    """Speech could not be recognised (engine failed, server unreachable); `kind` is a short label."""

    def __init__(self, message: str, *, kind: str = "error") -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Heard:
    """What a recogniser made of one recorded question."""

    text: str          # the words, as a visitor would type them ("" when nothing was understood)
    engine: str        # which recogniser heard it: "sphinx", "server", "fake"
    decode_s: float    # seconds spent recognising (not including recording)


class Recogniser(Protocol):
    """Turns one recorded question (any sample rate, mono) into text."""

    name: str

    def transcribe(self, audio: Audio) -> Heard: ...


class FakeRecogniser:
    """Answers with fixed text: for tests of what happens around recognition."""

    name = "fake"

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.heard: list[Audio] = []

    def transcribe(self, audio: Audio) -> Heard:
        self.heard.append(audio)
        return Heard(self.text, self.name, 0.0)
