"""What every voice gives back: audio plus, where the engine knows them, word and phoneme times."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Protocol

from avatar.audio import Audio


@dataclass(frozen=True)
class PhonemeTiming:
    """One phoneme: `symbol` in espeak-ng's ASCII phoneme mnemonics (e.g. "p", "aI", "'u:", "_:")."""

    symbol: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class WordTiming:
    """One spoken word of the text, with its character span in that text."""

    text: str
    start_s: float
    end_s: float
    char_start: int = 0
    char_end: int = 0


@dataclass(frozen=True)
class Speech:
    """A synthesised (or recorded and aligned) utterance of `text`."""

    text: str
    audio: Audio
    words: tuple[WordTiming, ...] = ()
    phonemes: tuple[PhonemeTiming, ...] = ()
    engine: str = ""

    @property
    def duration_s(self) -> float:
        return self.audio.duration_s

    def shifted(self, offset_s: float) -> "Speech":
        """The same timings moved by `offset_s` (audio unchanged)."""
        return replace(
            self,
            words=tuple(replace(w, start_s=w.start_s + offset_s, end_s=w.end_s + offset_s) for w in self.words),
            phonemes=tuple(replace(p, start_s=p.start_s + offset_s, end_s=p.end_s + offset_s)
                           for p in self.phonemes),
        )


@dataclass(frozen=True)
class VoiceInfo:
    """An installed voice as `avatar voices` lists it."""

    id: str
    name: str
    languages: tuple[str, ...] = field(default_factory=tuple)
    engine: str = ""     # which engine speaks it ("piper" for neural voices; "" = the default engine)
    quality: str = ""    # a neural voice's quality (x_low, low, medium, high)


MIN_RATE_WPM = 80
MAX_RATE_WPM = 450
DEFAULT_RATE_WPM = 175


def rate_problem(rate_wpm: int) -> str | None:
    """Why a speaking rate cannot be used (the one place the range is checked), or None if it can."""
    if MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
        return None
    return f"{rate_wpm} is out of range; use {MIN_RATE_WPM} to {MAX_RATE_WPM} words per minute"


def check_rate(rate_wpm: int, what: str = "--rate") -> int:
    """`rate_wpm` if usable, else a UsageError naming `what` ("--rate", "rate")."""
    problem = rate_problem(rate_wpm)
    if problem:
        from avatar.errors import UsageError

        raise UsageError(f"{what} {problem}")
    return rate_wpm


@dataclass(frozen=True)
class VoiceSettings:
    """What selects a rendition: voice id ("" = engine default) and rate in words per minute."""

    voice: str = ""
    rate_wpm: int = DEFAULT_RATE_WPM


SILENT_ENGINE = "silent"   # `Speech.engine` of a caption-only stand-in (shown, never heard)
FAILED_WORD_S = 0.33       # how long each word the voice could not speak stays on screen


def caption_only(text: str, rate_hz: int, *, tail_s: float) -> Speech:
    """A stand-in for text the voice could not speak: silent audio, words paced for reading."""
    tokens = list(re.finditer(r"\S+", text))
    words = tuple(WordTiming(m.group(0), i * FAILED_WORD_S, (i + 1) * FAILED_WORD_S, m.start(), m.end())
                  for i, m in enumerate(tokens))
    return Speech(text, Audio.silence(max(1, len(tokens)) * FAILED_WORD_S + tail_s, rate_hz), words,
                  engine=SILENT_ENGINE)


class TTSEngine(Protocol):
    """The seam: one engine, many sentences.

    `start()` begins any slow start-up in the background (so it overlaps opening a window);
    `resolve_voice()` maps a voice id, short id, name or language code to one of `voices()`' ids
    ("" stays "", the engine's default) or raises UsageError naming the unknown voice."""

    name: str

    def start(self) -> None: ...

    def resolve_voice(self, voice: str) -> str: ...

    def synthesize(self, text: str, settings: VoiceSettings) -> Speech: ...

    def voices(self) -> list[VoiceInfo]: ...

    def close(self) -> None: ...
