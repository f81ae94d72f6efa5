"""The kiosk figures' model server: the package's fake, streaming a known answer at a set pace.

`first_token_s` after the request the first word arrives, then `tokens_per_s` words (tokens) a second,
like a hosted model. Each question gets its own answer from `replies` (matched on the question text),
so the kiosk speaks something different every time.
"""

from __future__ import annotations

from typing import Any, Mapping

from avatar.kiosk.fake_server import FakeLLMServer

# Questions a visitor asks, with answers whose first clause is short (the kiosk speaks it at once).
QA: tuple[tuple[str, str], ...] = (
    ("When is the next conference?",
     "It is next summer, in Beijing. "
     "The fourth Global Digital Economy Conference welcomes guests from all over the world."),
    ("What is the one plus three plus N framework?",
     "It is our policy plan, in three layers. "
     "Open policies, standards and a way to measure the digital economy work together."),
    ("Why is Beijing a benchmark city?",
     "We lead in scale, across many industries. "
     "Artificial intelligence, blockchain and the industrial internet are strong here."),
    ("Who are you?",
     "I am a digital human, speaking for Beijing. "
     "I was made to share our plans for the digital economy."),
    ("How can my city join the partner cities?",
     "Please get in touch, through the bureau. "
     "The Partner Cities Cooperation Initiative is open to cities everywhere."),
    ("What happens with data as an asset?",
     "We run real pilots, across the city. "
     "Data is traded as a factor of production in a growing market."),
    ("What will you do next?",
     "There are three steps, in order. "
     "First the regulations, then the data rules field, then opening our services."),
    ("Which companies come from Beijing?",
     "Many leading ones, on the Forbes list. "
     "More than half of the Chinese firms among the top hundred are from Beijing."),
    ("What is UNCTAD eWeek?",
     "It is a global meeting, held in Geneva. "
     "Governments and companies discuss the digital economy there."),
    ("Can factories use these tools?",
     "Yes, they already do. "
     "Our manufacturing projects bring digital tools into factories across the city."),
)
FALLBACK = "Thank you for asking, that is a good question. Beijing will be glad to tell you more."


def late_punctuation(answer: str) -> str:
    """The same answer as a model that punctuates late says it: one long first sentence, no early comma
    ("It is next summer in Beijing and the fourth Global ... welcomes guests from all over the world.")."""
    first, _, rest = answer.partition(". ")
    first = first.replace(",", "")
    if not rest:
        return first
    return f"{first} and {rest[0].lower() if not rest[:2].isupper() else rest[0]}{rest[1:]}"


LATE_QA: tuple[tuple[str, str], ...] = tuple((q, late_punctuation(a)) for q, a in QA)


def streaming_chat_server(*, first_token_s: float = 0.3, tokens_per_s: float = 40.0,
                        replies: Mapping[str, str] | None = None, words_per_s: float = 0.0,
                        mode: str = "normal") -> FakeLLMServer:
    """The package's fake server, pacing like a hosted model and answering each question from `replies`.

    `with streaming_chat_server(first_token_s=0.3, tokens_per_s=40) as s:` then use `s.base_url`.
    `words_per_s` streams whole words instead of tokens; `mode` is a fake-server mode ("silent": the
    request is accepted and nothing comes).
    """
    table = dict(QA if replies is None else replies)

    def reply_for(body: Mapping[str, Any]) -> str:
        messages = [m for m in body.get("messages", []) if m.get("role") == "user"]
        question = str(messages[-1].get("content", "")).lower() if messages else ""
        return next((a for q, a in table.items() if q.lower() in question), FALLBACK)

    return FakeLLMServer(first_token_s=first_token_s, tokens_per_s=tokens_per_s, reply_for=reply_for,
                         model="bench", keep_requests=False, words_per_s=words_per_s, mode=mode)
