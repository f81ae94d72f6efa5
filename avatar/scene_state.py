"""What the whole picture shows at one instant: the face plus captions, slide, lower third, title."""

from __future__ import annotations

from dataclasses import dataclass, field

from avatar.face.state import FaceState


@dataclass(frozen=True)
class Caption:
    """The sentence on screen; `words` are (char_start, char_end) spans in `text`.

    `current_word` indexes `words` (-1 = none highlighted); `translation` is shown below it.
    """

    text: str
    words: tuple[tuple[int, int], ...] = ()
    current_word: int = -1
    translation: str = ""


@dataclass(frozen=True)
class LowerThird:
    name: str
    role: str = ""
    opacity: float = 1.0   # 0..1, for fading in and out


@dataclass(frozen=True)
class TitleCard:
    title: str
    subtitle: str = ""
    opacity: float = 1.0


@dataclass(frozen=True)
class Listening:
    """The kiosk's voice-question pill: "listening" (with the live level 0..1), "recognising" or "notice"."""

    phase: str
    level: float = 0.0
    text: str = ""


@dataclass(frozen=True)
class SceneState:
    t_s: float
    face: FaceState = field(default_factory=FaceState)
    caption: Caption | None = None
    slide_path: str | None = None
    lower_third: LowerThird | None = None
    title: TitleCard | None = None
    hint: str = ""              # small line at the bottom (kiosk hints)
    input_text: str | None = None  # kiosk question box; None = no box
    cursor_on: bool = False     # kiosk text cursor blink phase
    listening: Listening | None = None  # kiosk push-to-talk: shown above the question box
