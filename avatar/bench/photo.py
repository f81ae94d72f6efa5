"""Figures: the photo presenter's 1080p frame (median, p99) and its rig build for a 12-megapixel photo."""

from __future__ import annotations

from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure


def measure(ctx: BenchContext) -> list[Figure]:
    try:
        import mediapipe  # noqa: F401
        from matplotlib import cbook  # noqa: F401
    except ImportError:
        ctx.log("photo presenter: skipped (pip install 'avatar[photo]' and matplotlib)")
        return []
    from avatar.face.photo_bench import bench_photo_draw, bench_rig_build, sample_portrait

    size = (320, 180) if ctx.quick else (1920, 1080)
    frames = 20 if ctx.quick else 300
    runs = 2 if ctx.quick else ctx.runs
    photo = sample_portrait(ctx.workdir)
    ctx.log(f"photo presenter: {runs} runs of {frames} frames at {size[0]}x{size[1]}")
    results = [bench_photo_draw(photo, size=size, frames=frames) for _ in range(runs)]
    big = sample_portrait(ctx.workdir, 12.0)
    builds = tuple(bench_rig_build(big) for _ in range(1 if ctx.quick else 3))
    extra = {"size": list(size), "frames_per_run": frames, "build_ms": [r["build_ms"] for r in results]}
    label = "photo presenter frame, 1080p scene with captions"
    return [Figure("photo_draw_1080p_median_ms", f"{label}: median", "ms", tuple(r["median_ms"] for r in results),
                   Budget(8.0), notes="Grace Hopper's portrait talking; every pose drawn once before timing",
                   comparable=not ctx.quick, extra=extra),
            Figure("photo_draw_1080p_p99_ms", f"{label}: p99", "ms", tuple(r["p99_ms"] for r in results),
                   Budget(16.0), notes="99th percentile frame time of each run; the median over runs is shown",
                   comparable=not ctx.quick, extra=extra),
            Figure("photo_rig_build_12mp_s", "photo rig build, 12-megapixel photo", "s", builds,
                   notes="read, downscale, two landmark passes, portrait crop (then cached by content)",
                   comparable=not ctx.quick)]
