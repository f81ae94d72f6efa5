"""The byte-bounded cache behind the kept heads, mouths and still layers."""

from __future__ import annotations

from avatar.lru import BytesLru


def test_the_least_recently_used_values_go_first_and_the_newest_always_stays() -> None:
    dropped: list[str] = []
    cache: BytesLru[str, bytes] = BytesLru(10, len, on_drop=dropped.append)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"          # "a" is now the most recently used
    cache.put("c", b"1234")                   # 12 bytes: "b" goes
    assert dropped == ["b"] and "b" not in cache and cache.bytes == 8
    cache.put("huge", b"x" * 50)              # bigger than the budget: all else goes, it stays
    assert dropped == ["b", "a", "c"] and len(cache) == 1 and cache.get("huge") is not None
    cache.put("huge", b"xy")                  # replacing a value counts its new size only
    assert cache.bytes == 2
