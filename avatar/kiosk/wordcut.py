"""Where an answer's first words may be cut off and spoken before any punctuation has arrived.

A model that streams "The fourth Global Digital Economy Conference opens in Beijing next July with ..."
gives its first clause mark only after a dozen words; waiting for it costs half a second. So the first
chunk may end at a plain word boundary, but only where a speaker could pause without sounding wrong.
The rule, between the last word kept (A, complete: B has begun) and the next word (B):

1. At least `min_words` words are kept (a one- or two-word chunk sounds like a stammer).
2. Never inside a number: neither A nor B holds a digit, a number word ("twenty", "million") or a
   unit that belongs to a number ("percent", "yuan").
3. Never inside a name: A and B are not both capitalised ("Global | Digital Economy" stays whole).
4. Never after a word that leans on the next one, which would be read with a falling, final tone
   where the sentence obviously goes on: articles and determiners ("the", "our"), prepositions,
   conjunctions, auxiliaries and modals ("is", "will"), "to", "not", intensifiers ("very", "most"),
   possessives ("Beijing's") and words carrying punctuation or Markdown ("Mr.", "3.5", "`code`").
5. Never before "of" or "'s", which bind to the word before them ("the capital | of China").
6. Preferred: B starts a new phrase (a preposition, conjunction, relative word, auxiliary, article or
   determiner), where a speaker naturally breathes ("The conference opens | in Beijing", "Our city
   has built | a strong base"); the first such boundary is taken. Only once `fallback_words` words
   have come without one may any boundary allowed by rules 1-5 be taken (the latest), which is
   usually a subject before its verb ("The Global Digital Economy Conference | opens ...").

B may still be growing (the stream's last word): rules 2 and 5 then hold for whatever B may yet
become (" fo" waits: it could be "forty"), so a cut is never wrong by them; rule 6 takes B as it is,
which only costs a slightly less natural pause when " in" turns out to be " industry". Judging the
last word at once saves waiting a whole word for the space after it.

Text without spaces (Chinese, Japanese) is never cut here; its clause marks come early enough.
"""

from __future__ import annotations

import re

ARTICLES = frozenset("a an the this that these those my your our their its his her each every some any "
                     "no such another either neither both all".split())
PREPOSITIONS = frozenset("of in on at to for from with by about into onto over under between through during "
                         "after before since until per than as like across along among around against "
                         "within without towards toward upon via near beyond behind below above".split())
CONJUNCTIONS = frozenset("and or but nor so yet if because while although though whether that which who "
                         "whom whose where when whereas unless once".split())
AUXILIARIES = frozenset("is are was were be been being am will would can could shall should may might must "
                        "do does did has have had isn't aren't wasn't weren't won't can't don't doesn't "
                        "didn't hasn't haven't".split())
LEANING = ARTICLES | PREPOSITIONS | CONJUNCTIONS | AUXILIARIES | frozenset(
    "not very more most less least quite rather too also just even only i we you they he she it "
    "mr mrs ms dr prof st".split())
PHRASE_STARTS = (PREPOSITIONS - {"of"}) | CONJUNCTIONS | AUXILIARIES | ARTICLES
NUMBER_WORDS = frozenset("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                         "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty "
                         "sixty seventy eighty ninety hundred thousand million billion trillion dozen "
                         "percent per cent yuan dollars euros first second third fourth fifth".split())
BINDS_BACK = frozenset({"of", "'s", "’s"})
_WORD = re.compile(r"\S+")
_PLAIN = re.compile(r"^[\"'“‘(]?[A-Za-z][A-Za-z'’-]*$")


def _bare(word: str) -> str:
    return word.strip("\"'“”‘’()").lower()


def _numeric(word: str) -> bool:
    bare = _bare(word)
    return any(ch.isdigit() for ch in word) or bare in NUMBER_WORDS or bare.split("-")[0] in NUMBER_WORDS


def _capitalised(word: str) -> bool:
    bare = word.strip("\"'“”‘’(")
    return bool(bare) and bare[0].isupper()


def _leans(word: str) -> bool:
    """A word that cannot end a spoken piece (rule 4)."""
    if not _PLAIN.match(word) or word.endswith(("'", "’", "-")):
        return True  # punctuation inside or after it (abbreviations, decimals, Markdown), or a hyphen
    bare = _bare(word)
    return bare in LEANING or bare.endswith(("'s", "’s"))


def _may_become(partial: str, words: frozenset[str]) -> bool:
    bare = _bare(partial)
    return not bare or any(w.startswith(bare) for w in words)


def boundary_ok(a: str, b: str, *, b_growing: bool = False) -> bool:
    """Rules 2-5: may a piece end after word `a` when `b` comes next (`b_growing`: b may go on)?"""
    if _leans(a) or _numeric(a) or _numeric(b):
        return False
    if _capitalised(a) and _capitalised(b):
        return False
    if b_growing and (_may_become(b, NUMBER_WORDS | BINDS_BACK) or not b[-1:].isalpha()):
        return False
    return _bare(b) not in BINDS_BACK and not _bare(b).startswith(("'s", "’s"))


def phrase_start(b: str) -> bool:
    """Rule 6: `b` opens a new phrase, a natural place to breathe."""
    return _bare(b) in PHRASE_STARTS


def find_word_cut(text: str, *, min_words: int = 3, fallback_words: int = 5, latest: bool = False) -> int | None:
    """Index just after the word to end the piece on, or None if `text` has no natural cut yet.

    A word followed by white space is complete; the stream's last word may still grow and is judged
    for what it may become. Text holding Markdown or code marks is left to the sentence rules.
    `latest` takes the last phrase boundary instead, else the last one rules 1-5 allow (as many of the
    words there as can be said now).
    """
    if any(mark in text for mark in "`[]*#|<>\n"):
        return None
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    growing = bool(words) and words[-1][1] == len(text)
    best: int | None = None
    best_phrase: int | None = None
    for k in range(min_words - 1, len(words) - 1):
        kept = k + 1
        (_, end_a, a), (_, _, b) = words[k], words[k + 1]
        if not boundary_ok(a, b, b_growing=growing and k + 1 == len(words) - 1):
            continue
        if latest:
            best = end_a
            if phrase_start(b):
                best_phrase = end_a
        elif phrase_start(b):
            return end_a
        elif kept >= fallback_words:
            best = end_a
    return best_phrase if best_phrase is not None else best
