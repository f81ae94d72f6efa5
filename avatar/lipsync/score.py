"""How well a mouth track matches a reference phone alignment: closed lips, rounding, opening, rest, lead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar.lipsync.track import MouthShape, MouthTrack

_S = MouthShape

# Reference phones are ARPAbet (the CMU dictionary's phone set, as a forced aligner writes them).
CLOSED_PHONES = frozenset({"P", "B", "M"})
ROUNDED_PHONES = frozenset({"UW", "UH", "OW", "AO", "OY", "W"})
OPEN_PHONES = frozenset({"AA", "AE", "AH", "AW", "AY", "EH"})
CLOSED_SHAPES = frozenset({_S.A, _S.X})
ROUNDED_SHAPES = frozenset({_S.E, _S.F})
OPEN_SHAPES = frozenset({_S.C, _S.D})
PAUSE_MIN_S = 0.3      # pauses at least this long must show rest (shorter ones may hold a shape)
PAUSE_MARGIN_S = 0.1   # ...away from the sounds either side of them


@dataclass(frozen=True)
class RefPhone:
    start_s: float
    end_s: float
    phone: str  # ARPAbet without stress digits; "SIL" for silence


@dataclass(frozen=True)
class MouthScore:
    """Fractions 0..1 (None where the reference has no such phone) and counts, for a report."""

    closed: float | None     # p, b, m with closed lips (A or X) at their middle
    rounded: float | None    # rounded vowels and w with E or F at their middle
    open: float | None       # open vowels with C or D at their middle
    rest: float | None       # time inside long pauses shown as rest (X)
    late_s: float            # how late, at worst, closed lips came for a p/b/m (0: never late)
    counts: dict[str, int]
    false_closed: float | None = None  # other sounds (not p, b, m, pauses) shown with closed lips (A)

    def line(self) -> str:
        def pct(x: float | None) -> str:
            return "-" if x is None else f"{100 * x:.0f}%"
        c = self.counts
        return (f"p/b/m closed {pct(self.closed)} (n={c['closed']}), rounded {pct(self.rounded)} "
                f"(n={c['rounded']}), open {pct(self.open)} (n={c['open']}), rest in pauses "
                f"{pct(self.rest)} ({c['rest_cs']} cs), closed lips at worst {1000 * self.late_s:.0f} ms late; "
                f"other sounds closed {pct(self.false_closed)} (n={c.get('other', 0)})")


def read_reference(path: str | Path, shift_s: float = 0.0) -> list[RefPhone]:
    """A "start_s<TAB>end_s<TAB>phone[<TAB>word]" file with a header line; times moved by `shift_s`."""
    out: list[RefPhone] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3:
            out.append(RefPhone(float(parts[0]) + shift_s, float(parts[1]) + shift_s,
                                parts[2].strip().upper().rstrip("012")))
    return out


def _fraction(hits: Sequence[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def score(track: MouthTrack, reference: Iterable[RefPhone], lead_s: float = 0.0) -> MouthScore:
    """Shapes are read at each phone's middle, `lead_s` early: the lead the track was made with
    (CueSettings.lead_s) moves every shape that much before its sound on purpose; 0 reads them strictly."""
    ref = list(reference)

    def at_middle(p: RefPhone) -> MouthShape:
        return track.shape_at(0.5 * (p.start_s + p.end_s) - lead_s)

    closed = [at_middle(p) in CLOSED_SHAPES for p in ref if p.phone in CLOSED_PHONES]
    rounded = [at_middle(p) in ROUNDED_SHAPES for p in ref if p.phone in ROUNDED_PHONES]
    opened = [at_middle(p) in OPEN_SHAPES for p in ref if p.phone in OPEN_PHONES]
    rest: list[bool] = []
    for p in ref:
        if p.phone == "SIL" and p.end_s - p.start_s >= PAUSE_MIN_S:
            a = p.start_s + (PAUSE_MARGIN_S if p.start_s > 0 else 0.0)
            b = min(p.end_s - PAUSE_MARGIN_S, track.duration_s)
            rest.extend(track.shape_at(t) is _S.X for t in np.arange(a, b, 0.01))
    late = 0.0
    for p in ref:
        if p.phone in CLOSED_PHONES and at_middle(p) in CLOSED_SHAPES:
            # When did the lips close? Walk back from the middle while they stay closed.
            t = 0.5 * (p.start_s + p.end_s) - lead_s
            while t > 0 and track.shape_at(t - 0.005) in CLOSED_SHAPES:
                t -= 0.005
            late = max(late, t - p.start_s)
    other = [at_middle(p) is _S.A for p in ref if p.phone not in CLOSED_PHONES and p.phone != "SIL"]
    counts = {"closed": len(closed), "rounded": len(rounded), "open": len(opened), "rest_cs": len(rest),
              "other": len(other)}
    return MouthScore(_fraction(closed), _fraction(rounded), _fraction(opened), _fraction(rest), late, counts,
                      _fraction(other))


def pooled(scores: Sequence[MouthScore]) -> MouthScore:
    """Scores of several recordings as one (each phone counts once)."""
    def pool(key: str, count: str) -> float | None:
        n = sum(s.counts[count] for s in scores)
        if n == 0:
            return None
        return sum((getattr(s, key) or 0.0) * s.counts[count] for s in scores) / n
    counts = {k: sum(s.counts.get(k, 0) for s in scores) for k in ("closed", "rounded", "open", "rest_cs", "other")}
    return MouthScore(pool("closed", "closed"), pool("rounded", "rounded"), pool("open", "open"),
                      pool("rest", "rest_cs"), max((s.late_s for s in scores), default=0.0), counts,
                      pool("false_closed", "other"))
