"""Where the listening models are kept between runs."""

from __future__ import annotations

import os
from pathlib import Path


def listen_cache_dir() -> Path:
    """$AVATAR_CACHE_DIR/listen, else `listen` beside the speech cache in the user cache folder."""
    env = os.environ.get("AVATAR_CACHE_DIR")
    if env:
        return Path(env) / "listen"
    from avatar.tts.cache import default_cache_dir

    return default_cache_dir().parent / "listen"
