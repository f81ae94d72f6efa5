"""The visitor's question as it is typed: printable text only, capped, edited at the end."""

from __future__ import annotations

import unicodedata

# Unicode categories never kept from typed text: controls, format marks (bidi, zero-width), unassigned.
_DROP = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def printable(text: str) -> str:
    """`text` without control and invisible format characters; tabs and newlines become spaces."""
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(ch) not in _DROP:
            out.append(ch)
    return "".join(out)


class TextBox:
    """Holds what is typed; `insert` and `backspace` return True when the text changed."""

    def __init__(self, max_chars: int = 500) -> None:
        self.max_chars = max(1, max_chars)
        self.text = ""

    def insert(self, typed: str) -> bool:
        piece = printable(typed)
        if not self.text:
            piece = piece.lstrip()  # a question does not start with blanks
        piece = piece[:max(0, self.max_chars - len(self.text))]
        if not piece:
            return False
        self.text += piece
        return True

    def backspace(self) -> bool:
        if not self.text:
            return False
        self.text = self.text[:-1]
        return True

    def delete_word(self) -> bool:
        """Ctrl+Backspace: remove the last word and the spaces after it."""
        if not self.text:
            return False
        stripped = self.text.rstrip()
        cut = stripped.rfind(" ")
        self.text = stripped[:cut + 1] if cut >= 0 else ""
        return True

    def take(self) -> str:
        """The question, leaving the box empty."""
        text, self.text = self.text, ""
        return text.strip()

    def clear(self) -> bool:
        had = bool(self.text)
        self.text = ""
        return had
