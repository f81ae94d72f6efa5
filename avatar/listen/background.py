"""Everyday English words and how common they are, from PocketSphinx's general language model: the
background that lets a visitor use words the kiosk's own text never does ("exactly", "remember")."""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

from avatar.listen.cache import listen_cache_dir
from avatar.listen.sphinx_files import cmudict_path, generic_lm_path

COMMON_WORDS = 3000
_WORD = re.compile(r"[a-z][a-z']*")


def common_words(n: int = COMMON_WORDS, cache_dir: Path | None = None) -> dict[str, float]:
    """The `n` most likely single words of the general model (with a CMU pronunciation), as
    probabilities that sum to one. Read once per PocketSphinx version, then from the cache."""
    from importlib.metadata import version

    folder = cache_dir or listen_cache_dir()
    path = folder / f"common-{version('pocketsphinx')}-{n}.json"
    try:
        return dict(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    words = _rank(n)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(words, f)
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: ranked again next time (under a second)
    return words


def _rank(n: int) -> dict[str, float]:
    import pocketsphinx

    logmath = pocketsphinx.LogMath(1.0001)
    model = pocketsphinx.NGramModel(pocketsphinx.Config(), logmath, str(generic_lm_path()))
    with open(cmudict_path(), encoding="utf-8", errors="replace") as f:
        vocab = {line.split(" ", 1)[0].split("(", 1)[0] for line in f}
    scored = sorted(((model.prob([w]), w) for w in vocab if _WORD.fullmatch(w)), reverse=True)[:n]
    probs = {w: math.exp(logmath.log_to_ln(s)) for s, w in scored}
    total = sum(probs.values())
    return {w: p / total for w, p in probs.items()}
