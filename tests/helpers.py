"""Shared by tests: the environment for running `python -m avatar` as a user would, and caption word spans."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def subprocess_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Headless SDL, the checkout on the path, and nothing of the user's: no config, cache or key."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT),
               XDG_CONFIG_HOME=str(tmp / "xdg"), AVATAR_CACHE_DIR=str(tmp / "cache"))
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AVATAR_CONFIG"):
        env.pop(key, None)
    env.update(extra)
    return env


def word_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) character spans of the space-separated words of `text`, as captions carry them."""
    out, pos = [], 0
    for word in text.split():
        start = text.index(word, pos)
        out.append((start, start + len(word)))
        pos = start + len(word)
    return tuple(out)
