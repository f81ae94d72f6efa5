"""CMU / ARPAbet phones (what PocketSphinx recognises) as espeak-ng mnemonics, so one table sets the shapes."""

from __future__ import annotations

from avatar.lipsync.phonemes import shape_for_phoneme
from avatar.lipsync.track import MouthShape

# The US English phone set of the CMU dictionary; the espeak-ng mnemonic of the same sound in
# espeak's English voices. Shapes then come from avatar.lipsync.phonemes, the project's only shape chart.
ARPABET_TO_ESPEAK: dict[str, str] = {
    "AA": "A:", "AE": "a", "AH": "V", "AO": "O:", "AW": "aU", "AY": "aI", "EH": "E", "ER": "3:",
    "EY": "eI", "IH": "I", "IY": "i:", "OW": "oU", "OY": "OI", "UH": "U", "UW": "u:",
    "B": "b", "CH": "tS", "D": "d", "DH": "D", "F": "f", "G": "g", "HH": "h", "JH": "dZ", "K": "k",
    "L": "l", "M": "m", "N": "n", "NG": "N", "P": "p", "R": "r", "S": "s", "SH": "S", "T": "t",
    "TH": "T", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "Z",
}

# Silence and the acoustic model's filler phones (breath, cough, noise...): the mouth does not speak.
SILENT = frozenset({"SIL", "+BREATH+", "+COUGH+", "+GARBAGE+", "+NOISE+", "+SMACK+", "+UH+", "+UM+",
                    "+LAUGH+", "+SPN+", "+NSN+", "<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]"})

PAUSE = "_"  # espeak's pause mnemonic


def to_espeak(phone: str) -> str:
    """"AH1" -> "V", "sil" -> "_"; unknown phones become a pause (they are noise, not speech)."""
    p = phone.strip().upper().rstrip("012")
    if p in SILENT or p.startswith("+") or not p:
        return PAUSE
    return ARPABET_TO_ESPEAK.get(p, PAUSE)


def shape_for_arpabet(phone: str) -> MouthShape | None:
    """The mouth shape for one ARPAbet phone; None for silence and noise."""
    return shape_for_phoneme(to_espeak(phone))
