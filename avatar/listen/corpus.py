"""What a visitor may say at this kiosk, as word sequences for the language model: the kiosk's own text
(speech, knowledge notes, FAQ questions and answers) and common ways of asking questions."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from avatar.listen.numbers import WrittenForms, is_year, spoken_tokens

if TYPE_CHECKING:
    from avatar.kiosk.grounding import Grounding

# How visitors ask, whatever the topic; with the topic's own phrases these make the question shapes
# the language model expects. Numbers are written as digits on purpose: they go through the same
# spoken-form rules as the notes ("and in 2022" -> "and in twenty twenty two").
QUESTION_PHRASES = """
what is | what is it | what is that | what are | what was | what were | what does it mean
what is the | what are the | what about | what about the | what else | what happened | what happened in 2023
who is | who are | who leads | who leads it | who is in charge | who runs it | who made you | who built you
who was | who gave the speech | who is behind it | who started it
when did | when did it start | when was it | when is | when will | when is it | when does it open
where is | where is it | where can i | where can i find | where can i learn more | where was it held
why did | why is | why does | why is it important | why did they do that | why
how many | how many are there | how much | how much does it cost | how big is | how does it work
how do i | how can i | how is | how long | how long does it take | how are you | how old is it
which is | which cities | which companies | which countries | which one
tell me about | tell me more | tell me more about | tell me about the | can you tell me about
can you tell me | could you tell me | could you explain | can you explain | please explain
explain | describe | i would like to know | i want to know about | i want to know more
do you know | do you know about | do you know anything about | is there | are there | is it | are they
and in 2022 | and in 2021 | and in 2023 | and in 2024 | and in 2025 | and what about | and who | and when
and where | and how many | and how | and why | and then | and after that | and before that
what is the plan | what is the goal | what are the results | what are the numbers | what is next
what is your name | who are you | are you real | are you a robot | what can you do | what can i ask
thank you | thanks | thank you very much | thanks a lot | great thanks | okay | ok thanks | yes | no
hello | hi | hi there | hello there | good morning | good afternoon | good evening | goodbye | bye
see you | see you later | sorry | pardon | excuse me | say that again | can you repeat that | repeat
i see | interesting | that is interesting | really | wow | great | nice | cool | i don't understand
what do you mean | i have a question | one more question | another question | last question
is it free | can i visit | can i join | how can i join | how can i take part | how can i attend
what is the name of | what is the purpose of | what is the role of | what is the history of
what is the size of | what is the population of | what is the capital of | what does it do
what does that mean | what did they say | what did you say | what was said | what was announced
how many people | how many companies | how many cities | how many countries | how many years
in which year | in what year | since when | until when | for how long | how often
the first | the second | the third | the fourth | the fifth | the last | the next | the new | the old
this year | last year | next year | this month | next month | today | tomorrow | yesterday | now
""".replace("\n", "|").split("|")

# Frames that put a topic phrase (a note's heading, the speech's title) into a question.
QUESTION_FRAMES = ("what is {}", "tell me about {}", "what about {}", "can you tell me about {}",
                   "i want to know about {}", "what do you know about {}")

WEIGHT_TEXT = 1.0        # a sentence of the speech or the notes
WEIGHT_FAQ_QUESTION = 3.0  # a question the FAQ expects: visitors say these
WEIGHT_PHRASE = 2.0      # a built-in question phrasing
WEIGHT_FRAME = 0.5       # a topic put in a question frame

_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\n+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Corpus:
    """Weighted sentences (written text) and what the recogniser needs to turn words back into text."""

    sentences: tuple[tuple[str, float], ...]

    def spoken(self) -> list[tuple[list[str], float]]:
        """Each sentence as spoken words, with its weight."""
        out = []
        for text, weight in self.sentences:
            tokens = spoken_tokens(text)
            words = [w for _, said in tokens for w in said]
            if words:
                out.append((words, weight))
            if any(is_year(t) and int(t) >= 2010 for t, _ in tokens):
                # Years are also said "two thousand and twenty three": half as likely.
                out.append(([w for _, said in spoken_tokens(text, thousands=True) for w in said], weight / 2))
        return out

    def written_forms(self) -> dict[str, str]:
        forms = WrittenForms()
        for text, _ in self.sentences:
            forms.learn(text)
        return forms.table()

    def casing(self) -> dict[str, str]:
        """lower-case word -> how the text writes it when it never writes it in lower case ("beijing" ->
        "Beijing", "unctad" -> "UNCTAD"): names, not words capitalised in a heading or a sentence's start."""
        seen: dict[str, Counter[str]] = {}
        for text, _ in self.sentences:
            for i, (token, said) in enumerate(spoken_tokens(text)):
                if len(said) == 1 and said[0] == token.lower() and (i > 0 or token == "I"):
                    seen.setdefault(token.lower(), Counter())[token] += 1
        out: dict[str, str] = {}
        for low, forms in seen.items():
            best = forms.most_common(1)[0][0]
            if best != low and forms[low] == 0:
                out[low] = best
        # The question phrasings are written in lower case; "I" is always a capital.
        for low in ("i", "i'm", "i'll", "i'd", "i've"):
            out[low] = "I" + low[1:]
        return out

    def acronyms(self) -> set[str]:
        """Words written in capitals ("AI", "UNCTAD"), as lower-case words."""
        return {token.lower() for text, _ in self.sentences for token, _ in spoken_tokens(text)
                if len(token) >= 2 and token.isalpha() and token.isupper()}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip() and not _HAN.search(s)]


def corpus_from_grounding(grounding: "Grounding", *, phrases: bool = True) -> Corpus:
    """The kiosk's English text as weighted sentences, and (unless `phrases` is False) the built-in
    question phrasings and its topics put in question frames. Chinese text is left out."""
    items: list[tuple[str, float]] = []

    def add(text: str, weight: float) -> None:
        for sentence in _sentences(text):
            items.append((sentence, weight))

    speech = grounding.speech_text
    add(speech, WEIGHT_TEXT)
    titles: list[str] = []
    for p in grounding.passages:
        if p.source != "speech":
            add(p.text, WEIGHT_TEXT)
        if p.title and p.title not in titles and not _HAN.search(p.title):
            titles.append(p.title)
    if grounding.persona.title and not _HAN.search(grounding.persona.title):
        titles.append(grounding.persona.title)
    for entry in grounding.faq:
        for q in entry.questions:
            add(q, WEIGHT_FAQ_QUESTION)
        add(entry.answer, WEIGHT_TEXT)
    if phrases:
        for phrase in QUESTION_PHRASES:
            if phrase.strip():
                items.append((phrase.strip(), WEIGHT_PHRASE))
        for title in titles:
            for part in re.split(r"[:;,.]\s*", title):
                if part.strip():
                    items.extend((frame.format(part.strip()), WEIGHT_FRAME) for frame in QUESTION_FRAMES)
    return Corpus(tuple(items))
