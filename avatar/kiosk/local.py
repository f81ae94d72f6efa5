"""The offline answerer: canned FAQ answers first, else the best sentences of a BM25-retrieved passage.

It answers in the language of the question: a Chinese question is matched against the Chinese FAQ
entries and notes only (words found by jieba), an English one against the English ones."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator, Sequence

from avatar.kiosk import chinese_text
from avatar.kiosk.answerer import Turn
from avatar.kiosk.followup import in_context, is_follow_up
from avatar.kiosk.grounding import FaqEntry, Grounding, Passage
from avatar.kiosk.phrases import UNKNOWN
from avatar.language import base_language, guess_language

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
    """Lower-cased, stemmed content words (small numbers spelled out, stop words dropped); Chinese
    text is cut into words by jieba first (English words inside it are treated as above)."""
    if chinese_text.has_han(text):
        return [stem(w) if w.isascii() else w for w in chinese_text.search_words(text)
                if not (w.isascii() and w in STOP_WORDS)]
    words = [_NUMBER_WORDS.get(w, w) for w in _normalise(text).split()]
    return [stem(w) for w in words if w not in STOP_WORDS]


def _faq_tokens(text: str) -> set[str]:
    if chinese_text.has_han(text):
        return chinese_text.faq_words(text)
    return {stem(w) for w in _normalise(text).split() if w not in _FILLER}


def split_sentences(text: str) -> list[str]:
    if chinese_text.has_han(text):
        return chinese_text.split_sentences(text)
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
        self.language = base_language(grounding.persona.language) or "en"
        self.unknown_answer = unknown_answer or grounding.unknown_answer or DEFAULT_UNKNOWN
        self._unknown = dict(grounding.unknown_answers)
        self._unknown.setdefault(guess_language(self.unknown_answer, self.language), self.unknown_answer)
        if unknown_answer:
            self._unknown[guess_language(unknown_answer, self.language)] = unknown_answer
        # One index per language: a question is answered from material in its own language.
        self._passages: dict[str, list[Passage]] = {}
        for p in grounding.passages:
            self._passages.setdefault(guess_language(p.text, self.language), []).append(p)
        self._faq = [(entry, guess_language(entry.answer, self.language),
                      [(_normalise(q), _faq_tokens(q)) for q in entry.questions]) for entry in grounding.faq]
        self._index: dict[str, object] = {}
        for lang, passages in self._passages.items():
            index = bm25s.BM25()
            index.index([search_tokens(f"{p.title} {p.text}") or ["_empty_"] for p in passages],
                        show_progress=False)
            self._index[lang] = index

    def question_language(self, question: str) -> str:
        """"zh" for a question in Chinese characters, "en" for one in English; the speech's language
        when it has no letters at all."""
        return guess_language(question, self.language)

    def unknown_for(self, language: str) -> str:
        """What to say when nothing fits, in `language`: the notes' line for it (faq.toml `unknown`,
        `unknown_zh`), else a built-in one."""
        return self._unknown.get(language) or UNKNOWN.get(language) or self.unknown_answer

    def answer(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str]:
        text = self.match_in_context(question, history).text
        # Word by word, like a model's tokens, so the chunker can start speaking at the first clause
        # (Chinese, written without spaces, a few characters at a time).
        yield from re.findall(r"\s*(?:[\u3000-\u9fff\uff00-\uffef]{1,4}|[^\s\u3000-\u9fff\uff00-\uffef]+)", text)

    def match_in_context(self, question: str, history: Sequence[Turn] = ()) -> LocalMatch:
        """Like `match`, but a short follow-up ("And in 2022?", "Who leads it?") is read together with
        the visitor's previous question (`avatar.kiosk.followup`); a canned answer to the question as
        it stands still comes first ("How does this work?")."""
        previous = next((t.text for t in reversed(history) if t.role == "user"), "")
        if not previous or not is_follow_up(question):
            return self.match(question)
        faq = self._match_faq(question, self.question_language(question))
        if faq is not None:
            return faq
        return self.match(in_context(question, previous))

    def match(self, question: str) -> LocalMatch:
        language = self.question_language(question)
        faq = self._match_faq(question, language)
        if faq is not None:
            return faq
        passage = self._match_passage(question, language)
        if passage is not None:
            return passage
        return LocalMatch(self.unknown_for(language), "unknown", 0.0)

    def _match_faq(self, question: str, language: str) -> LocalMatch | None:
        norm = _normalise(question)
        q_tokens = _faq_tokens(question)
        best: tuple[float, FaqEntry] | None = None
        for entry, entry_language, variants in self._faq:
            if entry_language != language:
                continue
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

    def _match_passage(self, question: str, language: str) -> LocalMatch | None:
        passages = self._passages.get(language)
        tokens = search_tokens(question)
        if not tokens or not passages:
            return None
        scores = self._index[language].get_scores(tokens)  # type: ignore[attr-defined]
        best = int(scores.argmax())
        score = float(scores[best])
        if score < self.min_score:
            return None
        passage = passages[best]
        return LocalMatch(self._best_sentences(passage.text, set(tokens)), "passage", score, passage=passage)

    @staticmethod
    def _best_sentences(text: str, wanted: set[str]) -> str:
        sentences = split_sentences(text)
        if len(sentences) <= 1:
            return text
        hits = [len(wanted & set(search_tokens(s))) for s in sentences]
        i = max(range(len(sentences)), key=lambda k: (hits[k], -k))
        chosen = [sentences[i]]
        chinese = chinese_text.has_han(text)
        short = 40 if chinese else 90  # a Chinese character carries about a syllable
        refers_back = chinese_text.refers_back if chinese else _REFERS_BACK.search
        if i > 0 and refers_back(sentences[i]):
            # "More than half of the firms on that list ..." needs the sentence that names the list.
            chosen.insert(0, sentences[i - 1])
        elif i + 1 < len(sentences) and (len(sentences[i]) < short or hits[i + 1] > 0):
            # A second sentence when the first is short or the next one also answers the question.
            chosen.append(sentences[i + 1])
        return ("" if chinese else " ").join(chosen)
