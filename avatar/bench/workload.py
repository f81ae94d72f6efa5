"""Speech scripts of a chosen length made from the sample speech, with sentences the cache has not seen."""

from __future__ import annotations

import re
from pathlib import Path

from avatar.bench.context import SAMPLE_SPEECH

# The sample speech lasts about 142 s for its ~395 spoken words at its rate of 165 wpm,
# pauses included: this turns a wanted length into a number of words.
WORDS_PER_S = 395 / 142.0
_SENTENCE_END = re.compile(r"(?<=[A-Za-z])([.!?])(?=[\"”’)]*(\s|$))")


def _split_sample(path: Path = SAMPLE_SPEECH) -> tuple[str, list[str]]:
    """The front matter (with its +++ lines) and the body's blocks (paragraphs and directive lines)."""
    text = path.read_text("utf-8")
    lines = text.splitlines()
    front_end = lines.index("+++", 1) if lines and lines[0] == "+++" else -1
    front = "\n".join(lines[:front_end + 1])
    blocks = [b.strip() for b in "\n".join(lines[front_end + 1:]).split("\n\n") if b.strip()]
    return front, blocks


def _tag(line: str, tag: str) -> str:
    """Append `tag` to every sentence of a spoken line (directive lines stay as they are)."""
    if line.lstrip().startswith("[") and line.rstrip().endswith("]"):
        return line
    return _SENTENCE_END.sub(lambda m: f" {tag}{m.group(1)}", line)


def _words(block: str) -> int:
    spoken = re.sub(r"\[[^\]]*\]", " ", block)
    return len(spoken.split())


def speech_of_length(seconds: float, *, tag: str = "") -> str:
    """A script from the sample's paragraphs, repeated until it lasts about `seconds`.

    The first pass is the sample itself; later passes end every sentence with their pass number
    (and `tag`, if given), so no sentence repeats and a speech cache cannot shorten the work.
    """
    front, blocks = _split_sample()
    want_words = max(1.0, seconds * WORDS_PER_S)
    out: list[str] = []
    words = 0
    n = 0
    while words < want_words:
        rep, i = divmod(n, len(blocks))
        n += 1
        block = blocks[i]
        if i == 0 and rep > 0:
            out.append("[pause 1s]")
        label = " ".join(p for p in (tag, str(rep + 1) if rep else "") if p)
        tagged = "\n".join(_tag(line, label) for line in block.splitlines()) if label else block
        out.append(tagged)
        words += _words(tagged)  # the tags are spoken too
    return front + "\n" + "\n\n".join(out) + "\n"


def write_speech(folder: Path, seconds: float, *, tag: str = "", name: str = "") -> Path:
    path = folder / (name or f"speech-{int(round(seconds))}s.md")
    path.write_text(speech_of_length(seconds, tag=tag), "utf-8")
    return path


TINY_SPEECH = """+++
title = "Bench"
speaker = "Bench Presenter"
role = "Benchmark"
rate = 175
+++
Good morning, everyone. This is a short test of the presenter.
"""


def write_tiny(folder: Path, name: str = "tiny.md") -> Path:
    """A two-sentence speech (a few seconds) for --quick runs."""
    path = folder / name
    path.write_text(TINY_SPEECH, "utf-8")
    return path
