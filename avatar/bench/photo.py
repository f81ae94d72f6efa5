"""Figures: the photo presenter's 1080p frame (median, p99), `avatar record --face` at 720p and 1080p against
the encoder-only limit and at 720p next to the drawn presenter in the same run, and the rig build for a
12-megapixel photo."""

from __future__ import annotations

from avatar.bench.context import BenchContext
from avatar.bench.record import LIMIT_RATIO, cost_figures
from avatar.bench.result import Budget, Figure

SIZES = {"720p": "1280x720", "1080p": "1920x1080"}


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
    photo_x, limit_x, drawn_x, video_s = _record(ctx, photo)
    costs = _frame_costs(ctx, photo)
    label = "photo presenter frame, 1080p scene with captions"
    figures = [Figure("photo_draw_1080p_median_ms", f"{label}: median", "ms", tuple(r["median_ms"] for r in results),
                      Budget(8.0), notes="Grace Hopper's portrait talking; every pose drawn once before timing",
                      comparable=not ctx.quick, extra=extra),
               Figure("photo_draw_1080p_p99_ms", f"{label}: p99", "ms", tuple(r["p99_ms"] for r in results),
                      Budget(16.0), notes="99th percentile frame time of each run; the median over runs is shown",
                      comparable=not ctx.quick, extra=extra)]
    for name in SIZES:
        figures += [
            Figure(f"photo_record_{name}_x_realtime", f"`avatar record --face` {name}30 with captions", "x",
                   tuple(photo_x[name]), notes=f"{video_s:.0f} s speech, cached speech and rig; command wall time",
                   comparable=not ctx.quick),
            Figure(f"photo_record_{name}_vs_limit", f"`avatar record --face` {name}30 / encoder alone", "ratio",
                   tuple(p / lim for p, lim in zip(photo_x[name], limit_x[name])),
                   Budget(LIMIT_RATIO, higher_is_better=True),
                   notes="each run's record speed divided by the encoder-only speed measured just before it "
                         "on the photo presenter's own frames (the speech's, with its voice and settings)",
                   comparable=not ctx.quick)]
    figures += cost_figures("photo_record_1080p", "`avatar record --face` 1080p30", costs, not ctx.quick)
    figures += [
            Figure("photo_record_720p_vs_drawn", "`avatar record --face` 720p30 as a share of the drawn presenter",
                   "x", tuple(p / d for p, d in zip(photo_x["720p"], drawn_x)), Budget(0.8, higher_is_better=True),
                   notes="each run records the same speech with the drawn presenter right after the photo",
                   comparable=not ctx.quick),
            Figure("photo_rig_build_12mp_s", "photo rig build, 12-megapixel photo", "s", builds,
                   notes="read, downscale, two landmark passes, portrait crop (then cached by content)",
                   comparable=not ctx.quick)]
    return figures


def _recording_setup(ctx: BenchContext):
    """The photo recordings' folder, environment (their own speech cache) and script."""
    from avatar.bench.context import SAMPLE_SPEECH
    from avatar.bench.proc import avatar_env
    from avatar.bench.workload import write_tiny

    folder = ctx.scratch("photo-record")
    env = avatar_env(ctx, ctx.scratch("photo-record-cache"))
    return folder, env, write_tiny(folder) if ctx.quick else SAMPLE_SPEECH


def _frame_costs(ctx: BenchContext, photo) -> dict[str, float]:
    """The photo presenter's drawing and conversion per recorded 1080p frame."""
    from avatar.bench.record import frame_costs

    folder, env, script = _recording_setup(ctx)
    ctx.log("photo presenter: the recorder's own work per 1080p frame, without encoding")
    return frame_costs(ctx, script, "320x180" if ctx.quick else "1920x1080", env, folder, face=str(photo))


def _record(ctx: BenchContext, photo) -> tuple[dict[str, list[float]], dict[str, list[float]], tuple[float, ...], float]:
    """x real time of `avatar record --face` at 720p and 1080p with the encoder-only limit measured just
    before each, and of the drawn presenter at 720p right after the photo, run after run."""
    from avatar.bench.proc import run_avatar
    from avatar.bench.record import encoder_limit_x, parse_wrote

    folder, env, script = _recording_setup(ctx)
    out = folder / "out.mp4"
    base = ["record", str(script), "-o", str(out), "--no-sidecars", "--overwrite"]
    ctx.log("photo presenter: record warm-up (speech and rig into a fresh cache)")
    run_avatar(base + ["--size", "320x180", "--face", str(photo)], env, cwd=folder)
    photo_x: dict[str, list[float]] = {name: [] for name in SIZES}
    limit_x: dict[str, list[float]] = {name: [] for name in SIZES}
    drawn_x: list[float] = []
    video_s = 0.0
    for run in range(1 if ctx.quick else ctx.record_runs):
        for name, size in SIZES.items():
            size = "320x180" if ctx.quick else size
            ctx.log(f"photo presenter: {name} encoder-only limit and record, run {run + 1}")
            limit_x[name].append(encoder_limit_x(ctx, script, size, env, folder, face=str(photo)))
            done = run_avatar(base + ["--size", size, "--burn-captions", "--face", str(photo)], env, cwd=folder)
            video_s, _ = parse_wrote(done)
            photo_x[name].append(video_s / done.wall_s)
            if name == "720p":
                done = run_avatar(base + ["--size", size, "--burn-captions"], env, cwd=folder)
                drawn_x.append(parse_wrote(done)[0] / done.wall_s)
    return photo_x, limit_x, tuple(drawn_x), video_s
