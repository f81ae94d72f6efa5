"""Short follow-up questions ("And in 2022?", "Who leads it?") read in the light of the question before.

A question is a follow-up when it is short (at most `MAX_WORDS` words) and either opens like one
("and ...", "what about ...", "how about ...") or leans on something said before (it, they, there,
that ...) or names nothing of its own but a number. It is then rewritten for the offline answerer:
numbers in it replace the numbers of the previous question ("What happened in 2023?" + "And in 2024?"
-> "What happened in 2024?"), otherwise its own words come first, twice, and the previous question's
after them, so retrieval looks for the new thing about the old topic.
"""

from __future__ import annotations

import re

MAX_WORDS = 7
_OPENERS = re.compile(r"^(?:and|but|so|also|then|ok(?:ay)?|what about|how about|and what about|and how about)\b[,]?\s*",
                      re.I)
_BACK = frozenset("it its it's they them their theirs there that this those these he she him his her".split())
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_FILLER = frozenset("and but so also then in on at of the a an what about how for with".split())


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def is_follow_up(question: str) -> bool:
    """Does this question need the previous one to make sense?"""
    words = _words(question)
    if not words or len(words) > MAX_WORDS:
        return False
    if _OPENERS.match(question.strip()):
        return True
    if any(w in _BACK for w in words):
        return True
    own = [w for w in words if w not in _FILLER and not w.isdigit()]
    return not own and bool(_NUMBER.search(question))


def in_context(question: str, previous: str) -> str:
    """The follow-up as a question that stands on its own, for the offline answerer."""
    numbers = _NUMBER.findall(question)
    old_numbers = _NUMBER.findall(previous)
    rest = [w for w in _words(_NUMBER.sub(" ", _OPENERS.sub("", question.strip())))
            if w not in _FILLER and w not in _BACK]
    if numbers and old_numbers and not rest:
        swapped = iter(numbers)
        return _NUMBER.sub(lambda m: next(swapped, m.group()), previous)
    own = _OPENERS.sub("", question.strip())
    return f"{own} {own} {previous}"
