"""The drawn presenter's feature poses are built once per look, kept on disk, and read back as the same pixels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

import avatar.face.pose_store as pose_store
from avatar.face import get_look
from avatar.face.features import Features
from avatar.face.pose_store import PoseStore
from avatar.face.state import FaceState
from avatar.lipsync.track import MouthShape

ROOT = Path(__file__).resolve().parents[1]
UNIT_PX = 240.0
SHAPES = (MouthShape.X, MouthShape.B, MouthShape.C, MouthShape.D, MouthShape.E, MouthShape.F)


def states() -> list[FaceState]:
    """Mouth shapes and openings, blinks, glances, raised brows and expressions: every kind of pose."""
    out = []
    for i, shape in enumerate(SHAPES):
        out.append(FaceState(mouth_shape=shape, mouth_open=0.2 * i, blink=(0.0, 0.6, 1.0)[i % 3],
                             gaze_x=0.3 * (i - 3) / 3, gaze_y=0.1 * (i % 2), brow_raise=0.25 * (i % 4),
                             expression=("neutral", "smile", "surprised", "serious")[i % 4], expression_amount=0.8))
    return out


def draw(parts: Features, state: FaceState) -> np.ndarray:
    """The eyes, brows and mouth of `state` over a plain skin, slightly turned, as an array."""
    surface = pygame.Surface((int(UNIT_PX), int(UNIT_PX)), 0, 32)
    surface.fill(parts.look.skin)
    centre = (UNIT_PX / 2 + 0.3, UNIT_PX / 3 + 0.6)
    parts.draw_eyes(surface, *centre, 0.7, state)
    parts.draw_brows(surface, *centre, 0.7, state)
    parts.draw_mouth(surface, *centre, 0.7, state)
    return pygame.surfarray.array3d(surface)


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The poses actually built (not read back) from now on, by part."""
    built: list[str] = []
    for name, part in (("_build_mouth", "mouth"), ("_build_eyes", "eyes"), ("_brow", "brows"), ("_iris", "iris")):
        real = getattr(Features, name)
        monkeypatch.setattr(Features, name, lambda self, *a, _r=real, _p=part: (built.append(_p), _r(self, *a))[1])
    return built


def test_poses_read_back_draw_the_same_pixels_and_nothing_is_built_again(tmp_path: Path, builds: list[str]):
    look = get_look("official")
    first = Features(look, UNIT_PX, PoseStore(look, tmp_path))
    fresh = [draw(first, s) for s in states()]
    assert {"mouth", "eyes", "brows", "iris"} <= set(builds)
    assert not list(tmp_path.glob("*.npz")), "nothing is written before it is asked for"
    first.store.save()
    assert len(list(tmp_path.glob("poses-*.npz"))) == 1
    builds.clear()
    # Another run, at another size too: the poses are in head units.
    again = Features(look, UNIT_PX, PoseStore(look, tmp_path))
    bigger = Features(look, 2 * UNIT_PX, again.store)
    read = [draw(again, s) for s in states()]
    draw(bigger, states()[2])
    assert builds == [], f"built again: {builds}"
    for i, (a, b) in enumerate(zip(fresh, read)):
        assert np.array_equal(a, b), f"state {i}: the pose read back draws other pixels"


def test_a_run_adds_its_new_poses_to_those_kept(tmp_path: Path, builds: list[str]):
    look = get_look("official")
    one = Features(look, UNIT_PX, PoseStore(look, tmp_path))
    draw(one, states()[0])
    one.store.save()
    two = Features(look, UNIT_PX, PoseStore(look, tmp_path))
    draw(two, states()[0])
    draw(two, states()[3])
    two.store.save()
    builds.clear()
    three = Features(look, UNIT_PX, PoseStore(look, tmp_path))
    draw(three, states()[0])
    draw(three, states()[3])
    assert builds == []


def test_another_look_or_changed_sources_build_their_own(tmp_path: Path, builds: list[str],
                                                         monkeypatch: pytest.MonkeyPatch):
    official, host = get_look("official"), get_look("host")
    kept = Features(official, UNIT_PX, PoseStore(official, tmp_path))
    draw(kept, states()[1])
    kept.store.save()
    builds.clear()
    draw(Features(host, UNIT_PX, PoseStore(host, tmp_path)), states()[1])
    assert "mouth" in builds
    builds.clear()
    monkeypatch.setattr(pose_store, "_sources_hash", lambda: "edited")
    draw(Features(official, UNIT_PX, PoseStore(official, tmp_path)), states()[1])
    assert "mouth" in builds


def test_an_unreadable_file_or_folder_is_no_error(tmp_path: Path, builds: list[str]):
    look = get_look("official")
    store = PoseStore(look, tmp_path)
    store.path.write_bytes(b"not an archive")
    parts = Features(look, UNIT_PX, store)
    expected = draw(Features(look, UNIT_PX, PoseStore(look, tmp_path / "other")), states()[4])
    assert np.array_equal(draw(parts, states()[4]), expected)
    store.save()                                     # replaces the broken file with a good one
    builds.clear()
    draw(Features(look, UNIT_PX, PoseStore(look, tmp_path)), states()[4])
    assert builds == []
    # A whole archive whose offsets do not fit its arrays is ignored too, not drawn from.
    with np.load(store.path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["list_points"] = arrays["list_points"][::-1].copy()
    np.savez(store.path, **arrays)
    builds.clear()
    assert np.array_equal(draw(Features(look, UNIT_PX, PoseStore(look, tmp_path)), states()[4]), expected)
    assert "mouth" in builds
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    nowhere = Features(look, UNIT_PX, PoseStore(look, blocked / "poses"))
    draw(nowhere, states()[4])
    nowhere.store.save()                             # cannot write there: silently built again next time


def test_presenters_of_one_look_share_one_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A window resized or a kiosk going full screen makes another presenter: it reads the same poses and
    adds to the same store (one file read, nothing saved twice over another's additions)."""
    from avatar.face.procedural import ProceduralFace

    monkeypatch.setenv("AVATAR_CACHE_DIR", str(tmp_path))
    one, two = ProceduralFace(get_look("official")), ProceduralFace(get_look("official"))
    assert one.poses is two.poses and one.poses.path.parent == tmp_path / "poses"
    assert ProceduralFace(get_look("host")).poses is not one.poses


def test_the_folder_keeps_the_most_recently_used_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pose_store, "MAX_FILES", 2)
    looks = [get_look(name) for name in ("official", "host", "presenter")]
    for look in looks:
        parts = Features(look, UNIT_PX, PoseStore(look, tmp_path))
        draw(parts, states()[0])
        parts.store.save()
    kept = sorted(p.name for p in tmp_path.glob("poses-*.npz"))
    assert kept == sorted(pose_store.file_name(look) for look in looks[1:])


def test_a_recording_keeps_its_poses_for_the_next(tmp_path: Path) -> None:
    """`avatar record` writes the poses it built into the cache folder once the video is made."""
    script = tmp_path / "short.md"
    script.write_text("We open the market today!\n", "utf-8")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT),
               AVATAR_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "avatar", "record", str(script), "-o", str(tmp_path / "a.mp4"),
                           "--size", "160x90", "--quiet"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    kept = list((tmp_path / "cache" / "poses").glob("poses-*.npz"))
    assert len(kept) == 1
    with np.load(kept[0]) as data:
        names = [str(n) for n in data["keys"]]
    assert any(n.startswith("mouth:") for n in names) and any(n.startswith("eyes:") for n in names)
