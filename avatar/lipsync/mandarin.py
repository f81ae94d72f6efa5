"""espeak-ng's Mandarin (cmn) phoneme mnemonics to mouth shapes: pinyin initials and finals, glides inside.

espeak-ng's `cmn` voice reports an initial and a whole final as one phoneme each ("p", "'uai", "j",
"'iou"...), so a final that glides from one vowel to another is drawn as a short sequence of shapes:
"uai" (kuai) puckers, opens, then shows the teeth. The chart, with the pinyin it stands for:

    initials  p ph m (b p m) -> A closed       f -> G teeth on lip      l -> H tongue up
              t th n k kh X ts tsh s tS; tS;h S; ts. ts.h s. z. (d t n g k h z c s j q x zh ch sh r)
                                             -> B teeth                 w -> F   j (y-) -> B
    finals    a A -> D open   ai -> D..B   Au (ao) -> D..E   @ E o- (e, ê, e after consonants) -> C
              i i[ i. (i, zi, zhi) -> B    ei -> C..B   @r (er) -> E   N N- (ng) -> B
              u -> F   o -> E   ou -> E..F   ong -> F   uo -> F..E   ua uA -> F..D   uai -> F..D..B
              uei (ui) -> F..C..B   u@ (un) -> F..C   y yu (ü) -> F   yE (üe) y& (üan) -> F..C
              y@ (ün) -> F..C   yi -> F..B   iA -> B..D   iAu (iao) -> B..D..E   iE -> B..C
              io -> B..E   iou (iu) -> B..E..F

The B initials are made behind the lips, which meanwhile get ready for the vowel: before a rounded
vowel they are drawn rounded ("shu", "guo"), and one too quick to be seen alone takes the vowel's shape.
"""

from __future__ import annotations

from avatar.lipsync.cues import Span
from avatar.lipsync.track import MouthShape

_S = MouthShape
# Each entry: (fraction of the phoneme's time where the shape starts, shape), in order.
Glide = tuple[tuple[float, MouthShape], ...]

_ONE: dict[str, MouthShape] = {
    # initials
    "p": _S.A, "ph": _S.A, "m": _S.A, "f": _S.G, "l": _S.H, "w": _S.F, "j": _S.B,
    "t": _S.B, "th": _S.B, "n": _S.B, "k": _S.B, "kh": _S.B, "X": _S.B, "ts": _S.B, "tsh": _S.B,
    "s": _S.B, "tS;": _S.B, "tS;h": _S.B, "S;": _S.B, "ts.": _S.B, "ts.h": _S.B, "s.": _S.B, "z.": _S.B,
    "N": _S.B, "N-": _S.B,
    # single vowels
    "a": _S.D, "A": _S.D, "@": _S.C, "E": _S.C, "o-": _S.C, "@r": _S.E,
    "i": _S.B, "i[": _S.B, "i.": _S.B,
    "u": _S.F, "o": _S.E, "ong": _S.F, "y": _S.F, "yu": _S.F,
}

_GLIDES: dict[str, Glide] = {
    "ai": ((0.0, _S.D), (0.6, _S.B)),
    "Au": ((0.0, _S.D), (0.55, _S.E)),
    "ei": ((0.0, _S.C), (0.55, _S.B)),
    "ou": ((0.0, _S.E), (0.5, _S.F)),
    "uo": ((0.0, _S.F), (0.4, _S.E)),
    "ua": ((0.0, _S.F), (0.35, _S.D)),
    "uA": ((0.0, _S.F), (0.35, _S.D)),
    "uai": ((0.0, _S.F), (0.3, _S.D), (0.7, _S.B)),
    "uei": ((0.0, _S.F), (0.3, _S.C), (0.7, _S.B)),
    "u@": ((0.0, _S.F), (0.45, _S.C)),
    "yE": ((0.0, _S.F), (0.35, _S.C)),
    "y&": ((0.0, _S.F), (0.35, _S.C)),
    "y@": ((0.0, _S.F), (0.5, _S.C)),
    "yi": ((0.0, _S.F), (0.5, _S.B)),
    "iA": ((0.0, _S.B), (0.3, _S.D)),
    "iAu": ((0.0, _S.B), (0.25, _S.D), (0.65, _S.E)),
    "iE": ((0.0, _S.B), (0.3, _S.C)),
    "io": ((0.0, _S.B), (0.3, _S.E)),
    "iou": ((0.0, _S.B), (0.25, _S.E), (0.6, _S.F)),
}


# Initials made behind the lips (tongue and teeth): the lips are free to take the next vowel's shape.
LIPS_FREE = frozenset({"t", "th", "n", "k", "kh", "X", "ts", "tsh", "s", "tS;", "tS;h", "S;", "ts.", "ts.h",
                       "s.", "z.", "j"})


def glide_for(symbol: str) -> Glide | None:
    """The shapes of one cmn mnemonic (stress marks already stripped); None if it is not Mandarin's."""
    shape = _ONE.get(symbol)
    if shape is not None:
        return ((0.0, shape),)
    return _GLIDES.get(symbol)


def spans_for(symbol: str, start_s: float, end_s: float, min_part_s: float) -> list[Span] | None:
    """Spans for one phoneme, or None if the mnemonic is not in the Mandarin chart.

    A glide is split only where every part lasts `min_part_s`; a quicker one keeps its first shape
    when that is rounded or closed (the lips get there first), else its longest part."""
    glide = glide_for(symbol)
    if glide is None:
        return None
    dur = end_s - start_s
    bounds = [start_s + f * dur for f, _ in glide] + [end_s]
    parts = [(a, b, shape) for (a, b), (_, shape) in zip(zip(bounds, bounds[1:]), glide)]
    if len(parts) > 1 and min(b - a for a, b, _ in parts) < min_part_s:
        first = parts[0][2]
        shape = first if first in (_S.F, _S.E, _S.A) else max(parts, key=lambda p: p[1] - p[0])[2]
        parts = [(start_s, end_s, shape)]
    return [Span(a, b, shape, keep=shape is _S.A) for a, b, shape in parts]



def coarticulate(spans: list[Span], lips_free: set[int], min_part_s: float) -> list[Span]:
    """Give the lips of an initial in `lips_free` (indexes into `spans`) the shape of the vowel that
    follows it when that vowel is rounded (lips round through "shu", "gu", "tuo" from the start), and
    when the initial is too quick to be seen on its own (a 20 ms "g" would otherwise take its time
    from the vowel before it)."""
    out = list(spans)
    for i in sorted(lips_free):
        if i + 1 >= len(out):
            continue
        here, after = out[i], out[i + 1]
        if abs(after.start_s - here.end_s) > 1e-3 or after.shape is _S.A:
            continue
        if after.shape in (_S.E, _S.F) or here.end_s - here.start_s < min_part_s:
            out[i] = Span(here.start_s, here.end_s, after.shape)
    return out
