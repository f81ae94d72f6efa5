"""espeak-ng phoneme mnemonics to Rhubarb mouth shapes, and phoneme timings to raw mouth spans."""

from __future__ import annotations

from collections.abc import Iterable

from avatar.lipsync.cues import Span
from avatar.lipsync.track import MouthShape
from avatar.tts.base import PhonemeTiming

_S = MouthShape

# Exact mnemonics first (after stress marks are stripped). Shapes follow Rhubarb's chart:
# A closed lips, B teeth (most consonants, "ee"), C open mid vowels, D wide open vowels,
# E slightly rounded, F puckered, G teeth on lip, H tongue up (l).
_TABLE: dict[str, MouthShape] = {
    # lips closed: every p, b, m must show A
    "p": _S.A, "b": _S.A, "m": _S.A, "m-": _S.A, "p#": _S.A, "b#": _S.A,
    # puckered
    "u:": _S.F, "u": _S.F, "U": _S.F, "U@": _S.F, "U:": _S.F, "u@": _S.F, "w": _S.F, "W": _S.F,
    "oU": _S.F, "@U": _S.F, "o:": _S.F, "u:@": _S.F, "y": _S.F, "y:": _S.F,
    # slightly rounded
    "O": _S.E, "O:": _S.E, "O@": _S.E, "O2": _S.E, "o": _S.E, "o@": _S.E, "OI": _S.E, "3:": _S.E,
    "3:r": _S.E, "Oa": _S.E,
    # teeth on lower lip
    "f": _S.G, "v": _S.G,
    # tongue behind the teeth
    "l": _S.H, "L": _S.H, "l-": _S.H, "@L": _S.H, "l#": _S.H,
    # wide open vowels
    "a": _S.D, "a:": _S.D, "A": _S.D, "A:": _S.D, "A@": _S.D, "aI": _S.D, "aU": _S.D, "aI@": _S.D,
    "aI3": _S.D, "aU@": _S.D, "aa": _S.D, "0": _S.D, "0:": _S.D,
    # open mid vowels
    "E": _S.C, "E:": _S.C, "E@": _S.C, "e": _S.C, "e:": _S.C, "e@": _S.C, "eI": _S.C, "@": _S.C,
    "@2": _S.C, "@5": _S.C, "@-": _S.C, "3": _S.C, "a#": _S.C, "V": _S.C, "i@": _S.C, "i@3": _S.C,
    "@r": _S.C,
    # "ee"-like vowels show the teeth, as Rhubarb draws them
    "i": _S.B, "i:": _S.B, "I": _S.B, "I#": _S.B, "I2": _S.B, "I@": _S.B, "j": _S.B,
}

_STRESS = "',%=!"
_VOWEL_LETTERS = "aAeEiIoOuUV03@"


def normalise(symbol: str) -> str:
    """Drop stress and syllable marks around an espeak mnemonic: "'u:" -> "u:", ",aI" -> "aI"."""
    return symbol.strip().strip(_STRESS)


def is_pause(symbol: str) -> bool:
    """espeak's pauses ("_", "_:", "_!", "_^_"...), its language switches ("(en)", "(cmn)") and empty
    symbols are silence."""
    s = normalise(symbol)
    return not s or s.startswith("_") or s.startswith("|") or is_language_switch(s)


def is_language_switch(symbol: str) -> bool:
    """espeak-ng marks a stretch read in another language with "(en)" ... "(cmn)"."""
    s = symbol.strip()
    return len(s) > 2 and s[0] == "(" and s[-1] == ")"


def is_closed_lips(symbol: str) -> bool:
    """p, b, m (and their variants): the lips must close, and that closed mouth must never be merged away."""
    return shape_for_phoneme(symbol) is MouthShape.A


def shape_for_phoneme(symbol: str) -> MouthShape | None:
    """The mouth shape for one phoneme; None for a pause."""
    if is_pause(symbol):
        return None
    s = normalise(symbol)
    shape = _TABLE.get(s)
    if shape is not None:
        return shape
    # Unknown mnemonics (other languages, rare variants such as "m#" or "u:2"): try without the
    # trailing modifier, then judge by the first letter: vowels look open-mid, consonants show teeth.
    if len(s) > 1 and s[:-1] in _TABLE:
        return _TABLE[s[:-1]]
    return _S.C if s[0] in _VOWEL_LETTERS else _S.B


def spans_from_phonemes(phonemes: Iterable[PhonemeTiming], language: str = "",
                        min_part_s: float = 0.06) -> list[Span]:
    """One span per sounding phoneme (Mandarin glides: one per part); pauses and gaps are left for the
    cue builder to fill as silence. `language` ("zh", "en"...) picks the chart: espeak-ng's mnemonics
    mean different sounds in different voices; its "(en)" ... "(cmn)" switches are followed."""
    from avatar.language import base_language
    from avatar.lipsync import mandarin

    chinese = base_language(language) == "zh"
    spans: list[Span] = []
    lips_free: set[int] = set()  # Mandarin initials whose lips follow the next vowel
    for p in phonemes:
        if is_language_switch(p.symbol):
            chinese = base_language(p.symbol.strip()[1:-1]) == "zh"
            continue
        if p.end_s <= p.start_s:
            continue
        if chinese and not is_pause(p.symbol):
            parts = mandarin.spans_for(normalise(p.symbol), p.start_s, p.end_s, min_part_s)
            if parts is not None:
                if normalise(p.symbol) in mandarin.LIPS_FREE:
                    lips_free.add(len(spans))
                spans.extend(parts)
                continue
        shape = shape_for_phoneme(p.symbol)
        if shape is None:
            continue
        spans.append(Span(p.start_s, p.end_s, shape, keep=shape is MouthShape.A))
    return mandarin.coarticulate(spans, lips_free, min_part_s) if lips_free else spans
