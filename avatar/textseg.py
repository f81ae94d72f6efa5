"""Where text may be cut: unbreakable tokens in any script (Chinese words by jieba), and display widths.

Latin text breaks at spaces, as before. Chinese has no spaces: a run of ideographs is cut into
words by `jieba` (a dependency) or, should it be missing, into single characters. A Latin word or a
number inside Chinese text ("AI", "3.5%", "2024") stays one token, closing punctuation (，。！？) sticks
to the token before it and opening brackets to the token after it, so no line starts with "，".
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from typing import Callable

# Closing marks never start a line; opening marks never end one.
CLOSING = set("，。！？；：、）》」』】〕〉”’,.;:!?)]}…%‰·～")
OPENING = set("（《「『【〔〈“‘([{")
# Where a cue or line is best cut, strongest first.
SENTENCE_END = set("。！？!?….")
CLAUSE_END = set("，；：、,;:")


def is_cjk(ch: str) -> bool:
    """A character of Chinese, Japanese or Korean writing (ideographs, kana, hangul, CJK punctuation)."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF
            or 0xFE30 <= o <= 0xFE4F or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF)


def has_cjk(text: str) -> bool:
    return any(is_cjk(ch) for ch in text)


def cjk_share(text: str) -> float:
    """The share of CJK characters among the visible ones (0 for Latin text)."""
    visible = [ch for ch in text if not ch.isspace()]
    return sum(1 for ch in visible if is_cjk(ch)) / len(visible) if visible else 0.0


def cells(text: str) -> int:
    """Display width in half-width cells: a Chinese character counts 2, a Latin letter 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _ideograph(ch: str) -> bool:
    return is_cjk(ch) and ch not in CLOSING and ch not in OPENING and unicodedata.category(ch)[0] in "LN"


_jieba_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _jieba():
    """jieba, initialised once and quietly, or None if it is not installed."""
    try:
        import jieba  # type: ignore[import-not-found]
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)
    try:  # its dictionary cache goes with avatar's own cache, not loose in the temp folder
        from avatar.tts.cache import default_cache_dir

        folder = default_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        jieba.dt.tmp_dir = str(folder)
    except OSError:
        pass  # an unwritable cache folder only costs jieba a slower start
    with _jieba_lock:
        jieba.initialize()
    return jieba


def warm_up(text: str = "中文") -> None:
    """Load the word segmenter now if `text` is Chinese (about a second, holding the interpreter):
    call it before a live show or kiosk starts drawing, so no frame waits for it later."""
    if has_cjk(text):
        _jieba()


def has_segmenter() -> bool:
    """Whether Chinese is cut into words (jieba installed) rather than single characters."""
    return _jieba() is not None


@functools.lru_cache(maxsize=4096)
def _han_words(run: str) -> tuple[int, ...]:
    """Word lengths for a run of ideographs."""
    jb = _jieba()
    if jb is None:
        return (1,) * len(run)
    return tuple(len(w) for w in jb.cut(run, HMM=True) if w)




def tokens(text: str) -> list[tuple[int, int]]:
    """Unbreakable (start, end) spans covering every visible character of `text`, in order.

    For text without CJK characters these are exactly the whitespace-separated words.
    """
    if not has_cjk(text):
        return [m.span() for m in re.finditer(r"\S+", text)]
    # 1. basic units: ideograph words, runs of other visible characters, single CJK punctuation marks
    units: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        j = i + 1
        if _ideograph(ch):
            while j < n and _ideograph(text[j]):
                j += 1
            pos = i
            for length in _han_words(text[i:j]):
                units.append((pos, pos + length))
                pos += length
        elif is_cjk(ch) or ch in OPENING or ch in CLOSING:
            units.append((i, j))
        else:  # a Latin word or a number: up to a space or a CJK character
            while j < n and not text[j].isspace() and not is_cjk(text[j]):
                j += 1
            units.append((i, j))
        i = j
    # 2. glue: closing marks to the unit before, opening marks to the unit after, when no space between
    out: list[tuple[int, int]] = []
    carry: int | None = None  # start of pending opening marks
    for a, b in units:
        piece = text[a:b]
        if out and carry is None and a == out[-1][1] and all(c in CLOSING for c in piece):
            out[-1] = (out[-1][0], b)
            continue
        if all(c in OPENING for c in piece):
            if carry is None:
                carry = a
            continue
        if carry is not None:
            a, carry = carry, None
        out.append((a, b))
    if carry is not None:
        out.append((carry, len(text.rstrip())))
    return out


def joined(text: str, spans: list[tuple[int, int]], i: int, j: int) -> str:
    """Tokens i..j-1 as they stand in `text` (spaces between them kept, line breaks made spaces)."""
    if i >= j:
        return ""
    return " ".join(text[spans[i][0]:spans[j - 1][1]].split("\n"))


def spaced(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    """Whether a space stands between token i-1 and token i."""
    return i > 0 and spans[i - 1][1] < spans[i][0]


def phrase_lines(text: str, measure: Callable[[str], int], max_width: int) -> list[tuple[int, int]]:
    """Line spans for text without spaces (Chinese): lines of at most `max_width` (as `measure` says)
    that end after a full stop or comma where possible, few and even.

    Found by dynamic programming over the token boundaries; a token wider than a line gets its own."""
    spans = tokens(text)
    n = len(spans)
    if n == 0:
        return []
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        end_cost = 0.0
        if j < n:
            last = text[spans[j - 1][0]:spans[j - 1][1]].rstrip("\"'”’」』）)")
            # a line that ends inside a clause costs more than an extra line: Chinese reads clause by clause
            end_cost = 0.0 if last and last[-1] in SENTENCE_END else 0.2 if last and last[-1] in CLAUSE_END \
                else 2.5
        for i in range(j - 1, -1, -1):
            width = measure(text[spans[i][0]:spans[j - 1][1]])
            if width > max_width and j - i > 1:
                break
            slack = 0.0 if j == n else (max_width - width) / max(1, max_width)
            cost = best[i] + 1.0 + end_cost + slack * slack
            if cost < best[j]:
                best[j], back[j] = cost, i
    lines = []
    j = n
    while j > 0:
        i = back[j]
        lines.append((spans[i][0], spans[j - 1][1]))
        j = i
    return lines[::-1]
