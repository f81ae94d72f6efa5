"""The answering seam: a conversation turn, the `Answerer` protocol and the events a kiosk answer emits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal, Protocol, Sequence

Role = Literal["user", "assistant"]
EventKind = Literal["reset", "answer_source", "first_token", "chunk", "error", "answer_end"]


@dataclass(frozen=True)
class Turn:
    """One line of the conversation: what the visitor asked or what the avatar said."""

    role: Role
    text: str


class Answerer(Protocol):
    """Something that answers a question as a stream of text pieces.

    `answer` yields text deltas (LLM tokens, or words of a canned answer). Failures raise
    `avatar.errors.AnswerError` with a secret-free `kind`, either before the first delta or mid-stream.
    Closing the returned iterator releases any connection at once.
    """

    source: str  # "llm" | "local"

    def answer(self, question: str, history: Sequence[Turn]) -> Iterator[str]: ...


@dataclass(frozen=True)
class AnswerEvent:
    """One step of an answer as the kiosk shows and speaks it.

    kind          meaning                                        fields used
    reset         history was cleared after inactivity           -
    answer_source the answerer that speaks this answer           source
    first_token   the first text of the answer arrived           source
    chunk         a speakable piece of cleaned text              text, index, source
    error         an answerer failed (the kiosk falls back)      text = error kind, source
    answer_end    the answer is complete (or was interrupted)    source, interrupted, text = full answer
    """

    kind: EventKind
    text: str = ""
    source: str = ""
    index: int = -1
    interrupted: bool = False
