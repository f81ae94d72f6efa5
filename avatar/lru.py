"""A least-recently-used cache bounded by the bytes its values take (turned heads, finished mouths,
still layers kept for repainting): one object per owner, never global."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BytesLru(Generic[K, V]):
    """Values up to `max_bytes` as `size_of` counts them, the least recently used dropped first; the
    newest value always stays, however big. `on_drop(key)` is told of each value dropped."""

    def __init__(self, max_bytes: int, size_of: Callable[[V], int],
                 on_drop: Callable[[K], None] | None = None) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._on_drop = on_drop
        self._items: OrderedDict[K, V] = OrderedDict()
        self.bytes = 0

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= self._size_of(old)
        self._items[key] = value
        self.bytes += self._size_of(value)
        while self.bytes > self.max_bytes and len(self._items) > 1:
            dropped_key, dropped = self._items.popitem(last=False)
            self.bytes -= self._size_of(dropped)
            if self._on_drop is not None:
                self._on_drop(dropped_key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


def surface_bytes(surface) -> int:
    """What a 32-bit pygame surface takes (4 bytes a pixel)."""
    w, h = surface.get_size()
    return w * h * 4
