"""A small word n-gram language model with interpolated Witten-Bell smoothing, written as ARPA text.

Witten-Bell gives a history h the weight T(h) / (c(h) + T(h)) for "a word not seen after h", where
c(h) is how often h was followed by anything and T(h) how many different words followed it:

    p(w | h) = (c(h, w) + T(h) * p(w | h')) / (c(h) + T(h))        h' = h without its first word
    p(w)     = (c(w) + T / V) / (N + T)                              V words, N tokens, T types

and, given a background distribution b (everyday words), the unigrams are the mixture
(1 - beta) * p(w) + beta * b(w) over the union of both vocabularies.

Stored in ARPA form: every seen n-gram with its interpolated probability, and per history the backoff
weight bow(h) = T(h) / (c(h) + T(h)), so that for an unseen w, p(w | h) = bow(h) * p(w | h'), which is
exactly the interpolated value: the distribution sums to one for every history. `ArpaModel` reads
the text back and evaluates it the way a decoder does (used by the tests and the benchmark).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

BOS, EOS = "<s>", "</s>"
NO_PROB = -99.0  # ARPA's log10 probability for <s>, which is only ever a history


@dataclass(frozen=True)
class NGramLM:
    """Log10 probabilities of seen n-grams and log10 backoff weights of histories, by order."""

    order: int
    probs: tuple[dict[tuple[str, ...], float], ...]     # probs[n - 1][ngram]
    backoffs: tuple[dict[tuple[str, ...], float], ...]  # backoffs[n - 1][history of n words]

    @property
    def vocabulary(self) -> list[str]:
        return sorted(w for (w,) in self.probs[0])

    def to_arpa(self) -> str:
        lines = ["", "\\data\\"]
        lines += [f"ngram {n + 1}={len(self.probs[n])}" for n in range(self.order)]
        for n in range(self.order):
            lines += ["", f"\\{n + 1}-grams:"]
            for gram in sorted(self.probs[n]):
                entry = f"{self.probs[n][gram]:.6f}\t{' '.join(gram)}"
                if n + 1 < self.order and gram in self.backoffs[n]:
                    entry += f"\t{self.backoffs[n][gram]:.6f}"
                lines.append(entry)
        lines += ["", "\\end\\", ""]
        return "\n".join(lines)


def build(sentences: Iterable[tuple[Sequence[str], float]], order: int = 3,
          extra_words: Iterable[str] = (), background: Mapping[str, float] | None = None,
          background_weight: float = 0.0) -> NGramLM:
    """An interpolated Witten-Bell model of `order` from (words, weight) sentences; `extra_words` join
    the vocabulary with no count (they get the unigram floor only); `background` (word -> probability,
    summing to one) is mixed into the unigrams with `background_weight`."""
    if order < 1:
        raise ValueError("order must be at least 1")
    counts: list[dict[tuple[str, ...], float]] = [defaultdict(float) for _ in range(order)]
    for words, weight in sentences:
        if weight <= 0 or not words:
            continue
        seq = [BOS] + [w for w in words] + [EOS]
        for n in range(1, order + 1):
            for i in range(len(seq) - n + 1):
                gram = tuple(seq[i:i + n])
                if gram == (BOS,) or (BOS in gram[1:]):
                    continue
                counts[n - 1][gram] += weight
    vocab = {w for (w,) in counts[0]} | {w for w in extra_words if w not in (BOS, EOS)} | {EOS}
    background = {w: p for w, p in (background or {}).items() if p > 0 and w not in (BOS, EOS)}
    beta = background_weight if background else 0.0
    if not 0.0 <= beta < 1.0:
        raise ValueError("background_weight must be in [0, 1)")
    probs: list[dict[tuple[str, ...], float]] = [dict() for _ in range(order)]
    backoffs: list[dict[tuple[str, ...], float]] = [dict() for _ in range(order)]

    # Unigrams: interpolated with the uniform distribution over the vocabulary.
    total = sum(counts[0].values())
    types = len(counts[0])
    uni: dict[str, float] = {}
    for w in vocab:
        c = counts[0].get((w,), 0.0)
        uni[w] = (c + types / len(vocab)) / (total + types) if total else 1.0 / len(vocab)
    if beta:
        norm = sum(background.values())
        for w in vocab | set(background):
            uni[w] = (1.0 - beta) * uni.get(w, 0.0) + beta * background.get(w, 0.0) / norm
    probs[0] = {(w,): math.log10(p) for w, p in uni.items()}
    probs[0][(BOS,)] = NO_PROB

    def lower(gram: tuple[str, ...]) -> float:
        """p(w | h') of the model one order down (seen entry, else backoff), as a plain probability."""
        if len(gram) == 1:
            return uni[gram[0]]
        n = len(gram)
        if gram in probs[n - 1]:
            return 10 ** probs[n - 1][gram]
        return 10 ** backoffs[n - 2].get(gram[:-1], 0.0) * lower(gram[1:])

    for n in range(2, order + 1):
        by_history: dict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
        for gram, c in counts[n - 1].items():
            by_history[gram[:-1]].append((gram[-1], c))
        for history, followers in by_history.items():
            c_h = sum(c for _, c in followers)
            t_h = len(followers)
            for w, c in followers:
                p = (c + t_h * lower(history[1:] + (w,))) / (c_h + t_h)
                probs[n - 1][history + (w,)] = math.log10(p)
            backoffs[n - 2][history] = math.log10(t_h / (c_h + t_h))
    return NGramLM(order, tuple(probs), tuple(backoffs))


class ArpaModel:
    """An ARPA file read back, evaluated with the standard backoff rule."""

    def __init__(self, text: str) -> None:
        self.probs: dict[tuple[str, ...], float] = {}
        self.backoffs: dict[tuple[str, ...], float] = {}
        self.order = 0
        section = 0
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("ngram ") or line in ("\\data\\", "\\end\\"):
                continue
            if line.startswith("\\") and line.endswith("-grams:"):
                section = int(line[1:line.index("-")])
                self.order = max(self.order, section)
                continue
            parts = line.split()
            gram = tuple(parts[1:1 + section])
            self.probs[gram] = float(parts[0])
            if len(parts) > 1 + section:
                self.backoffs[gram] = float(parts[1 + section])

    @property
    def vocabulary(self) -> list[str]:
        return sorted(g[0] for g in self.probs if len(g) == 1)

    def log10_prob(self, word: str, history: Sequence[str] = ()) -> float:
        """log10 p(word | the last order-1 words of history)."""
        context = tuple(history)[-(self.order - 1):] if self.order > 1 else ()
        bow = 0.0
        while True:
            gram = context + (word,)
            if gram in self.probs:
                return bow + self.probs[gram]
            if not context:
                return NO_PROB
            bow += self.backoffs.get(context, 0.0)
            context = context[1:]

    def sentence_log10_prob(self, words: Sequence[str]) -> float:
        seq = [BOS, *words, EOS]
        return sum(self.log10_prob(seq[i], seq[:i]) for i in range(1, len(seq)))
