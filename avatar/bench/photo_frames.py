"""Timing the photo presenter: one scene frame at a size (median, p99) and building the rig of a large photo."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame

from avatar.face.idle import face_state_at
from avatar.face.look import get_look
from avatar.lipsync.track import MouthShape
from avatar.scene_state import Caption, LowerThird, SceneState

_SENTENCE = "Good morning, everyone, and thank you for joining us today to talk about the year ahead."
_SHAPES = (MouthShape.B, MouthShape.C, MouthShape.X, MouthShape.D, MouthShape.E, MouthShape.F,
           MouthShape.A, MouthShape.G, MouthShape.H, MouthShape.C, MouthShape.B)


def sample_portrait(folder: Path, megapixels: float = 0.0) -> Path:
    """Grace Hopper's portrait (matplotlib's sample data), optionally enlarged to about `megapixels`."""
    from matplotlib import cbook
    from PIL import Image

    src = Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")
    path = folder / ("portrait.jpg" if not megapixels else f"portrait-{megapixels:g}mp.jpg")
    if megapixels:
        f = (megapixels * 1e6 / (src.width * src.height)) ** 0.5
        src = src.resize((round(src.width * f), round(src.height * f)), Image.BICUBIC)
    src.save(path, quality=92)
    return path


def bench_photo_draw(photo: Path, size: tuple[int, int] = (1920, 1080), frames: int = 300,
                     fps: float = 30.0) -> dict[str, float]:
    """Draw `frames` frames of the photo presenter talking with captions; every pose seen once before timing."""
    from avatar.scene import Scene

    if not pygame.font.get_init():
        pygame.font.init()
    surface = pygame.Surface(size)
    t0 = time.perf_counter()
    scene = Scene(size, replace(get_look("official"), face=str(photo)))
    scene.prepare(surface)
    build_ms = (time.perf_counter() - t0) * 1000.0
    words = tuple((m, m + 1) for m in range(0, len(_SENTENCE), 6))
    lower = LowerThird("Grace Hopper", "Rear Admiral")
    states = []
    for i in range(frames):
        t = i / fps
        face = face_state_at(t, _SHAPES[(i // 3) % len(_SHAPES)], float(0.5 + 0.5 * np.sin(i * 0.9)),
                             "smile" if (i // 90) % 2 else "neutral", emphasis=float(i % 40 < 6))
        states.append(SceneState(t_s=t, face=face, caption=Caption(_SENTENCE, words, (i // 9) % len(words)),
                                 lower_third=lower))
    for state in states:                      # the poses' patches are built once, as in a long talk
        scene.draw(surface, state)
    times = []
    for state in states:
        start = time.perf_counter()
        scene.draw(surface, state)
        times.append((time.perf_counter() - start) * 1000.0)
    arr = np.array(times)
    return {"median_ms": float(np.median(arr)), "p99_ms": float(np.percentile(arr, 99)),
            "max_ms": float(arr.max()), "build_ms": build_ms, "frames": float(frames)}


def bench_rig_build(photo: Path) -> float:
    """Seconds to read the photo, find the face twice and cut the portrait (no cache)."""
    from avatar.face.photo_rig import build_rig

    start = time.perf_counter()
    build_rig(photo)
    return time.perf_counter() - start
