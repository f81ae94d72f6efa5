"""Pronunciations for the language model's words: PocketSphinx's CMU dictionary first, then acronyms
letter by letter and any other word (names: "Zhongguancun") from espeak-ng's phonemes in ARPAbet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from avatar.errors import TTSError
from avatar.lipsync.arpabet import ARPABET_TO_ESPEAK
from avatar.listen.sphinx_files import cmudict_path

# How each letter is said when an acronym is spelled out ("UNCTAD", "AI", "GDP").
LETTERS: dict[str, str] = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY", "h": "EY CH",
    "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N", "o": "OW", "p": "P IY",
    "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW", "v": "V IY", "w": "D AH B AH L Y UW",
    "x": "EH K S", "y": "W AY", "z": "Z IY",
}

# espeak-ng's English phoneme mnemonics (stress marks removed) as ARPAbet; the plain ones are the
# inverse of the lip-sync table, the rest are espeak's r-coloured and reduced vowels and variants.
ESPEAK_TO_ARPABET: dict[str, str] = {v: k for k, v in ARPABET_TO_ESPEAK.items()}
ESPEAK_TO_ARPABET.update({
    "@": "AH", "@2": "AH", "@5": "AH", "@L": "AH L", "3": "ER", "3:": "ER", "a#": "AE", "aa": "AA",
    "A@": "AA R", "aI@": "AY ER", "aI3": "AY ER", "aU@": "AW ER", "e": "EH", "e@": "EH R", "E2": "EH",
    "E3": "EH", "i": "IY", "i@": "IH R", "i@3": "IH R", "I#": "IH", "I2": "IH", "0": "AA", "O": "AO",
    "O@": "AO R", "o@": "AO R", "oU#": "OW", "U@": "UH R", "r-": "R", "n-": "N", "m-": "M", "l-": "L",
    "t#": "T", "d#": "D", "z#": "Z", "s#": "S", "x": "K", "?": "",
})
_STRESS = re.compile(r"^[',%=]+")


def espeak_to_arpabet(phonemes: Iterable[str]) -> list[str]:
    """espeak-ng ASCII mnemonics ("'0", "N", "tS") as ARPAbet phones ("AA", "NG", "CH"); unknown ones
    are split into known pieces where possible and dropped otherwise."""
    out: list[str] = []
    for raw in phonemes:
        p = _STRESS.sub("", raw.strip())
        if not p or p == "_":
            continue
        arpa = ESPEAK_TO_ARPABET.get(p)
        if arpa is None:
            arpa = ESPEAK_TO_ARPABET.get(p.rstrip("#0123456789;")) if len(p) > 1 else None
        if arpa is None:
            arpa = " ".join(_split_unknown(p))
        out.extend(arpa.split())
    return out


def _split_unknown(p: str) -> list[str]:
    """Greedy longest-first split of an unfamiliar mnemonic into familiar ones."""
    pieces: list[str] = []
    i = 0
    while i < len(p):
        for n in (3, 2, 1):
            hit = ESPEAK_TO_ARPABET.get(p[i:i + n])
            if hit is not None:
                pieces.append(hit)
                i += n
                break
        else:
            i += 1  # a modifier espeak adds (";", "#"): not a sound of its own
    return [h for h in pieces if h]


def read_cmudict(words: set[str], path: Path | None = None) -> dict[str, list[str]]:
    """Pronunciations (ARPAbet strings, alternatives included) of those of `words` the dictionary has."""
    found: dict[str, list[str]] = {}
    with open(path or cmudict_path(), encoding="utf-8", errors="replace") as f:
        for line in f:
            head, _, phones = line.partition(" ")
            word = head.split("(", 1)[0]
            if word in words and phones.strip():
                found.setdefault(word, []).append(phones.split("#", 1)[0].strip())
    return found


def espeak_pronunciations(words: Iterable[str], voice: str = "en-us") -> dict[str, str]:
    """ARPAbet pronunciations of words from espeak-ng's own rules (names, new words)."""
    from avatar.tts.espeak_lib import Espeak

    espeak = Espeak.get()
    out: dict[str, str] = {}
    for word in words:
        parts = espeak.phonemes(word, voice)
        phones = espeak_to_arpabet(p for part in parts for p, _ in part)
        if phones:
            out[word] = " ".join(phones)
    return out


def spelled(word: str) -> str:
    """"ai" -> "EY AY": an acronym said letter by letter."""
    return " ".join(LETTERS[c] for c in word.lower() if c in LETTERS)


def build_lexicon(words: Iterable[str], acronyms: Iterable[str] = (), *, names: Iterable[str] = (),
                  espeak: Callable[[Iterable[str]], dict[str, str]] | None = None,
                  cmudict: Path | None = None) -> dict[str, list[str]]:
    """word -> its pronunciations: the CMU dictionary's, else espeak-ng's; `names` (written with
    capitals in the kiosk's text) also get espeak-ng's reading, as people say names both ways
    ("Beijing" with the sound of "measure" or of "jam"); `acronyms` may also be spelled letter by
    letter. Words nobody can say are left out."""
    wanted = {w for w in words if w and not w.startswith("<")}
    lexicon = read_cmudict(wanted, cmudict)
    names = {w for w in names if w in wanted}
    missing = sorted(w for w in wanted if (w not in lexicon or w in names) and re.fullmatch(r"[a-z']+", w))
    try:
        made = (espeak or espeak_pronunciations)(missing) if missing else {}
    except TTSError:
        made = {}  # no espeak-ng here: those words are left out of the model
    for word, phones in made.items():
        if phones not in lexicon.get(word, []):
            lexicon.setdefault(word, []).append(phones)
    for word in acronyms:
        if word in wanted and 2 <= len(word) <= 6 and word.isalpha():
            letters = spelled(word)
            if letters not in lexicon.get(word, []):
                lexicon.setdefault(word, []).append(letters)
    return lexicon


def dictionary_text(lexicon: dict[str, list[str]]) -> str:
    """The lexicon in PocketSphinx's dictionary format: "word P H O N E S", alternatives as "word(2)"."""
    lines: list[str] = []
    for word in sorted(lexicon):
        seen: list[str] = []
        for phones in lexicon[word]:
            if phones and phones not in seen:
                seen.append(phones)
        for i, phones in enumerate(seen):
            lines.append(f"{word if i == 0 else f'{word}({i + 1})'} {phones}")
    return "\n".join(lines) + ("\n" if lines else "")
