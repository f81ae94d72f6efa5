"""Figures: drawing one 1080p frame with the sample sprite-pack presenter (median, p99), next to the drawn one."""

from __future__ import annotations

import numpy as np

from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure


def measure(ctx: BenchContext) -> list[Figure]:
    import pygame

    from avatar.assets import sample_sprite_pack
    from avatar.bench.draw_frames import bench_draw
    from avatar.face.look import get_look
    from avatar.face.sprites import SpriteFace

    size = (320, 180) if ctx.quick else (1920, 1080)
    frames = 20 if ctx.quick else 300
    runs = 2 if ctx.quick else ctx.runs
    ctx.log(f"sprite presenter drawing: {runs} runs of {frames} frames at {size[0]}x{size[1]}")
    pygame.font.init()
    results = [bench_draw(size=size, frames=frames, face=SpriteFace(sample_sprite_pack(), get_look("official")))
               for _ in range(runs)]
    medians = tuple(r["median_ms"] for r in results)
    p99s = tuple(r["p99_ms"] for r in results)
    extra = {"size": list(size), "frames_per_run": frames,
             "max_ms": [r["max_ms"] for r in results], "build_ms": [r["build_ms"] for r in results]}
    note = (f"{size[0]}x{size[1]}, {frames} frames of the sample sprite pack (assets/faces/sample-sprites) talking "
            f"with captions and lower third per run; the one-off scaling of the pack (median "
            f"{float(np.median(extra['build_ms'])):.0f} ms with the scene's other caches) is not in these")
    label = "frame drawing, 1080p scene, sprite-pack presenter"
    return [Figure("draw_sprites_1080p_median_ms", f"{label}: median", "ms", medians, Budget(8.0),
                   notes=note, comparable=not ctx.quick, extra=extra),
            Figure("draw_sprites_1080p_p99_ms", f"{label}: p99", "ms", p99s, Budget(16.0),
                   notes="99th percentile frame time of each run; the median over runs is shown",
                   comparable=not ctx.quick, extra=extra)]
