"""How well a question was heard: word errors against what was said, both in spoken words."""

from __future__ import annotations

from avatar.listen.numbers import spoken_words


def word_errors(reference: list[str], heard: list[str]) -> int:
    """Word-level edit distance (substitutions, insertions and deletions)."""
    row = list(range(len(heard) + 1))
    for i, ref in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, word in enumerate(heard, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ref != word))
    return row[-1]


def spoken_word_errors(said: str, heard: str) -> tuple[int, int]:
    """(errors, words said) with both texts as spoken words, so "2023" and "twenty twenty three" agree."""
    reference = spoken_words(said)
    return word_errors(reference, spoken_words(heard)), len(reference)
