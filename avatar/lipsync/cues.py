"""Raw mouth spans into clean Rhubarb-style cues: lead, pauses, minimum length, full coverage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar.lipsync.track import MouthCue, MouthShape


@dataclass(frozen=True)
class Span:
    """A stretch of time with a shape (None = silence); `keep` marks closed lips that must survive."""

    start_s: float
    end_s: float
    shape: MouthShape | None
    keep: bool = False


@dataclass(frozen=True)
class CueSettings:
    """The rules that turn raw spans into cues (times in seconds)."""

    lead_s: float = 0.03        # the mouth moves this much before the sound (never after it)
    min_cue_s: float = 0.06     # shorter shapes flicker; they borrow time or merge into a neighbour
    long_pause_s: float = 0.25  # silence at least this long relaxes to X
    hold_pause_s: float = 0.12  # silence shorter than this keeps the previous shape
    core_s: float = 0.005       # closed lips always cover this much either side of their sound's middle


_NO_CORE = (np.inf, -np.inf)
_EPS = 1e-6  # time comparisons tolerate float rounding (a cue of 0.0599999 s is a 60 ms cue)


class _Cue:
    """A mutable cue while the list is being cleaned; [core0, core1] must stay inside a kept cue."""

    __slots__ = ("start", "end", "shape", "keep", "core0", "core1")

    def __init__(self, start: float, end: float, shape: MouthShape | None, keep: bool,
                 core: tuple[float, float] = _NO_CORE) -> None:
        self.start, self.end, self.shape, self.keep = start, end, shape, keep
        self.core0, self.core1 = core

    @property
    def dur(self) -> float:
        return self.end - self.start

    def spare_head(self, min_s: float) -> float:
        """How much of its beginning this cue can give away and still be valid."""
        return max(0.0, min(self.dur - min_s, self.core0 - self.start))

    def spare_tail(self, min_s: float) -> float:
        return max(0.0, min(self.dur - min_s, self.end - self.core1))

    def absorb(self, other: "_Cue") -> None:
        """Take over `other` (adjacent, same shape)."""
        self.start, self.end = min(self.start, other.start), max(self.end, other.end)
        self.keep = self.keep or other.keep
        self.core0, self.core1 = min(self.core0, other.core0), max(self.core1, other.core1)


# How open each shape is drawn when only the shapes are known (no audio, or a file from Rhubarb itself).
SHAPE_OPENNESS: dict[MouthShape, float] = {
    MouthShape.A: 0.0, MouthShape.B: 0.25, MouthShape.C: 0.6, MouthShape.D: 1.0, MouthShape.E: 0.5,
    MouthShape.F: 0.35, MouthShape.G: 0.2, MouthShape.H: 0.45, MouthShape.X: 0.0,
}


def openness_from_cues(cues: tuple[MouthCue, ...], duration_s: float, fps: float = 100.0) -> np.ndarray:
    """An openness track (frame i at t = i / fps) that follows the shapes, for tracks without audio."""
    n = max(1, int(np.ceil(duration_s * fps - 1e-9)))
    if not cues:
        return np.zeros(n, np.float32)
    t = np.arange(n) / fps
    starts = np.array([c.start_s for c in cues])
    idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(cues) - 1)
    table = np.array([SHAPE_OPENNESS[c.shape] for c in cues], np.float32)
    return table[idx]


def spans_from_labels(labels: np.ndarray, shapes: list[MouthShape | None], fps: float,
                      duration_s: float) -> list[Span]:
    """Runs of equal per-frame labels (frame i centred at i / fps) as spans; labels index `shapes`."""
    n = len(labels)
    if n == 0:
        return []
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [n]])
    t0 = np.clip((starts - 0.5) / fps, 0.0, duration_s)
    t1 = np.clip((ends - 0.5) / fps, 0.0, duration_s)
    t1[-1] = duration_s
    codes = labels[starts]
    return [Span(float(a), float(b), shapes[int(c)]) for a, b, c in zip(t0, t1, codes) if b > a]


def mouth_cues(spans: list[Span], duration_s: float,
               settings: CueSettings = CueSettings()) -> tuple[MouthCue, ...]:
    """Cues covering [0, duration_s) in order, none shorter than `min_cue_s` (closed lips are stretched
    to it rather than dropped), silences resolved to X / held / relaxed, everything `lead_s` early."""
    if duration_s <= 0:
        return (MouthCue(0.0, max(0.0, duration_s), MouthShape.X),)
    cues = _lay_out(spans, duration_s, settings)
    cues = _merge_equal(cues)
    cues = _resolve_silences(cues, settings)
    cues = _merge_equal(cues)
    _stretch_kept(cues, settings.min_cue_s)
    _borrow_for_short(cues, settings.min_cue_s, settings.lead_s)
    cues = _absorb_short(cues, settings.min_cue_s)
    cues = _merge_equal(cues)
    cues[0].start = 0.0
    cues[-1].end = duration_s
    return tuple(MouthCue(c.start, c.end, c.shape or MouthShape.X) for c in cues)


def _lay_out(spans: list[Span], duration_s: float, settings: CueSettings) -> list[_Cue]:
    """Shift by the lead, clip, fill gaps with silence and resolve overlaps: a later sound wins over an
    earlier one, and closed lips win over everything.

    A kept (closed-lips) span also reaches past the middle of its own sound, however short the sound.
    """
    lead_s = settings.lead_s
    plain: list[_Cue] = []
    kept: list[_Cue] = []
    for s in spans:
        if s.start_s >= duration_s or s.end_s < 0.0:
            continue  # outside the audio
        c = _Cue(max(0.0, s.start_s - lead_s), min(duration_s, s.end_s - lead_s), s.shape, s.keep)
        if s.keep:
            mid = min(max(0.5 * (s.start_s + s.end_s), 0.0), duration_s)
            c.core0 = max(0.0, mid - settings.core_s)
            c.core1 = min(duration_s, mid + settings.core_s)
            c.start, c.end = min(c.start, c.core0), max(c.end, c.core1)
            kept.append(c)
        elif c.dur > 0:
            plain.append(c)
    plain.sort(key=lambda c: c.start)
    painted: list[_Cue] = []
    for c in plain:
        # Paint c over what is there: keep the parts of earlier cues before and after it.
        after: list[_Cue] = []
        while painted and painted[-1].end > c.start:
            p = painted.pop()
            if p.end > c.end:
                after.append(_Cue(max(p.start, c.end), p.end, p.shape, False))
            if p.start < c.start:
                painted.append(_Cue(p.start, c.start, p.shape, False))
                break
        painted.append(c)
        painted.extend(reversed(after))
    base: list[_Cue] = []
    t = 0.0
    for c in painted:
        if c.start > t:
            base.append(_Cue(t, c.start, None, False))
        base.append(c)
        t = c.end
    if t < duration_s:
        base.append(_Cue(t, duration_s, None, False))
    return _overlay(base, _union(kept))


def _union(cues: list[_Cue]) -> list[_Cue]:
    """Overlapping cues (all the same shape) joined into one."""
    out: list[_Cue] = []
    for c in sorted(cues, key=lambda c: c.start):
        if out and c.start <= out[-1].end:
            out[-1].absorb(c)
        else:
            out.append(c)
    return out


def _overlay(base: list[_Cue], tops: list[_Cue]) -> list[_Cue]:
    """`base` (a tiling of the timeline) with the non-overlapping `tops` cut in."""
    out: list[_Cue] = []
    k = 0
    for b in base:
        s = b.start
        while s < b.end:
            while k < len(tops) and tops[k].end <= s:
                k += 1
            if k < len(tops) and tops[k].start <= s:
                s = tops[k].end
                continue
            e = min(b.end, tops[k].start) if k < len(tops) else b.end
            out.append(_Cue(s, e, b.shape, b.keep))
            s = e
    out.extend(tops)
    out.sort(key=lambda c: c.start)
    return out


def _merge_equal(cues: list[_Cue]) -> list[_Cue]:
    out: list[_Cue] = []
    for c in cues:
        if c.dur <= 0:
            continue
        if out and out[-1].shape == c.shape:
            out[-1].absorb(c)
        else:
            out.append(c)
    return out


def _resolve_silences(cues: list[_Cue], s: CueSettings) -> list[_Cue]:
    """Long silences and the file's edges rest (X); brief gaps hold the previous shape; others relax (B)."""
    last = len(cues) - 1
    for i, c in enumerate(cues):
        if c.shape is not None:
            continue
        if i == 0 or i == last or c.dur >= s.long_pause_s:
            c.shape = MouthShape.X
        elif c.dur < s.hold_pause_s:
            c.shape = cues[i - 1].shape
        else:
            # Lips slightly apart; closed (A) when the next sound shows teeth anyway.
            c.shape = MouthShape.A if cues[i + 1].shape is MouthShape.B else MouthShape.B
    return cues


def _stretch_kept(cues: list[_Cue], min_s: float) -> None:
    """Lengthen short closed-lips cues to `min_s`: first with time the neighbours can spare, then by
    taking it from them anyway (earlier side first, so the next shape does not come late)."""
    i = 0
    while i < len(cues):
        c = cues[i]
        if c.keep and c.dur < min_s - _EPS:
            prev = cues[i - 1] if i > 0 and not cues[i - 1].keep else None
            nxt = cues[i + 1] if i + 1 < len(cues) and not cues[i + 1].keep else None
            need = min_s - c.dur
            if prev is not None:
                take = min(need, prev.spare_tail(min_s))
                prev.end -= take
                c.start -= take
                need -= take
            if nxt is not None and need > _EPS:
                take = min(need, nxt.spare_head(min_s))
                nxt.start += take
                c.end += take
                need -= take
            k = i - 1
            while need > _EPS and k >= 0 and not cues[k].keep:
                take = min(need, cues[k].dur)
                c.start -= take
                cues[k].end -= take
                need -= take
                if cues[k].dur <= _EPS:
                    c.start = cues[k].start
                    del cues[k]
                    i -= 1
                    k -= 1
                else:
                    break
            j = i + 1
            while need > _EPS and j < len(cues) and not cues[j].keep:
                take = min(need, cues[j].dur)
                c.end += take
                cues[j].start += take
                need -= take
                if cues[j].dur <= _EPS:
                    c.end = cues[j].end
                    del cues[j]
                else:
                    break
        i += 1


def _borrow_for_short(cues: list[_Cue], min_s: float, lead_s: float) -> None:
    """Lengthen short cues with time neighbours can spare: the previous cue's end first, then the next
    cue's start (by at most `lead_s`, so the next shape still comes before its sound)."""
    for i, c in enumerate(cues):
        if c.keep or c.dur >= min_s - _EPS:
            continue
        prev = cues[i - 1] if i > 0 else None
        nxt = cues[i + 1] if i + 1 < len(cues) else None
        need = min_s - c.dur
        can_prev = prev.spare_tail(min_s) if prev is not None else 0.0
        can_next = min(nxt.spare_head(min_s), lead_s) if nxt is not None else 0.0
        if can_prev + can_next < need - _EPS:
            continue  # cannot be saved; _absorb_short merges it
        take = min(need, can_prev)
        if prev is not None and take > 0:
            prev.end -= take
            c.start -= take
        take = need - take
        if nxt is not None and take > 0:
            nxt.start += take
            c.end += take


def _absorb_short(cues: list[_Cue], min_s: float) -> list[_Cue]:
    """Give each too-short cue's time to the next cue (which then starts earlier: a lead, never a lag).

    Several short cues in a row that add up to `min_s` become one cue of the shape that lasted longest.
    """
    out: list[_Cue] = []
    pending: list[_Cue] = []

    def flush_pending_as_cue() -> None:
        best: dict[MouthShape | None, float] = {}
        for p in pending:
            best[p.shape] = best.get(p.shape, 0.0) + p.dur
        shape = max(best, key=lambda k: best[k])
        _append(out, _Cue(pending[0].start, pending[-1].end, shape, False))
        pending.clear()

    for c in cues:
        if c.dur < min_s - _EPS and not c.keep:
            if out and out[-1].shape == c.shape and not pending:
                out[-1].absorb(c)
                continue
            pending.append(c)
            if pending[-1].end - pending[0].start >= min_s - _EPS:
                flush_pending_as_cue()
            continue
        if pending:
            c.start = pending[0].start
            pending.clear()
        _append(out, c)
    if pending:
        if out:
            out[-1].end = pending[-1].end
        else:
            flush_pending_as_cue()
    return out


def _append(out: list[_Cue], c: _Cue) -> None:
    if out and out[-1].shape == c.shape:
        out[-1].absorb(c)
    else:
        out.append(c)
