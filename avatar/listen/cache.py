"""Where the listening models are kept between runs."""

from __future__ import annotations

from pathlib import Path


def listen_cache_dir() -> Path:
    """$AVATAR_CACHE_DIR/listen, else `listen` beside the speech cache in the user cache folder."""
    from avatar.tts.cache import cache_folder

    return cache_folder("listen")
