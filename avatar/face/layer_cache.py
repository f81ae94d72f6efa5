"""The drawn presenter's built layers (head, body) kept on disk between runs.

Drawing them takes about a quarter of a second at 1080p (hundreds of soft, supersampled shapes), at
the start of every recording and every live show; reading them back takes a few milliseconds. An
entry is keyed by what the layer is drawn from: the look, the size, the sources that draw it and
pygame's version, so a change to any of them draws it afresh. An unreadable entry or a folder that
cannot be written is no error: the layer is then simply drawn.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import pygame

FORMAT_VERSION = 1
MAX_ENTRIES = 32          # layers kept (about 4 MB for a 1080p head and body); the oldest go first
_SOURCES = ("head.py", "body.py", "painter.py", "raster.py", "look.py")   # what draws the layers

Layer = tuple[pygame.Surface, tuple[float, float]]     # the surface and where head (0, 0) lies on it


def layer_cache_dir() -> Path:
    """$AVATAR_CACHE_DIR/layers, else `layers` beside the speech cache in the user cache folder."""
    from avatar.tts.cache import cache_folder

    return cache_folder("layers")


@lru_cache(maxsize=8)
def sources_hash(names: tuple[str, ...]) -> str:
    """A digest of these files of avatar/face: what is kept on disk for them is stale once it changes."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in names:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _sources_hash() -> str:
    return sources_hash(_SOURCES)


def entry_key(kind: str, params: object) -> str:
    """The file name stem for a layer of `kind` drawn from `params` (their repr must say all of them)."""
    blob = json.dumps([FORMAT_VERSION, kind, repr(params), pygame.version.ver, _sources_hash()])
    return f"{kind}-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:32]}"


def cached_layer(kind: str, params: object, build: Callable[[], Layer], folder: Path | None = None) -> Layer:
    """The layer `build()` draws for `params`, from the cache when it was drawn before, else drawn now
    and kept."""
    path = (folder or layer_cache_dir()) / f"{entry_key(kind, params)}.npz"
    layer = _read(path)
    if layer is None:
        layer = build()
        _write(path, layer)
    return layer


def _read(path: Path) -> Layer | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            w, h, pitch, bits, flags = (int(v) for v in data["shape"])
            masks = tuple(int(v) for v in data["masks"])
            origin = (float(data["origin"][0]), float(data["origin"][1]))
            pixels = data["pixels"]
        surface = pygame.Surface((w, h), flags, bits, masks)
        if surface.get_pitch() != pitch or pixels.nbytes != pitch * h:
            return None
        surface.get_buffer().write(pixels.tobytes(), 0)
    except Exception:                  # missing, cut short, not an archive, another layout...
        return None
    try:
        os.utime(path)                 # recently used: kept when the folder is trimmed
    except OSError:
        pass                           # a read-only cache still serves what it holds
    return surface, origin


def _write(path: Path, layer: Layer) -> None:
    surface, origin = layer
    w, h = surface.get_size()
    # A read-only or full disk is no error: the layer is drawn again next time.
    write_npz(path, {"shape": np.array([w, h, surface.get_pitch(), surface.get_bitsize(),
                                        surface.get_flags() & pygame.SRCALPHA], np.int64),
                     "masks": np.array(surface.get_masks(), np.int64), "origin": np.array(origin, np.float64),
                     "pixels": np.frombuffer(bytes(surface.get_buffer()), np.uint8)},
              keep=MAX_ENTRIES)


def write_npz(path: Path, arrays: dict[str, np.ndarray], *, keep: int, pattern: str = "*.npz") -> bool:
    """Write `arrays` to `path` whole or not at all (also with two runs writing at once), then leave only
    the `keep` most recently used files matching `pattern` in its folder. False if the disk said no."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        files = sorted(path.parent.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        return False
    return True
