"""The offline answerer: canned FAQ answers first, else the best sentences of a BM25-retrieved passage."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator, Sequence

from avatar.kiosk.answerer import Turn
from avatar.kiosk.followup import in_context, is_follow_up
from avatar.kiosk.grounding import FaqEntry, Grounding, Passage

DEFAULT_UNKNOWN = ("I'm sorry, I don't have an answer to that. You could ask me about Beijing's digital "
                   "economy plan, the Global Digital Economy Conference, or how this kiosk works.")

STOP_WORDS = frozenset("""
a about above after again all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her
here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
only or other our ours out over own please same she should so some such tell than that the their them
then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours know like want
""".split())
# Words that carry no meaning in a short conversational question ("hello there", "can you tell me ...").
_FILLER = frozenset("please there hey so well um uh ok okay oh then just tell me can could would you "
                    "kindly again".split())
_NUMBER_WORDS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
                 "7": "seven", "8": "eight", "9": "nine", "10": "ten", "100": "hundred"}
_CONTRACTIONS = ((r"\bwhat's\b", "what is"), (r"\bwho's\b", "who is"), (r"\bwhere's\b", "where is"),
                 (r"\bwhen's\b", "when is"), (r"\bhow's\b", "how is"), (r"\bit's\b", "it is"),
                 (r"\bthat's\b", "that is"), (r"n't\b", " not"), (r"\bi'm\b", "i am"),
                 (r"\byou're\b", "you are"), (r"\bwhats\b", "what is"))
_REFERS_BACK = re.compile(r"^(?:it|its|this|that|these|those|they|their|there|so|and|but)\b"
                          r"|\b(?:that|this|these|those) (?!is\b|was\b|are\b)\w+", re.I)
_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“(]?[A-Z0-9])")


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    for pattern, repl in _CONTRACTIONS:
        text = re.sub(pattern, repl, text)
    return " ".join(re.findall(r"\w+", text))


def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to match "cities"/"city", "released"/"release"."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl, min_len in (("ies", "y", 5), ("sses", "ss", 6), ("ations", "ate", 8),
                                  ("ation", "ate", 7), ("ings", "", 7), ("ing", "", 6), ("ed", "", 5),
                                  ("es", "e", 5), ("s", "", 4)):
        if word.endswith(suffix) and len(word) >= min_len:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


def search_tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words (small numbers spelled out, stop words dropped)."""
    words = [_NUMBER_WORDS.get(w, w) for w in _normalise(text).split()]
    return [stem(w) for w in words if w not in STOP_WORDS]


def _faq_tokens(text: str) -> set[str]:
    return {stem(w) for w in _normalise(text).split() if w not in _FILLER}


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


@dataclass(frozen=True)
class LocalMatch:
    """What the local answerer chose and why (for tests and logs)."""

    text: str
    kind: str  # "faq" | "passage" | "unknown"
    score: float
    passage: Passage | None = None
    faq: FaqEntry | None = None


class LocalAnswerer:
    """Answers in a few milliseconds, offline, from the speech, the knowledge notes and the FAQ."""

    source = "local"

    def __init__(self, grounding: Grounding, *, faq_threshold: float = 0.75, min_score: float = 0.5,
                 unknown_answer: str | None = None) -> None:
        import bm25s  # imported here so `import avatar` stays light

        bm25_log = logging.getLogger("bm25s")
        if bm25_log.level == logging.DEBUG:
            # bm25s sets its own logger to DEBUG on import, which would print "Building index ..."
            # through the application's handlers; its warnings still come through.
            bm25_log.setLevel(logging.WARNING)

        self.grounding = grounding
        self.faq_threshold = faq_threshold
        self.min_score = min_score
        self.unknown_answer = unknown_answer or grounding.unknown_answer or DEFAULT_UNKNOWN
        self._passages = list(grounding.passages)
        self._faq = [(entry, [(_normalise(q), _faq_tokens(q)) for q in entry.questions])
                     for entry in grounding.faq]
        corpus = [search_tokens(f"{p.title} {p.text}") or ["_empty_"] for p in self._passages]
        self._index = bm25s.BM25()
        if corpus:
            self._index.index(corpus, show_progress=False)

    def answer(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str]:
        text = self.match_in_context(question, history).text
        # Word by word, like a model's tokens, so the chunker can start speaking at the first clause.
        yield from re.findall(r"\s*\S+", text)

    def match_in_context(self, question: str, history: Sequence[Turn] = ()) -> LocalMatch:
        """Like `match`, but a short follow-up ("And in 2022?", "Who leads it?") is read together with
        the visitor's previous question (`avatar.kiosk.followup`); a canned answer to the question as
        it stands still comes first ("How does this work?")."""
        previous = next((t.text for t in reversed(history) if t.role == "user"), "")
        if not previous or not is_follow_up(question):
            return self.match(question)
        faq = self._match_faq(question)
        if faq is not None:
            return faq
        return self.match(in_context(question, previous))

    def match(self, question: str) -> LocalMatch:
        faq = self._match_faq(question)
        if faq is not None:
            return faq
        passage = self._match_passage(question)
        if passage is not None:
            return passage
        return LocalMatch(self.unknown_answer, "unknown", 0.0)

    def _match_faq(self, question: str) -> LocalMatch | None:
        norm = _normalise(question)
        q_tokens = _faq_tokens(question)
        best: tuple[float, FaqEntry] | None = None
        for entry, variants in self._faq:
            for v_norm, v_tokens in variants:
                score = SequenceMatcher(None, norm, v_norm).ratio() if norm else 0.0
                common = len(q_tokens & v_tokens)
                if common and q_tokens and v_tokens:
                    precision, recall = common / len(q_tokens), common / len(v_tokens)
                    score = max(score, 2 * precision * recall / (precision + recall))
                if best is None or score > best[0]:
                    best = (score, entry)
        if best is not None and best[0] >= self.faq_threshold:
            return LocalMatch(best[1].answer, "faq", best[0], faq=best[1])
        return None

    def _match_passage(self, question: str) -> LocalMatch | None:
        tokens = search_tokens(question)
        if not tokens or not self._passages:
            return None
        scores = self._index.get_scores(tokens)
        best = int(scores.argmax())
        score = float(scores[best])
        if score < self.min_score:
            return None
        passage = self._passages[best]
        return LocalMatch(self._best_sentences(passage.text, set(tokens)), "passage", score, passage=passage)

    @staticmethod
    def _best_sentences(text: str, wanted: set[str]) -> str:
        sentences = split_sentences(text)
        if len(sentences) <= 1:
            return text
        hits = [len(wanted & set(search_tokens(s))) for s in sentences]
        i = max(range(len(sentences)), key=lambda k: (hits[k], -k))
        chosen = [sentences[i]]
        if i > 0 and _REFERS_BACK.search(sentences[i]):
            # "More than half of the firms on that list ..." needs the sentence that names the list.
            chosen.insert(0, sentences[i - 1])
        elif i + 1 < len(sentences) and (len(sentences[i]) < 90 or hits[i + 1] > 0):
            # A second sentence when the first is short or the next one also answers the question.
            chosen.append(sentences[i + 1])
        return " ".join(chosen)
