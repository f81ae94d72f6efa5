"""Which language a piece of text is written in, guessed from its script (Han characters -> "zh")."""

from __future__ import annotations

import re

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")

# Tags people write for Chinese, all meaning the Mandarin voice and the Mandarin mouth chart.
_CHINESE = frozenset({"zh", "zh-cn", "zh-hans", "zh-sg", "zh-tw", "zh-hant", "cmn", "cmn-latn-pinyin"})


def is_han(ch: str) -> bool:
    """A Chinese character (simplified or traditional)."""
    return bool(_HAN.match(ch))


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def guess_language(text: str, default: str = "en") -> str:
    """"zh" when Chinese characters outnumber Latin words, "ja"/"ko" for kana/hangul, "en" for Latin
    words when `default` is "" or one of those, else `default` (also for text with no letters at all,
    such as "2023?")."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    han = han_count(text)
    if han and han >= len(_LATIN_WORD.findall(text)):
        return "zh"
    if han == 0 and _LATIN_WORD.search(text) and default in ("", "zh", "ja", "ko"):
        return "en"
    return default


def base_language(tag: str) -> str:
    """A language tag reduced to what the presenter distinguishes: "zh-CN", "cmn" -> "zh"; "en-GB" -> "en"."""
    t = tag.strip().lower().replace("_", "-")
    if t in _CHINESE or t.startswith("zh-") and t not in ("zh-hk", "zh-yue"):
        return "zh"
    return t.split("-", 1)[0] if t else ""


def script_language(declared: str, text: str) -> str:
    """A speech's language: the one its front matter declares, unless that is the default English
    and the text is written in Chinese characters (a script that never said `language = "zh"`)."""
    if base_language(declared) in ("", "en"):
        return guess_language(text, declared or "en")
    return declared
