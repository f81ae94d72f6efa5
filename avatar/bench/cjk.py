"""Figures: a 1080p frame with Chinese captions and their English translation, and the Chinese word segmenter's start."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure

SENTENCE = "2023年，中国数字经济规模达到53.9万亿元，占GDP比重超过40%，我们愿与世界各国分享机遇、共担挑战。"
TRANSLATION = "In 2023 China's digital economy reached 53.9 trillion yuan, more than 40% of GDP."
_SEGMENTER_START = "import time; t = time.perf_counter(); from avatar.textseg import warm_up; warm_up(); " \
                   "print(time.perf_counter() - t)"


def _draw_ms(size: tuple[int, int], frames: int) -> float:
    import pygame

    from avatar.face import get_look
    from avatar.face.idle import face_state_at
    from avatar.lipsync.track import MouthShape
    from avatar.scene import Scene
    from avatar.scene_state import Caption, LowerThird, SceneState
    from avatar.textseg import tokens

    pygame.font.init()
    surface = pygame.Surface(size)
    scene = Scene(size, get_look("official"))
    scene.prepare(surface)
    words = tuple(tokens(SENTENCE))
    lower = LowerThird("王明 Wang Ming", "国家发展和改革委员会")
    states = []
    for i in range(frames):
        t = i / 30.0
        face = face_state_at(t, MouthShape.C if i % 4 < 2 else MouthShape.B, 0.5 + 0.5 * float(np.sin(i)))
        states.append(SceneState(t_s=t, face=face, lower_third=lower,
                                 caption=Caption(SENTENCE, words, int(t / 0.3) % len(words), TRANSLATION)))
    scene.draw(surface, states[0])
    times = []
    for state in states:
        start = time.perf_counter()
        scene.draw(surface, state)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def measure(ctx: BenchContext) -> list[Figure]:
    size = (320, 180) if ctx.quick else (1920, 1080)
    frames = 20 if ctx.quick else 300
    runs = 2 if ctx.quick else ctx.runs
    ctx.log(f"Chinese captions: {runs} runs of {frames} frames at {size[0]}x{size[1]}, segmenter start")
    draws = tuple(_draw_ms(size, frames) for _ in range(runs))
    starts = []
    for _ in range(runs):  # a fresh process each time: the cost a live show or kiosk pays once
        out = subprocess.run([sys.executable, "-c", _SEGMENTER_START], capture_output=True, text=True, check=True)
        starts.append(float(out.stdout.strip().splitlines()[-1]))
    return [Figure("draw_1080p_zh_median_ms", "frame drawing, 1080p, Chinese captions + English translation: median",
                   "ms", draws, Budget(8.0), comparable=not ctx.quick,
                   notes="as the draw figure, with a Chinese caption (word highlight) and its translation below"),
            Figure("zh_segmenter_start_s", "Chinese word segmenter (jieba) start, once per process", "s",
                   tuple(starts), Budget(2.0), comparable=not ctx.quick,
                   notes="paid before a Chinese live show draws its first frame (textseg.warm_up)")]
