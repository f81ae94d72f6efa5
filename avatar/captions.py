"""Subtitle files from timed sentences: cues of at most two short lines, written as SRT or WebVTT."""

from __future__ import annotations

import bisect
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from avatar.errors import OutputPathError
from avatar.tts.base import WordTiming

LINE_CHARS = 42   # the usual broadcast and streaming limit per caption line
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    """One caption on screen from `start_s` to `end_s`; `text` holds its lines joined by "\\n".

    `word_starts_s` has one entry per whitespace-separated word of `text` (None where unknown),
    or is empty when no word timings were given.
    """

    start_s: float
    end_s: float
    text: str
    word_starts_s: tuple[float | None, ...] = ()


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


def _lines(tokens: Sequence[str], width: int) -> list[list[str]]:
    """Greedy wrap into lines of at most `width` characters (a longer single word gets its own line)."""
    lines: list[list[str]] = []
    cur: list[str] = []
    n = 0
    for tok in tokens:
        add = len(tok) + (1 if cur else 0)
        if cur and n + add > width:
            lines.append(cur)
            cur, n = [], 0
            add = len(tok)
        cur.append(tok)
        n += add
    if cur:
        lines.append(cur)
    return lines


def _layout(tokens: Sequence[str], width: int) -> str:
    """One or two lines; two balanced ones when the text does not fit on one."""
    text = " ".join(tokens)
    if len(text) <= width or len(tokens) < 2:
        return text
    best, best_cost = 1, math.inf
    for cut in range(1, len(tokens)):
        a, b = len(" ".join(tokens[:cut])), len(" ".join(tokens[cut:]))
        cost = max(a, b) + (0 if a <= b else 0.5)  # ties: the shorter line on top
        if cost < best_cost:
            best, best_cost = cut, cost
    return " ".join(tokens[:best]) + "\n" + " ".join(tokens[best:])


def _chunks(tokens: list[str], width: int, max_lines: int) -> list[tuple[int, int]]:
    """Token ranges [a, b) of about equal length, each fitting in `max_lines` lines of `width`."""
    n_cues = max(1, math.ceil(len(_lines(tokens, width)) / max_lines))
    offsets = [0]
    for tok in tokens:
        offsets.append(offsets[-1] + len(tok) + 1)
    total = offsets[-1]
    while True:
        cuts = [0]
        for k in range(1, n_cues):
            target = total * k / n_cues

            def cost(i: int) -> float:  # near the even share, better still after a comma or full stop
                return abs(offsets[i] - target) - (width / 4 if tokens[i - 1][-1] in ",;:.!?" else 0)

            best = min(range(cuts[-1] + 1, len(tokens) - (n_cues - 1 - k)), default=None, key=cost)
            if best is None:
                break
            cuts.append(best)
        cuts.append(len(tokens))
        ranges = list(zip(cuts[:-1], cuts[1:]))
        if all(len(_lines(tokens[a:b], width)) <= max_lines for a, b in ranges) or n_cues >= len(tokens):
            return ranges
        n_cues += 1


def _interp(x: float, xs: list[float], ys: list[float]) -> float:
    i = bisect.bisect_right(xs, x)
    if i == 0:
        return ys[0]
    if i >= len(xs):
        return ys[-1]
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def subtitle_cues(sentences: Iterable[Any], words: Sequence[WordTiming] = (), *, line_chars: int = LINE_CHARS,
               max_lines: int = MAX_LINES) -> tuple[Cue, ...]:
    """Caption cues from timed sentences, long ones split at word boundaries.

    `sentences` are (start_s, end_s, text) tuples or objects with those attributes (and `words`).
    `words` are absolute word timings for the whole speech; a sentence takes those inside its time.
    A split sentence's time is shared out by its word timings where known, else by character count.
    """
    all_words = sorted(words, key=lambda w: w.start_s)
    starts = [w.start_s for w in all_words]
    cues: list[Cue] = []
    for item in sentences:
        start_s, end_s, text, own_words = _sentence_fields(item)
        tokens = text.split()
        if not tokens:
            continue
        start_s = max(0.0, start_s)
        end_s = max(start_s, end_s)
        if not own_words and all_words:
            lo = bisect.bisect_left(starts, start_s - 1e-6)
            hi = bisect.bisect_right(starts, end_s + 1e-6)
            own_words = tuple(w for w in all_words[lo:hi] if w.start_s < end_s or w.start_s == start_s)
        timed = _align(tokens, own_words) if own_words else [None] * len(tokens)

        # Anchors from character offset to time: the sentence ends plus every timed word.
        offsets = [0]
        for tok in tokens:
            offsets.append(offsets[-1] + len(tok) + 1)
        xs, ys = [0.0], [start_s]
        for i, w in enumerate(timed):
            if w is not None:
                xs += [float(offsets[i]), offsets[i + 1] - 1.0]
                ys += [min(max(w.start_s, start_s), end_s), min(max(w.end_s, start_s), end_s)]
        xs.append(float(offsets[-1]))
        ys.append(end_s)
        pairs = sorted(zip(xs, ys))
        xs = [p[0] for p in pairs]
        ys = []
        for _, y in pairs:  # times never run backwards even if the engine's do
            ys.append(max(y, ys[-1]) if ys else y)

        ranges = _chunks(tokens, line_chars, max_lines)
        bounds = [start_s] + [_interp(float(offsets[a]), xs, ys) for a, _ in ranges[1:]] + [end_s]
        for k, ((a, b), t0) in enumerate(zip(ranges, bounds)):
            t1 = max(t0, bounds[k + 1])
            word_starts = tuple(w.start_s if w is not None else None for w in timed[a:b]) if own_words else ()
            cues.append(Cue(t0, t1, _layout(tokens[a:b], line_chars), word_starts))
    cues.sort(key=lambda c: c.start_s)
    return tuple(cues)


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
    out_lines = []
    i, last = 0, a_ms
    for line in cue.text.split("\n"):
        parts = []
        for tok in line.split():
            t = cue.word_starts_s[i] if i < len(cue.word_starts_s) else None
            i += 1
            # WebVTT wants tags strictly after the cue start, before its end and increasing.
            if t is not None and last < _ms(t) < b_ms:
                last = _ms(t)
                parts.append(f"<{_stamp(last, '.')}>{_vtt_escape(tok)}")
            else:
                parts.append(_vtt_escape(tok))
        out_lines.append(" ".join(parts))
    return "\n".join(out_lines)


def caption_text(cues: Iterable[Cue], path: str | os.PathLike[str]) -> str:
    """SRT or WebVTT text, chosen by the file name's ending (.srt or .vtt)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".srt":
        return to_srt(cues)
    if suffix == ".vtt":
        return to_vtt(cues)
    raise OutputPathError(f"{Path(path).name}: captions are written as .srt or .vtt; "
                          f"end the name with one of them")
