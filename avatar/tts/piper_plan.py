"""Text to the neural voice's input: sentences of units (a phoneme, a word gap, punctuation), each with its ids."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from avatar.tts.espeak_lib import Espeak
from avatar.tts.piper_model import BOS, EOS, PAD, PiperModel

_TERMINATORS = ".,;:!?"
_CLAUSE_END = re.compile(r"(?<=[.,;:!?…])[\"'”’)\]]*\s+")
_LANGUAGE_FLAG = re.compile(r"\([^)]+\)")
WORD_GAP = ""      # a unit between words: its time joins the phoneme before it
PAUSE = "_:"       # espeak-ng's mnemonic for a clause pause
EDGE = "_"         # start and end of a sentence


@dataclass(frozen=True)
class Unit:
    """One stretch of the voice's input: `symbol` is an espeak-ng mnemonic, a pause, or WORD_GAP."""

    symbol: str
    ids: tuple[int, ...]


def clauses(text: str) -> list[tuple[str, str]]:
    """(clause text, its terminator or "") in order; a terminator is one of . , ; : ! ?"""
    out = []
    for part in _CLAUSE_END.split(text):
        part = part.strip()
        if not part:
            continue
        tail = part.rstrip("\"'”’)]")
        term = tail[-1] if tail and tail[-1] in _TERMINATORS else ("." if tail.endswith("…") else "")
        out.append((part, term))
    return out


def plan(text: str, model: PiperModel, espeak: Espeak) -> list[list[Unit]]:
    """The text's sentences, each a list of units from its start (BOS) to its end (EOS)."""
    pad = tuple(model.id_map[PAD])
    sentences: list[list[Unit]] = []
    current: list[Unit] = []
    gap = tuple(model.ids(" "))
    for clause, term in clauses(text):
        words = espeak.phonemes(clause, model.espeak_voice)
        for w, word in enumerate(words):
            if w or (current and current[-1].symbol != PAUSE):
                if current:
                    current.append(Unit(WORD_GAP, gap))
            for mnemonic, ipa in word:
                ids = model.ids(unicodedata.normalize("NFD", _LANGUAGE_FLAG.sub("", ipa)))
                if ids:
                    current.append(Unit(mnemonic, tuple(ids)))
        if term:
            ids = tuple(model.ids(term))
            if term in ",;:":
                ids += gap
            if current and ids:
                current.append(Unit(PAUSE, ids))
            if term in ".!?" and current:
                sentences.append(current)
                current = []
    if current:
        sentences.append(current)
    bos = tuple(model.id_map[BOS]) + pad
    eos = tuple(model.id_map[EOS])
    return [[Unit(EDGE, bos), *s, Unit(EDGE, eos)] for s in sentences]
