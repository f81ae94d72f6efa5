"""Figures: drawing one 1080p frame of the scene with presenter, captions and lower third (median, p99)."""

from __future__ import annotations

import numpy as np

from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure


def measure(ctx: BenchContext) -> list[Figure]:
    import pygame

    from avatar.bench.draw_frames import bench_draw

    size = (320, 180) if ctx.quick else (1920, 1080)
    frames = 20 if ctx.quick else 300
    runs = 2 if ctx.quick else ctx.runs
    ctx.log(f"frame drawing: {runs} runs of {frames} frames at {size[0]}x{size[1]}")
    pygame.font.init()
    results = [bench_draw(size=size, frames=frames) for _ in range(runs)]
    medians = tuple(r["median_ms"] for r in results)
    p99s = tuple(r["p99_ms"] for r in results)
    extra = {"size": list(size), "frames_per_run": frames,
             "max_ms": [r["max_ms"] for r in results], "build_ms": [r["build_ms"] for r in results]}
    note = (f"{size[0]}x{size[1]}, {frames} frames of a talking presenter with captions and lower third per run, "
            f"drawn on an off-screen surface; the one-off cache build (median "
            f"{float(np.median(extra['build_ms'])):.0f} ms) is not in these")
    label = "frame drawing, 1080p scene with captions"
    return [Figure("draw_1080p_median_ms", f"{label}: median", "ms", medians, Budget(8.0),
                   notes=note, comparable=not ctx.quick, extra=extra),
            Figure("draw_1080p_p99_ms", f"{label}: p99", "ms", p99s, Budget(16.0),
                   notes="99th percentile frame time of each run; the median over runs is shown",
                   comparable=not ctx.quick, extra=extra)]
