"""Least-recently-used caches, one object per owner, never global: bounded by how many values they hold
(drawn texts, backgrounds, mouth poses) or by the bytes their values take (turned heads, finished mouths,
still layers kept for repainting)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(value: object) -> int:
    return 1


class Lru(Generic[K, V]):
    """Values up to `limit` as `size_of` counts them (each value 1 without it), the least recently used
    dropped first; the newest value always stays, however big. `on_drop(key)` is told of each value dropped."""

    def __init__(self, limit: int, size_of: Callable[[V], int] = _one,
                 on_drop: Callable[[K], None] | None = None) -> None:
        self.limit = limit
        self._size_of = size_of
        self._on_drop = on_drop
        self._items: OrderedDict[K, V] = OrderedDict()
        self.used = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        old = self._items.pop(key, None)
        if old is not None:
            self.used -= self._size_of(old)
        self._items[key] = value
        self.used += self._size_of(value)
        while self.used > self.limit and len(self._items) > 1:
            dropped_key, dropped = self._items.popitem(last=False)
            self.used -= self._size_of(dropped)
            if self._on_drop is not None:
                self._on_drop(dropped_key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


class BytesLru(Lru[K, V]):
    """An `Lru` whose values take `size_of` bytes, up to `max_bytes`."""

    def __init__(self, max_bytes: int, size_of: Callable[[V], int],
                 on_drop: Callable[[K], None] | None = None) -> None:
        super().__init__(max_bytes, size_of, on_drop)

    @property
    def max_bytes(self) -> int:
        return self.limit

    @property
    def bytes(self) -> int:
        return self.used


def surface_bytes(surface) -> int:
    """What a 32-bit pygame surface takes (4 bytes a pixel)."""
    w, h = surface.get_size()
    return w * h * 4
