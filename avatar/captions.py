"""Subtitle files from timed sentences: cues of at most two short lines, written as SRT or WebVTT."""

from __future__ import annotations

import bisect
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from avatar.errors import OutputPathError
from avatar.textseg import CLAUSE_END, SENTENCE_END, cells, cjk_share, tokens
from avatar.tts.base import WordTiming

LINE_CHARS = 42   # the usual broadcast and streaming limit per caption line
CJK_LINE_CHARS = 18  # Chinese subtitles hold about 16-20 characters a line
MAX_LINES = 2
MAX_CUE_S = 6.0   # a longer cue is cut again, even if its text would fit


@dataclass(frozen=True)
class Cue:
    """One caption on screen from `start_s` to `end_s`; `text` holds its lines joined by "\\n".

    `word_starts_s` has one entry per word of `text` (None where unknown), or is empty when no word
    timings were given; `word_spans` are those words' (start, end) character spans in `text` (words
    are whitespace-separated, and cut by avatar.textseg in Chinese).
    """

    start_s: float
    end_s: float
    text: str
    word_starts_s: tuple[float | None, ...] = ()
    word_spans: tuple[tuple[int, int], ...] = ()


def _norm(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.lower())


def _sentence_fields(item: Any) -> tuple[float, float, str, tuple[WordTiming, ...]]:
    """A (start_s, end_s, text) tuple, or anything with those attributes and optionally `words`."""
    if isinstance(item, tuple):
        start_s, end_s, text = item[:3]
        return float(start_s), float(end_s), str(text), ()
    return float(item.start_s), float(item.end_s), str(item.text), tuple(getattr(item, "words", ()) or ())


def _align(tokens: list[str], words: Sequence[WordTiming]) -> list[WordTiming | None]:
    """Match each token to the next word timing with the same letters; unmatched tokens get None."""
    out: list[WordTiming | None] = [None] * len(tokens)
    j = 0
    for i, tok in enumerate(tokens):
        key = _norm(tok)
        if not key:
            continue
        for k in range(j, min(j + 4, len(words))):  # a short look-ahead skips words the text lacks
            wk = _norm(words[k].text)
            if wk and (wk == key or key.startswith(wk) or wk.startswith(key)):
                out[i] = words[k]
                j = k + 1
                break
    return out


class Tokens:
    """A sentence's unbreakable tokens (avatar.textseg) with display widths: a Chinese character
    counts two cells, a Latin letter or a space one, so one width limit suits both scripts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = tokens(text)
        self.cum = [0]
        for ch in text:
            self.cum.append(self.cum[-1] + cells(ch))

    def __len__(self) -> int:
        return len(self.spans)

    def word(self, i: int) -> str:
        a, b = self.spans[i]
        return self.text[a:b]

    def offset(self, i: int) -> int:
        """Cells before token i (the whole sentence plus one for i == len)."""
        if i >= len(self.spans):
            return self.cum[self.spans[-1][1]] + 1
        return self.cum[self.spans[i][0]]

    def line(self, i: int, j: int) -> tuple[str, list[tuple[int, int]]]:
        """Tokens i..j-1 as one line (one space where the text had any) and their spans in it."""
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        for k in range(i, j):
            if k > i and self.spans[k - 1][1] < self.spans[k][0]:
                parts.append(" ")
                pos += 1
            word = self.word(k)
            parts.append(word)
            spans.append((pos, pos + len(word)))
            pos += len(word)
        return "".join(parts), spans

    def width(self, i: int, j: int) -> int:
        return self.cum[self.spans[j - 1][1]] - self.cum[self.spans[i][0]] if j > i else 0

    def ends_with(self, i: int, marks: set[str]) -> bool:
        """Whether token i-1 ends with one of `marks` (a good place to cut before token i)."""
        word = self.word(i - 1).rstrip("\"'”’」』）)")
        return bool(word) and word[-1] in marks


def _lines(toks: Tokens, a: int, b: int, width: int) -> list[tuple[int, int]]:
    """Greedy wrap of tokens a..b-1 into lines of at most `width` cells (a longer token gets its own)."""
    lines: list[tuple[int, int]] = []
    start = a
    for i in range(a + 1, b):
        if toks.width(start, i + 1) > width:
            lines.append((start, i))
            start = i
    if start < b:
        lines.append((start, b))
    return lines


def _layout(toks: Tokens, a: int, b: int, width: int) -> tuple[str, tuple[tuple[int, int], ...]]:
    """One or two lines (two balanced ones when the text does not fit on one), and each token's span
    in that text."""
    cut = b
    cjk = cjk_share(toks.text) > 0.3
    if toks.width(a, b) > width and b - a >= 2:
        best_cost = math.inf
        for i in range(a + 1, b):
            w1, w2 = toks.width(a, i), toks.width(i, b)
            cost = max(w1, w2) + (0 if w1 <= w2 else 0.5)  # ties: the shorter line on top
            if toks.ends_with(i, SENTENCE_END | CLAUSE_END):
                cost -= width / 8  # a line that ends at a comma or full stop reads better
                if cjk:  # all the more in Chinese, where any other cut splits a phrase
                    cost -= width / 4 if toks.ends_with(i, SENTENCE_END) else width / 6
            if max(w1, w2) > width:
                cost += 1000
            if cost < best_cost:
                cut, best_cost = i, cost
    parts = [(a, cut), (cut, b)] if cut < b else [(a, b)]
    lines, spans = [], []
    pos = 0
    for i, j in parts:
        line, line_spans = toks.line(i, j)
        lines.append(line)
        spans += [(pos + s0, pos + s1) for s0, s1 in line_spans]
        pos += len(line) + 1
    return "\n".join(lines), tuple(spans)


def _chunks(toks: Tokens, width: int, max_lines: int,
            too_long: Callable[[int, int], bool] = lambda a, b: False) -> list[tuple[int, int]]:
    """Token ranges [a, b) of about equal length, each fitting in `max_lines` lines of `width` cells
    and none `too_long` (in time) unless it is a single token."""
    n = len(toks)
    n_cues = max(1, math.ceil(len(_lines(toks, 0, n, width)) / max_lines))
    total = toks.offset(n)
    while True:
        cuts = [0]
        for k in range(1, n_cues):
            target = total * k / n_cues

            def cost(i: int) -> float:  # near the even share, better still after a full stop or comma
                bonus = width / 3 if toks.ends_with(i, SENTENCE_END) else \
                    width / 4 if toks.ends_with(i, CLAUSE_END) else 0
                return abs(toks.offset(i) - target) - bonus

            best = min(range(cuts[-1] + 1, n - (n_cues - 1 - k)), default=None, key=cost)
            if best is None:
                break
            cuts.append(best)
        cuts.append(n)
        ranges = list(zip(cuts[:-1], cuts[1:]))
        if n_cues >= n or all(len(_lines(toks, a, b, width)) <= max_lines and (b - a < 2 or not too_long(a, b))
                              for a, b in ranges):
            return ranges
        n_cues += 1


def _chunks_by_phrase(toks: Tokens, width: int, max_lines: int,
                      too_long: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """Token ranges for text without spaces (Chinese): the fewest cues that fit, cut after a full
    stop or comma wherever one allows it, found by dynamic programming over the cut points."""
    n = len(toks)
    inf = math.inf
    best: list[float] = [0.0] + [inf] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        if j == n:
            cut_cost = 0.0
        elif toks.ends_with(j, SENTENCE_END):
            cut_cost = 0.0
        elif toks.ends_with(j, CLAUSE_END):
            cut_cost = 1.0
        else:
            cut_cost = 4.0  # a cut inside a phrase
        for i in range(j - 1, -1, -1):
            if toks.width(i, j) > width * max_lines + width // 2:
                break
            single = j - i == 1
            if not single and (len(_lines(toks, i, j, width)) > max_lines or too_long(i, j)):
                continue
            short = 2.0 if toks.width(i, j) < 8 and j < n else 0.0
            cost = best[i] + 3.0 + cut_cost + short
            if cost < best[j]:
                best[j], back[j] = cost, i
    ranges = []
    j = n
    while j > 0:
        ranges.append((back[j], j))
        j = back[j]
    return ranges[::-1]


def _interp(x: float, xs: list[float], ys: list[float]) -> float:
    i = bisect.bisect_right(xs, x)
    if i == 0:
        return ys[0]
    if i >= len(xs):
        return ys[-1]
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def layout_text(text: str, line_chars: int = LINE_CHARS, cjk_line_chars: int = CJK_LINE_CHARS) -> str:
    """`text` as one line, or two balanced ones when it is wider than a subtitle line."""
    toks = Tokens(text)
    return _layout(toks, 0, len(toks), line_width(text, line_chars, cjk_line_chars))[0] if len(toks) else ""


def line_width(text: str, line_chars: int = LINE_CHARS, cjk_line_chars: int = CJK_LINE_CHARS) -> int:
    """The line limit in cells for `text`: `cjk_line_chars` Chinese characters for mostly-CJK text."""
    return 2 * cjk_line_chars if cjk_share(text) > 0.3 else line_chars


def subtitle_cues(sentences: Iterable[Any], words: Sequence[WordTiming] = (), *, line_chars: int = LINE_CHARS,
               max_lines: int = MAX_LINES, cjk_line_chars: int = CJK_LINE_CHARS,
               max_cue_s: float = MAX_CUE_S) -> tuple[Cue, ...]:
    """Caption cues from timed sentences, long ones split between words.

    `sentences` are (start_s, end_s, text) tuples or objects with those attributes (and `words`).
    `words` are absolute word timings for the whole speech; a sentence takes those inside its time.
    A split sentence's time is shared out by its word timings where known, else by its width.
    Chinese is cut between words (preferably after 。！？，；：、), lines hold `cjk_line_chars`
    characters, and a sentence is cut into more cues until none lasts over `max_cue_s`.
    """
    return tuple(c for _, c in build_cue_groups(sentences, words, line_chars=line_chars, max_lines=max_lines,
                                                cjk_line_chars=cjk_line_chars, max_cue_s=max_cue_s))


def build_cue_groups(sentences: Iterable[Any], words: Sequence[WordTiming] = (), *,
                     line_chars: int = LINE_CHARS, max_lines: int = MAX_LINES,
                     cjk_line_chars: int = CJK_LINE_CHARS, max_cue_s: float = MAX_CUE_S
                     ) -> list[tuple[int, Cue]]:
    """Like `subtitle_cues`, each cue paired with the index of the sentence it came from (in cue order)."""
    all_words = sorted(words, key=lambda w: w.start_s)
    starts = [w.start_s for w in all_words]
    cues: list[tuple[int, Cue]] = []
    for index, item in enumerate(sentences):
        start_s, end_s, text, own_words = _sentence_fields(item)
        toks = Tokens(text)
        if not len(toks):
            continue
        start_s = max(0.0, start_s)
        end_s = max(start_s, end_s)
        if not own_words and all_words:
            lo = bisect.bisect_left(starts, start_s - 1e-6)
            hi = bisect.bisect_right(starts, end_s + 1e-6)
            own_words = tuple(w for w in all_words[lo:hi] if w.start_s < end_s or w.start_s == start_s)
        timed = _align([toks.word(i) for i in range(len(toks))], own_words) if own_words else [None] * len(toks)

        # Anchors from display offset to time: the sentence ends plus every timed word.
        xs, ys = [0.0], [start_s]
        for i, w in enumerate(timed):
            if w is not None:
                xs += [float(toks.offset(i)), toks.offset(i) + toks.width(i, i + 1) - 0.0]
                ys += [min(max(w.start_s, start_s), end_s), min(max(w.end_s, start_s), end_s)]
        xs.append(float(toks.offset(len(toks))))
        ys.append(end_s)
        pairs = sorted(zip(xs, ys))
        xs = [p[0] for p in pairs]
        ys = []
        for _, y in pairs:  # times never run backwards even if the engine's do
            ys.append(max(y, ys[-1]) if ys else y)

        def at(i: int) -> float:
            return start_s if i == 0 else end_s if i >= len(toks) else _interp(float(toks.offset(i)), xs, ys)

        width = line_width(text, line_chars, cjk_line_chars)
        too_long = lambda a, b: at(b) - at(a) > max_cue_s  # noqa: E731
        ranges = _chunks_by_phrase(toks, width, max_lines, too_long) if cjk_share(text) > 0.3 \
            else _chunks(toks, width, max_lines, too_long)
        bounds = [at(a) for a, _ in ranges] + [end_s]
        for k, ((a, b), t0) in enumerate(zip(ranges, bounds)):
            t1 = max(t0, bounds[k + 1])
            word_starts = tuple(w.start_s if w is not None else None for w in timed[a:b]) if own_words else ()
            body, spans = _layout(toks, a, b, width)
            cues.append((index, Cue(t0, t1, body, word_starts, spans)))
    cues.sort(key=lambda c: c[1].start_s)
    return cues


def _ms(t_s: float) -> int:
    return max(0, int(round(t_s * 1000)))


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _span(cue: Cue) -> tuple[int, int]:
    a = _ms(cue.start_s)
    return a, max(a + 1, _ms(cue.end_s))  # a cue that vanishes at once is dropped by some players


def to_srt(cues: Iterable[Cue]) -> str:
    """SubRip text: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, blank line between cues."""
    blocks = []
    for n, cue in enumerate(cues, 1):
        a, b = _span(cue)
        blocks.append(f"{n}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{cue.text}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Iterable[Cue], *, words: bool = True) -> str:
    """WebVTT text; with `words`, karaoke timestamp tags (`<00:00:01.200>`) before each timed word."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        a, b = _span(cue)
        body = _vtt_escape(cue.text)
        if words and cue.word_starts_s:
            body = _tag_words(cue, a, b)
        blocks.append(f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{body}\n")
    return "\n".join(blocks)


def _tag_words(cue: Cue, a_ms: int, b_ms: int) -> str:
    """Cue text with a timestamp tag before every word whose start lies strictly inside the cue."""
    spans = cue.word_spans or tuple(m.span() for m in re.finditer(r"[^\s]+", cue.text))
    out: list[str] = []
    pos, last = 0, a_ms
    for i, (s0, s1) in enumerate(spans):
        t = cue.word_starts_s[i] if i < len(cue.word_starts_s) else None
        out.append(_vtt_escape(cue.text[pos:s0]))
        # WebVTT wants tags strictly after the cue start, before its end and increasing.
        if t is not None and last < _ms(t) < b_ms:
            last = _ms(t)
            out.append(f"<{_stamp(last, '.')}>")
        out.append(_vtt_escape(cue.text[s0:s1]))
        pos = s1
    out.append(_vtt_escape(cue.text[pos:]))
    return "".join(out)


def caption_text(cues: Iterable[Cue], path: str | os.PathLike[str]) -> str:
    """SRT or WebVTT text, chosen by the file name's ending (.srt or .vtt)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".srt":
        return to_srt(cues)
    if suffix == ".vtt":
        return to_vtt(cues)
    raise OutputPathError(f"{Path(path).name}: captions are written as .srt or .vtt; "
                          f"end the name with one of them")
