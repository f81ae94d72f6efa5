"""The drawn presenter's built feature poses (eyes, brows, mouth, irises) kept on disk between runs.

A pose's drawing steps (polygons in head units, with their colours) are worked out once per run from
the look: for the sample speech that is about 1300 poses, some 0.25-0.5 s of CPU spread over a
recording, taken from the encoder on a 2-core machine. They do not depend on the frame size, so a
later recording or live show of the same look, at any size, reads them back instead.

A file holds every pose of one look, keyed by what draws them: the look itself, the sources that build
the poses and this format's version; a change to any of them starts a new file. An unreadable file or
a folder that cannot be written is no error: the poses are then simply built.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from avatar.face.layer_cache import sources_hash, write_npz

FORMAT_VERSION = 1
MAX_FILES = 8             # looks kept (about 11 MB each); the least recently used go first
MAX_POSES = 4096          # poses one file (and a run's additions) holds at most: ~40 MB; the sample uses ~1300
_SOURCES = ("features.py", "mouth.py", "raster.py", "look.py")   # what builds the poses

Paint = tuple[int, "tuple[int, int, int] | None", float]        # kind, colour (None: none), alpha
# One list of drawing steps: per step its paint, all their points in head units ((2, n): xs then ys),
# and per step the columns of its points, of its bounds and its end (as avatar.face.features uses them).
StepList = tuple[tuple[Paint, ...], np.ndarray, tuple[tuple[int, int, int], ...]]
_STORES: dict[str, "PoseStore"] = {}      # by file: see `store_for`


def _sources_hash() -> str:
    return sources_hash(_SOURCES)


def file_name(look: object) -> str:
    """The file holding the poses of `look` (its repr must say all of it)."""
    blob = json.dumps([FORMAT_VERSION, repr(look), _sources_hash()])
    return f"poses-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:32]}.npz"


def store_for(look: object) -> "PoseStore":
    """The one store of this process for `look` in the cache folder: every presenter of that look (a window
    resized, a kiosk going full screen) reads the file once and adds to the same store."""
    store = PoseStore(look)
    return _STORES.setdefault(str(store.path), store)


class PoseStore:
    """The poses of one look: `get` what an earlier run (or this one) kept, `add` what was just built,
    `save` to keep this run's additions for the next (nothing is written until then)."""

    def __init__(self, look: object, folder: Path | None = None) -> None:
        """`folder`: where the file lies; $AVATAR_CACHE_DIR/poses, else `poses` beside the speech cache in
        the user cache folder, if None."""
        from avatar.tts.cache import cache_folder

        self.look = look
        self.path = (folder if folder is not None else cache_folder("poses")) / file_name(look)
        self._loaded = False
        self._index: dict[str, int] = {}        # pose key -> entry in the arrays read from disk
        self._arrays: dict[str, np.ndarray] = {}
        self._added: dict[str, tuple[StepList, ...]] = {}

    def get(self, part: str, key: object) -> tuple[StepList, ...] | None:
        """The step lists kept for `part`'s pose `key` (a repr that says all of it), or None."""
        name = f"{part}:{key!r}"
        added = self._added.get(name)
        if added is not None:
            return added
        self._load()
        entry = self._index.get(name)
        return None if entry is None else self._entry(entry)

    def add(self, part: str, key: object, lists: Sequence[StepList]) -> None:
        """Keep the step lists just built for `part`'s pose `key` (written by `save`)."""
        self._load()
        name = f"{part}:{key!r}"
        if name not in self._index and len(self._index) + len(self._added) < MAX_POSES:
            self._added[name] = tuple(lists)

    def save(self) -> None:
        """Write the poses read and added into the file, if any were added (whole or not at all)."""
        if not self._added:
            return
        entries = [(name, self._entry(i)) for name, i in self._index.items()] + list(self._added.items())
        arrays = _pack(entries)
        if not write_npz(self.path, arrays, keep=MAX_FILES, pattern="poses-*.npz"):
            return                               # a read-only or full disk: built again next time
        self._arrays = arrays                    # what the file now holds
        self._index = {name: i for i, (name, _) in enumerate(entries)}
        self._added = {}

    # -- inside ---------------------------------------------------------------------------------

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            with np.load(self.path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            names = [str(n) for n in arrays["keys"]]
            if not _consistent(arrays, len(names)):
                return
        except Exception:                        # missing, cut short, not an archive, another layout...
            return
        self._arrays = arrays
        self._index = {name: i for i, name in enumerate(names)}
        try:
            os.utime(self.path)                  # recently used: kept when the folder is trimmed
        except OSError:
            pass

    def _entry(self, entry: int) -> tuple[StepList, ...]:
        a = self._arrays
        first, last = (int(v) for v in a["entries"][entry:entry + 2])
        out = []
        for t in range(first, last):
            p0, p1 = (int(v) for v in a["list_paint"][t:t + 2])
            c0, c1 = (int(v) for v in a["list_points"][t:t + 2])
            paint = tuple((int(kind), None if r < 0 else (int(r), int(g), int(b)), alpha)
                          for kind, r, g, b, alpha in a["paint"][p0:p1].tolist())
            spans = tuple((s, m, e) for s, m, e in a["spans"][p0:p1].tolist())
            out.append((paint, a["points"][c0:c1].reshape(2, -1), spans))   # xs then ys: a view, no copy
        return tuple(out)


def _consistent(a: dict[str, np.ndarray], count: int) -> bool:
    """Whether the arrays of a file hold `count` entries whose offsets all lie in order inside them."""
    entries, paint_at, points_at = a["entries"], a["list_paint"], a["list_points"]
    lists = len(paint_at) - 1
    return (len(entries) == count + 1 and len(points_at) == lists + 1 and entries[0] == 0
            and entries[-1] == lists and paint_at[0] == 0 and points_at[0] == 0
            and paint_at[-1] == len(a["paint"]) == len(a["spans"]) and points_at[-1] == len(a["points"])
            and a["paint"].shape[1:] == (5,) and a["spans"].shape[1:] == (3,)
            and bool(np.all(np.diff(entries) >= 0)) and bool(np.all(np.diff(paint_at) >= 0))
            and bool(np.all(np.diff(points_at) % 2 == 0)) and bool(np.all(np.diff(points_at) >= 0)))


def _pack(entries: list[tuple[str, tuple[StepList, ...]]]) -> dict[str, np.ndarray]:
    """The arrays of a file: per entry its step lists, per list its steps' paint and spans and its points
    (its xs then its ys, one run of `points` each list)."""
    entry_at, paint_at, points_at = [0], [0], [0]
    paint_rows: list[tuple[float, float, float, float, float]] = []
    span_rows: list[tuple[int, int, int]] = []
    points: list[np.ndarray] = []
    for _, lists in entries:
        for paint, pts, spans in lists:
            paint_rows += [(kind, *(color if color is not None else (-1, -1, -1)), alpha)
                           for kind, color, alpha in paint]
            span_rows += spans
            points.append(np.asarray(pts, np.float64).reshape(-1))
            paint_at.append(len(paint_rows))
            points_at.append(points_at[-1] + len(points[-1]))
        entry_at.append(len(paint_at) - 1)
    return {"keys": np.array([name for name, _ in entries], dtype=str),
            "entries": np.array(entry_at, np.int64),
            "list_paint": np.array(paint_at, np.int64), "list_points": np.array(points_at, np.int64),
            "paint": np.array(paint_rows, np.float64).reshape(-1, 5),
            "spans": np.array(span_rows, np.int64).reshape(-1, 3),
            "points": np.concatenate(points) if points else np.zeros(0, np.float64)}
