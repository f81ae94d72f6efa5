"""How long a full frame (presenter, captions, lower third) takes to draw: median and p99 in ms."""

from __future__ import annotations

import time

import numpy as np
import pygame

from avatar.face.idle import face_state_at
from avatar.face.look import get_look
from avatar.lipsync.track import MouthShape
from avatar.scene_state import Caption, LowerThird, SceneState

_SENTENCE = "Good morning, everyone, and thank you for joining us today to talk about the year ahead."
_SHAPES = (MouthShape.B, MouthShape.C, MouthShape.X, MouthShape.D, MouthShape.E, MouthShape.F,
           MouthShape.A, MouthShape.G, MouthShape.H, MouthShape.C, MouthShape.B)


def _words(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    pos = 0
    for w in text.split():
        start = text.index(w, pos)
        spans.append((start, start + len(w)))
        pos = start + len(w)
    return tuple(spans)


def bench_draw(size: tuple[int, int] = (1920, 1080), frames: int = 300, *, look: str = "official",
               fps: float = 30.0, slide_path: str | None = None, face: object | None = None,
               lower_third: LowerThird = LowerThird("Li Wei", "Director, City Planning Office"),
               see_every_pose_first: bool = False) -> dict[str, float]:
    """Draw `frames` frames of a talking presenter with captions; times exclude the one-off build.

    `face` (anything with the drawn face's `prepare` and `draw`) replaces the look's drawn presenter;
    `see_every_pose_first` draws every frame once before timing (faces that build each pose's pieces
    on first sight, as they will have done early in a long talk).

    Returns median_ms, p99_ms, max_ms, mean_ms and build_ms (building the caches before frame one).
    """
    from avatar.scene import Scene   # the scene sits above the face package

    if not pygame.font.get_init():
        pygame.font.init()
    surface = pygame.Surface(size)
    t0 = time.perf_counter()
    scene = Scene(size, get_look(look), face=face)  # type: ignore[arg-type]
    scene.prepare(surface)
    build_ms = (time.perf_counter() - t0) * 1000.0
    words = _words(_SENTENCE)
    lower = lower_third
    states = []
    for i in range(frames):
        t = i / fps
        word = int(t / 0.3) % len(words)
        mouth_open = 0.5 + 0.5 * np.sin(i * 0.9)
        pose = face_state_at(t, _SHAPES[(i // 3) % len(_SHAPES)], float(mouth_open),
                             "smile" if (i // 90) % 2 else "neutral", emphasis=float(i % 40 < 6))
        states.append(SceneState(t_s=t, face=pose, caption=Caption(_SENTENCE, words, word),
                                 lower_third=lower, slide_path=slide_path))
    for state in states if see_every_pose_first else states[:1]:
        scene.draw(surface, state)          # fills the per-pose caches
    times = []
    for state in states:
        start = time.perf_counter()
        scene.draw(surface, state)
        times.append((time.perf_counter() - start) * 1000.0)
    arr = np.array(times)
    return {"median_ms": float(np.median(arr)), "p99_ms": float(np.percentile(arr, 99)),
            "max_ms": float(arr.max()), "mean_ms": float(arr.mean()), "build_ms": build_ms,
            "frames": float(frames)}
