"""The attract loop: what the avatar says to passers-by when nobody has asked anything for a while."""

from __future__ import annotations

from avatar.kiosk.grounding import Persona
from avatar.kiosk.phrases import bilingual, greetings_zh
from avatar.language import han_count

# Last words of a speaker name that is a description ("Digital Economy Presenter"), not a person's
# name: those read better with "the" in front ("I am the Digital Economy Presenter").
_ROLE_NOUNS = frozenset({"presenter", "assistant", "guide", "host", "avatar", "human", "ambassador",
                         "representative", "spokesperson", "narrator", "concierge", "helper"})


def _who(persona: Persona) -> str:
    name = persona.speaker.strip()
    if not name or han_count(name):  # a Chinese name is said in the Chinese greeting only
        return "the digital presenter"
    words = name.split()
    if words[0].lower() in ("the", "a", "an"):
        return name
    return f"the {name}" if words[-1].lower() in _ROLE_NOUNS else name


def _topic(persona: Persona) -> str:
    # A title's colon reads as a pause; commas keep the sentence whole when spoken.
    title = " ".join(persona.title.replace(":", ",").split()).rstrip(".!?")
    return title if title and not han_count(title) else "my speech"


def greetings(persona: Persona) -> tuple[str, ...]:
    """A few short invitations in the persona's name, said in turn, each in English and Chinese."""
    who, topic = _who(persona), _topic(persona)
    english = (
        f"Hello, and welcome! I am {who}. Type a question below, and I will answer it.",
        f"Do you have a question about {topic}? Just type it, and press Enter.",
        "Good to see you! I am happy to tell you more. What would you like to know?",
        f"Curious about {topic}? Ask me anything, and I will answer right away.",
    )
    # Each greeting is said in English and in Chinese (the kiosk's own language first), each part
    # in its own voice, so a visitor of either language knows they may ask in theirs.
    chinese = greetings_zh(persona)
    return tuple(bilingual(line, chinese[i % len(chinese)], persona.language, sep=" ")
                 for i, line in enumerate(english))


class AttractSchedule:
    """When to greet: `after_s` of quiet, then every `every_s` while it stays quiet; None = never."""

    def __init__(self, after_s: float | None, every_s: float, now_s: float) -> None:
        self.after_s = after_s
        self.every_s = every_s
        self.count = 0
        self.next_s = None if after_s is None else now_s + after_s

    def activity(self, now_s: float) -> None:
        """Somebody typed, asked or was answered: wait the full delay again."""
        if self.after_s is not None:
            self.next_s = now_s + self.after_s

    def greeted(self, now_s: float) -> None:
        """A greeting just ended (or was cut short): the next one comes after `every_s`."""
        self.count += 1
        if self.after_s is not None:
            self.next_s = now_s + self.every_s

    def due(self, now_s: float) -> bool:
        return self.next_s is not None and now_s >= self.next_s
