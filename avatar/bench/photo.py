"""Figures: the photo presenter's 1080p frame (median, p99), `avatar record --face` at 720p next to the drawn
presenter in the same run, and the rig build for a 12-megapixel photo."""

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
    from avatar.bench.photo_frames import bench_photo_draw, bench_rig_build, sample_portrait

    size = (320, 180) if ctx.quick else (1920, 1080)
    frames = 20 if ctx.quick else 300
    runs = 2 if ctx.quick else ctx.runs
    photo = sample_portrait(ctx.workdir)
    ctx.log(f"photo presenter: {runs} runs of {frames} frames at {size[0]}x{size[1]}")
    results = [bench_photo_draw(photo, size=size, frames=frames) for _ in range(runs)]
    big = sample_portrait(ctx.workdir, 12.0)
    builds = tuple(bench_rig_build(big) for _ in range(1 if ctx.quick else 3))
    extra = {"size": list(size), "frames_per_run": frames, "build_ms": [r["build_ms"] for r in results]}
    photo_x, drawn_x, video_s = _record(ctx, photo)
    label = "photo presenter frame, 1080p scene with captions"
    return [Figure("photo_draw_1080p_median_ms", f"{label}: median", "ms", tuple(r["median_ms"] for r in results),
                   Budget(8.0), notes="Grace Hopper's portrait talking; every pose drawn once before timing",
                   comparable=not ctx.quick, extra=extra),
            Figure("photo_draw_1080p_p99_ms", f"{label}: p99", "ms", tuple(r["p99_ms"] for r in results),
                   Budget(16.0), notes="99th percentile frame time of each run; the median over runs is shown",
                   comparable=not ctx.quick, extra=extra),
            Figure("photo_record_720p_x_realtime", "`avatar record --face` 720p30 with captions", "x", photo_x,
                   notes=f"{video_s:.0f} s speech, cached speech and rig; command wall time",
                   comparable=not ctx.quick),
            Figure("photo_record_720p_vs_drawn", "`avatar record --face` 720p30 as a share of the drawn presenter",
                   "x", tuple(p / d for p, d in zip(photo_x, drawn_x)), Budget(0.8, higher_is_better=True),
                   notes="each run records the same speech with the drawn presenter right after the photo",
                   comparable=not ctx.quick),
            Figure("photo_rig_build_12mp_s", "photo rig build, 12-megapixel photo", "s", builds,
                   notes="read, downscale, two landmark passes, portrait crop (then cached by content)",
                   comparable=not ctx.quick)]


def _record(ctx: BenchContext, photo) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """x real time of `avatar record` with the photo and with the drawn presenter, run after run."""
    from avatar.bench.context import SAMPLE_SPEECH
    from avatar.bench.proc import avatar_env, run_avatar
    from avatar.bench.record import parse_wrote
    from avatar.bench.workload import write_tiny

    folder = ctx.scratch("photo-record")
    env = avatar_env(ctx, ctx.scratch("photo-record-cache"))
    script = write_tiny(folder) if ctx.quick else SAMPLE_SPEECH
    size = "320x180" if ctx.quick else "1280x720"
    out = folder / "out.mp4"
    base = ["record", str(script), "-o", str(out), "--no-sidecars", "--overwrite"]
    ctx.log("photo presenter: record warm-up (speech and rig into a fresh cache)")
    run_avatar(base + ["--size", "320x180", "--face", str(photo)], env, cwd=folder)
    photo_x, drawn_x = [], []
    video_s = 0.0
    for run in range(1 if ctx.quick else ctx.record_runs):
        ctx.log(f"photo presenter: record {size} with and without the photo, run {run + 1}")
        for face, into in ((["--face", str(photo)], photo_x), ([], drawn_x)):
            done = run_avatar(base + ["--size", size, "--burn-captions"] + face, env, cwd=folder)
            video_s, _ = parse_wrote(done)
            into.append(video_s / done.wall_s)
    return tuple(photo_x), tuple(drawn_x), video_s
