"""Short, varied acknowledgements ("Let me see...") said while the model is slow, in the question's language."""

from __future__ import annotations

from avatar.language import guess_language

ENGLISH = ("Let me see.", "Good question.", "Hmm, let me think.", "One moment.", "Let me check that.",
           "Ah, let me see.")
CHINESE = ("让我想一想。", "好问题。", "请稍等。", "嗯，我想想。", "我来看看。")


class Acknowledgements:
    """Hands out acknowledgements in turn, so two visitors in a row do not hear the same words."""

    def __init__(self, english: tuple[str, ...] = ENGLISH, chinese: tuple[str, ...] = CHINESE) -> None:
        self._lines = {"en": english, "zh": chinese}
        self._next = {"en": 0, "zh": 0}

    def next_for(self, question: str) -> str:
        lang = "zh" if guess_language(question) == "zh" else "en"
        lines = self._lines[lang]
        n = self._next[lang]
        self._next[lang] = n + 1
        return lines[n % len(lines)]
