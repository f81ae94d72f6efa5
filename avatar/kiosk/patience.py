"""When a slow model has to be covered: acknowledge, speak what has come, or give up; never a long silence.

The rules, on the chain's clock (injectable, so tests run on fake time):

- No clause mark `first_cut_after_s` after the first word: the first chunk may end at a natural word
  boundary (`avatar.kiosk.wordcut`), so a model that punctuates late is still heard at once.
- No first word `acknowledge_after_s` after the question: say a short acknowledgement and keep
  listening. No first word `give_up_after_s` after the question: stop waiting and answer from local
  knowledge (the model answerer is rested like after any timeout).
- Mid-answer, when the voice has been silent for `fill_after_s` (the stream slowed to a word a second,
  say) the words already there are spoken up to a natural word boundary (or, if there are none, one
  acknowledgement). Once the answer has been silent `stall_after_s` in all, it is closed politely.

When the voice will fall silent is estimated from the text handed out (`speech_s`), since the chain
does not hear the audio: `words_per_s` at a typical speaking rate plus a fixed start-up per chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Action = Literal["acknowledge", "give_up", "fill", "stall"]


@dataclass(frozen=True)
class PatienceRules:
    """The numbers: a visitor never waits in silence much more than a second and a half."""

    first_cut_after_s: float = 0.1
    acknowledge_after_s: float = 1.0
    give_up_after_s: float = 3.0
    fill_after_s: float = 1.0
    stall_after_s: float = 3.0
    words_per_s: float = 3.0        # espeak at 175 words a minute
    chunk_start_s: float = 0.25     # synthesis and scheduling before a chunk is heard


def speech_s(text: str, rules: PatienceRules) -> float:
    """About how long `text` takes to say (a Chinese character counts as a third of a word)."""
    words = len(re.findall(r"[A-Za-z0-9]+", text)) + sum(1 for ch in text if "\u3400" <= ch <= "\u9fff") / 3
    return rules.chunk_start_s + words / rules.words_per_s


class Patience:
    """One question's waiting state; ask `due(now)` whenever time has passed, tell it what was said."""

    def __init__(self, rules: PatienceRules, asked_s: float) -> None:
        self.rules = rules
        self.asked_s = asked_s
        self.acknowledged = False
        self.answering = False        # the current answerer's first word has come
        self.voice_until_s = asked_s  # when the voice will have said everything handed out
        self.quiet_s = 0.0            # silence during the answer so far (gaps already closed)

    def first_word(self, now_s: float) -> None:
        """The current answerer's first word came: from now on its silences count."""
        self.answering = True
        self.voice_until_s = max(self.voice_until_s, now_s)

    def said(self, text: str, now_s: float) -> None:
        """A chunk (or acknowledgement) was handed out to be spoken at `now_s`."""
        if self.answering and now_s > self.voice_until_s:
            self.quiet_s += now_s - self.voice_until_s
        self.voice_until_s = max(self.voice_until_s, now_s) + speech_s(text, self.rules)

    def new_answerer(self) -> None:
        """The next answerer takes over (the last one failed before speaking)."""
        self.answering = False
        self.quiet_s = 0.0

    def silence_s(self, now_s: float) -> float:
        return max(0.0, now_s - self.voice_until_s)

    def due(self, now_s: float) -> Action | None:
        r = self.rules
        if not self.answering:
            waited = now_s - self.asked_s
            if waited >= r.give_up_after_s:
                return "give_up"
            if not self.acknowledged and waited >= r.acknowledge_after_s:
                return "acknowledge"
            return None
        silent = self.silence_s(now_s)
        if self.quiet_s + silent >= r.stall_after_s:
            return "stall"
        if silent >= r.fill_after_s:
            return "fill"
        return None
