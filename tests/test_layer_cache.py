"""The drawn presenter's head and body are drawn once per look and size, then read back from disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

import avatar.face.layer_cache as layer_cache
import avatar.face.procedural as procedural
from avatar.face import get_look
from avatar.face.idle import face_state_at
from avatar.scene import Scene
from avatar.scene_state import SceneState

SIZE = (640, 360)


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A fresh cache folder, and the layers actually drawn (not read back) from now on."""
    monkeypatch.setenv("AVATAR_CACHE_DIR", str(tmp_path / "cache"))
    drawn: list[str] = []
    head, body = procedural.build_head, procedural.build_body
    monkeypatch.setattr(procedural, "build_head", lambda *a: (drawn.append("head"), head(*a))[1])
    monkeypatch.setattr(procedural, "build_body", lambda *a: (drawn.append("body"), body(*a))[1])
    return drawn


def frame(look_name: str = "official", size: tuple[int, int] = SIZE) -> np.ndarray:
    """A whole frame of a new scene (so a new presenter, which builds or reads its layers)."""
    scene = Scene(size, get_look(look_name))
    surface = pygame.Surface(size, 0, 32)
    scene.draw(surface, SceneState(t_s=1.0, face=face_state_at(1.0)))
    return pygame.surfarray.array3d(surface)


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "layers").glob("*.npz"))


def test_layers_read_back_draw_exactly_the_frame_freshly_drawn_layers_give(builds: list[str], tmp_path: Path):
    first = frame()
    assert sorted(builds) == ["body", "head"] and len(entries(tmp_path)) == 2
    again = frame()
    assert sorted(builds) == ["body", "head"], "the second presenter drew its layers again"
    assert np.array_equal(first, again)


def test_another_look_or_size_draws_its_own_layers(builds: list[str], tmp_path: Path):
    frame()
    frame("host")
    frame(size=(800, 450))
    assert len(builds) == 6 and len(entries(tmp_path)) == 6


def test_a_changed_drawing_source_draws_the_layers_afresh(builds: list[str], monkeypatch: pytest.MonkeyPatch):
    frame()
    monkeypatch.setattr(layer_cache, "_sources_hash", lambda: "edited")
    frame()
    assert len(builds) == 4


def test_a_damaged_entry_is_drawn_again_and_replaced(builds: list[str], tmp_path: Path):
    want = frame()
    for path in entries(tmp_path):
        path.write_bytes(path.read_bytes()[:1000])          # cut short, as by a full disk
    assert np.array_equal(frame(), want)
    assert len(builds) == 4
    assert np.array_equal(frame(), want) and len(builds) == 4   # the replaced entries read back


def test_a_cache_folder_that_cannot_be_written_only_costs_time(builds: list[str], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("AVATAR_CACHE_DIR", str(blocker))
    want = frame()
    assert np.array_equal(frame(), want) and len(builds) == 4
    assert blocker.read_text().startswith("a file")


def test_the_folder_keeps_the_most_recently_used_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(layer_cache, "MAX_ENTRIES", 3)
    folder = tmp_path / "layers"
    surface = pygame.Surface((8, 4), pygame.SRCALPHA, 32)
    for i in range(5):
        surface.fill((i, 2 * i, 3 * i, 255))
        layer_cache.cached_layer("head", i, lambda: (surface.copy(), (1.5, -2.0)), folder)
    kept = sorted(p.name for p in folder.glob("*.npz"))
    assert len(kept) == 3
    assert kept == sorted(f"{layer_cache.entry_key('head', i)}.npz" for i in (2, 3, 4))
    got, origin = layer_cache.cached_layer("head", 4, lambda: pytest.fail("drawn again"), folder)
    assert origin == (1.5, -2.0) and got.get_at((7, 3)) == (4, 8, 12, 255)


def test_a_read_only_cache_still_serves_what_it_holds(builds: list[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    want = frame()
    monkeypatch.setattr(layer_cache.os, "utime", lambda *a, **k: (_ for _ in ()).throw(PermissionError("read-only")))
    assert np.array_equal(frame(), want)
    assert len(builds) == 2, "layers drawn again because their entry could not be marked as used"
