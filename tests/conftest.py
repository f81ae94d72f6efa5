"""Shared test set-up: headless SDL, a private speech cache, and small helpers."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or write the user's real speech cache from tests."""
    os.environ["AVATAR_CACHE_DIR"] = str(tmp_path_factory.mktemp("tts-cache"))
