"""Figures: drawing one 1080p frame of the scene with presenter, captions and lower third (median, p99)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure


def measure(ctx: BenchContext) -> list[Figure]:
    return drawing_figures(
        ctx, key="draw_1080p", label="frame drawing, 1080p scene with captions", log="frame drawing",
        note=lambda w, h, frames, build_ms: (
            f"{w}x{h}, {frames} frames of a talking presenter with captions and lower third per run, "
            f"drawn on an off-screen surface; the one-off cache build (median {build_ms:.0f} ms) is not in these"))


def drawing_figures(ctx: BenchContext, *, key: str, label: str, log: str,
                    note: Callable[[int, int, int, float], str], face: Callable[[], Any] | None = None
                    ) -> list[Figure]:
    """Median and p99 frame-drawing figures (`{key}_median_ms`, `{key}_p99_ms`) for the scene with a face
    (the drawn presenter unless `face` makes another), several runs of talking frames."""
    import pygame

    from avatar.bench.draw_frames import bench_draw

    size = (320, 180) if ctx.quick else (1920, 1080)
    frames = 20 if ctx.quick else 300
    runs = 2 if ctx.quick else ctx.runs
    ctx.log(f"{log}: {runs} runs of {frames} frames at {size[0]}x{size[1]}")
    pygame.font.init()
    results = [bench_draw(size=size, frames=frames, **({"face": face()} if face else {})) for _ in range(runs)]
    medians = tuple(r["median_ms"] for r in results)
    p99s = tuple(r["p99_ms"] for r in results)
    extra = {"size": list(size), "frames_per_run": frames,
             "max_ms": [r["max_ms"] for r in results], "build_ms": [r["build_ms"] for r in results]}
    text = note(size[0], size[1], frames, float(np.median(extra["build_ms"])))
    return [Figure(f"{key}_median_ms", f"{label}: median", "ms", medians, Budget(8.0),
                   notes=text, comparable=not ctx.quick, extra=extra),
            Figure(f"{key}_p99_ms", f"{label}: p99", "ms", p99s, Budget(16.0),
                   notes="99th percentile frame time of each run; the median over runs is shown",
                   comparable=not ctx.quick, extra=extra)]
