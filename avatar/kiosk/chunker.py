"""Cut a stream of answer text into speakable chunks: whole sentences, with an early first clause."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from avatar.kiosk.wordcut import find_word_cut

_SENTENCE_END = ".!?…"
_CJK_SENTENCE_END = "。！？"
_CLAUSE = ",;:—–"
_CJK_CLAUSE = "，；：、"
_CLOSERS = "\"'”’)]»"
# Words after which a full stop does not end the sentence.
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "e.g", "i.e", "cf", "approx", "dept",
    "no", "nos", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "u.s", "u.k", "u.n", "a.m", "p.m", "inc", "ltd", "co", "corp", "gov", "est",
})


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


class SpeechChunker:
    """Feed text deltas, get back chunks to speak as soon as they are safe to cut.

    A chunk ends at a sentence end followed by white space (so "3.5" and "e.g. this" stay whole), at a
    line break, or, for the very first chunk only, at a clause mark (comma, semicolon, colon, dash)
    once it holds `first_clause_min_words` words, so the avatar starts talking before the answer is
    complete. If no clause mark has come after `first_cut_words` words, the first chunk may also end
    at a natural word boundary (see `avatar.kiosk.wordcut` for the rule; 0 turns this off); a caller
    that knows the time sets `cut_words_early` False and turns it on only once the stream has been
    slow to punctuate (a fast stream then still gets whole clauses). Over-long
    runs without punctuation are cut at `max_chars` on a space. Text inside an unclosed ``` code
    fence is never cut (the cleaner drops the whole block).
    """

    def __init__(self, *, first_clause_min_words: int = 3, max_chars: int = 240, first_cut_words: int = 3,
                 first_fallback_words: int = 5, cut_words_early: bool = True) -> None:
        self.first_clause_min_words = first_clause_min_words
        self.max_chars = max_chars
        self.first_cut_words = first_cut_words
        self.first_fallback_words = first_fallback_words
        self.cut_words_early = cut_words_early
        self._buf = ""
        self._scan = 0  # buffer index up to which cut points were already ruled out
        self.chunks_out = 0

    @property
    def pending(self) -> str:
        return self._buf

    def feed(self, delta: str) -> list[str]:
        self._buf += delta
        out: list[str] = []
        while True:
            cut = self._find_cut()
            if cut is None:
                break
            piece, self._buf = self._buf[:cut], self._buf[cut:]
            self._scan = 0
            if piece.strip():
                out.append(piece.strip())
                self.chunks_out += 1
        return out

    def flush(self) -> list[str]:
        """End of stream: whatever is left is the last chunk."""
        rest, self._buf, self._scan = self._buf.strip(), "", 0
        if rest:
            self.chunks_out += 1
            return [rest]
        return []

    def take_words(self, min_words: int = 2) -> str | None:
        """The pending words up to the latest natural word boundary, as a chunk (for an answer whose
        stream has slowed down: the visitor hears the words already there); None if none is safe."""
        if "```" in self._buf:
            return None
        cut = find_word_cut(self._buf, min_words=min_words, latest=True)
        if cut is None:
            return None
        piece, self._buf, self._scan = self._buf[:cut].strip(), self._buf[cut:], 0
        self.chunks_out += 1
        return piece

    def discard(self) -> str:
        """Drop the unfinished tail (e.g. a sentence cut off by a failed stream) and return it."""
        rest, self._buf, self._scan = self._buf, "", 0
        return rest

    # --- finding a cut ------------------------------------------------------------------------

    def _find_cut(self) -> int | None:
        buf = self._buf
        fence_open = False
        brackets = 0  # inside a Markdown link's [text] or (url): cutting there would split the link
        n = len(buf)
        first = self.chunks_out == 0
        last_space = -1
        last_clause = -1
        i = 0
        while i < n:
            if buf.startswith("```", i):
                fence_open = not fence_open
                i += 3
                continue
            ch = buf[i]
            if fence_open:
                i += 1
                continue
            if ch == "[" or (ch == "(" and buf[i - 1:i] == "]"):
                brackets += 1
            elif ch in "])" and brackets > 0:
                brackets -= 1
            if ch.isspace() and not brackets:
                last_space = i
            if i >= self._scan and not brackets:
                end = self._cut_after(i)
                if end is not None:
                    return end
                if ch in _CLAUSE or ch in _CJK_CLAUSE or (ch == "-" and buf[i - 1:i] == " "):
                    after = self._clause_end(i)
                    if after is not None:
                        last_clause = after
                        if first and self._long_enough(buf[:i]):
                            return after
            i += 1
        if fence_open:
            return None
        if first and self.cut_words_early and self.first_cut_words > 0 and not brackets:
            cut = find_word_cut(buf, min_words=self.first_cut_words, fallback_words=self.first_fallback_words)
            if cut is not None:
                return cut
        if n > self.max_chars:
            if last_clause > 0:
                return last_clause
            if last_space > 0:
                return last_space
        # Nothing found: only a mark near the end (still waiting for the space or closing quote
        # after it) may become a cut once more text arrives.
        self._scan = max(0, n - 6)
        return None

    def _clause_end(self, i: int) -> int | None:
        """Where a clause mark at `i` lets us cut. A comma or semicolon right after a letter is safe
        at once (it cannot be "1,000"), which saves waiting a token for the space after it."""
        ch = self._buf[i]
        if ch in _CJK_CLAUSE:
            return i + 1
        if ch in ",;" and i == len(self._buf) - 1 and i > 0 and self._buf[i - 1].isalpha():
            return i + 1
        return self._boundary_after(i)

    def _boundary_after(self, i: int) -> int | None:
        """Index just past punctuation at `i` and any closing quotes, if white space follows."""
        buf = self._buf
        j = i + 1
        while j < len(buf) and buf[j] in _CLOSERS:
            j += 1
        if j < len(buf) and buf[j].isspace():
            return j
        return None

    def _cut_after(self, i: int) -> int | None:
        buf = self._buf
        ch = buf[i]
        if ch == "\n":
            return i + 1 if buf[:i].strip() else None
        if ch in _CJK_SENTENCE_END:
            j = i + 1
            while j < len(buf) and buf[j] in _CLOSERS:
                j += 1
            return j
        if ch not in _SENTENCE_END:
            return None
        after = self._boundary_after(i)
        if after is None:
            return None
        if ch == "." and self._is_abbreviation(i):
            return None
        return after

    def _is_abbreviation(self, dot: int) -> bool:
        start = dot
        while start > 0 and not self._buf[start - 1].isspace() and self._buf[start - 1] not in "(\"'“":
            start -= 1
        word = self._buf[start:dot].lower()
        if word in ABBREVIATIONS:
            return True
        # Single letters ("J. Smith") and dotted initialisms ("U.S.") are not sentence ends.
        return len(word) == 1 and word.isalpha()

    def _long_enough(self, text: str) -> bool:
        stripped = text.strip()
        if sum(1 for ch in stripped if _is_cjk(ch)) >= 4:
            return True
        return len(re.findall(r"\w+", stripped)) >= self.first_clause_min_words


def chunk_text_stream(deltas: Iterable[str], **options: int) -> Iterator[str]:
    """All chunks of a finished or streaming sequence of deltas, in order."""
    chunker = SpeechChunker(**options)
    for delta in deltas:
        yield from chunker.feed(delta)
    yield from chunker.flush()
