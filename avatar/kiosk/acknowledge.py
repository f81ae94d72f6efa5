"""Short, varied acknowledgements ("Let me see...") said while the model is slow, in the question's language."""

from __future__ import annotations

ENGLISH = ("Let me see.", "Good question.", "Hmm, let me think.", "One moment.", "Let me check that.",
           "Ah, let me see.")
CHINESE = ("让我想一想。", "好问题。", "请稍等。", "嗯，我想想。", "我来看看。")


def is_chinese(text: str) -> bool:
    """True when the text is mostly written in Chinese characters (CJK ideographs)."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    letters = sum(1 for ch in text if ch.isalpha())
    return han > 0 and han * 2 >= letters


class Acknowledgements:
    """Hands out acknowledgements in turn, so two visitors in a row do not hear the same words."""

    def __init__(self, english: tuple[str, ...] = ENGLISH, chinese: tuple[str, ...] = CHINESE) -> None:
        self._lines = {"en": english, "zh": chinese}
        self._next = {"en": 0, "zh": 0}

    def next_for(self, question: str) -> str:
        lang = "zh" if is_chinese(question) else "en"
        lines = self._lines[lang]
        n = self._next[lang]
        self._next[lang] = n + 1
        return lines[n % len(lines)]
