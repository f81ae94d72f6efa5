"""Figures: `avatar record` of the sample speech with burnt-in captions, 720p30 and 1080p30, x real time.

x real time = the video's length / the command's wall time, speech already in the cache (the first,
uncached run is a small-size warm-up that is reported, not counted). The recorder's own figure,
from starting ffmpeg to the finished file, is kept as `encode_x` beside it.

Each run is paired with the machine's own limit measured just before it: the same ffmpeg command fed
frames already in memory (`avatar.bench.encoder_limit`); the ratio of the two medians says how close
`avatar record` comes to what the encoder alone can do on this machine.
"""

from __future__ import annotations

import re

import numpy as np

from avatar.bench.context import SAMPLE_SPEECH, BenchContext
from avatar.bench.proc import BenchError, Finished, avatar_env, run_avatar
from avatar.bench.result import Budget, Figure
from avatar.bench.workload import write_tiny

SIZES = (("720p", "1280x720", 4.0), ("1080p", "1920x1080", 2.0))
LIMIT_RATIO = 0.8          # record's speed as a fraction of the encoder-only limit, at least
_LIMIT = re.compile(r"encoder_x=([\d.]+)")
_COSTS = re.compile(r"(\w+)=([\d.]+)")
_WROTE = re.compile(r"wrote .*\(([\d.]+) s, (\d+) frames, ([\d.]+)x real time\)")


def parse_wrote(done: Finished) -> tuple[float, float]:
    """(video seconds, the recorder's own x real time) from the line `avatar record` ends with."""
    m = _WROTE.search(done.stderr)
    if not m:
        raise BenchError(f"'avatar record' did not say what it wrote: {done.stderr.strip()[-300:]!r}")
    return float(m.group(1)), float(m.group(3))


def encoder_limit_x(ctx: BenchContext, script, size: str, env: dict[str, str], folder, pixels: str = "yuv",
                    face: str | None = None) -> float:
    """The encoder-only speed (x real time) for `script`'s frames at `size` (with `face` presenting, if
    given), in a process of its own."""
    args = [str(script), "--size", size, "--seconds", "10" if ctx.quick else "60", "--pixels", pixels]
    lim = run_avatar(args + (["--face", face] if face else []), env, cwd=folder, module="avatar.bench.encoder_limit")
    m = _LIMIT.search(lim.stdout)
    if not m:
        raise BenchError(f"the encoder-only run printed no speed: {lim.stderr.strip()[-300:]!r}")
    return float(m.group(1))


def frame_costs(ctx: BenchContext, script, size: str, env: dict[str, str], folder, face: str | None = None
                ) -> dict[str, float]:
    """The recorder's own mean ms per frame (draw_ms, convert_ms) and median converted pixels, measured
    without encoding (`avatar.bench.record_frames`) in a process of its own."""
    args = [str(script), "--size", size, "--frames", "60" if ctx.quick else "1800"]
    done = run_avatar(args + (["--face", face] if face else []), env, cwd=folder,
                      module="avatar.bench.record_frames")
    got = {k: float(v) for k, v in _COSTS.findall(done.stdout)}
    if "draw_ms" not in got or "convert_ms" not in got:
        raise BenchError(f"the frame-cost run printed no figures: {done.stderr.strip()[-300:]!r}")
    return got


def cost_figures(key: str, label: str, costs: dict[str, float], comparable: bool) -> list[Figure]:
    """Two rows: the recorder's drawing and its yuv420p conversion per frame."""
    return [Figure(f"{key}_frame_draw_ms", f"{label}: the recorder's drawing per frame (mean)", "ms",
                   (costs["draw_ms"],), None, comparable=comparable,
                   notes=f"repainting what moved into one of two frame buffers, first {costs['frames']:.0f} "
                         "frames of the speech, no encoding"),
            Figure(f"{key}_frame_convert_ms", f"{label}: its yuv420p conversion per frame (mean)", "ms",
                   (costs["convert_ms"],), None, comparable=comparable,
                   notes=f"only the areas the repaint reports (median {costs['converted_px']:.0f} pixels a frame)")]


def measure(ctx: BenchContext) -> list[Figure]:
    folder = ctx.scratch("record")
    cache = ctx.scratch("record-cache")
    env = avatar_env(ctx, cache)
    script = write_tiny(folder) if ctx.quick else SAMPLE_SPEECH
    runs = 1 if ctx.quick else ctx.record_runs
    out = folder / "out.mp4"
    ctx.log("record: warm-up (synthesises the speech into a fresh cache)")
    warm = run_avatar(["record", str(script), "-o", str(out), "--size", "320x180", "--no-sidecars",
                       "--overwrite"], env, cwd=folder)
    warm_video_s, warm_x = parse_wrote(warm)
    figures = []
    for name, size, budget in SIZES:
        if ctx.quick:
            size = "320x180"
        totals, encodes, walls, limits = [], [], [], []
        cpu_avatar: list[float | None] = []
        cpu_ffmpeg: list[float | None] = []  # finished children: ffmpeg (and the idle speech engine)
        for run in range(runs):
            ctx.log(f"record: {name} encoder-only limit, run {run + 1} of {runs}")
            limits.append(encoder_limit_x(ctx, script, size, env, folder))
            ctx.log(f"record: {name} with captions, run {run + 1} of {runs}")
            done = run_avatar(["record", str(script), "-o", str(out), "--size", size, "--burn-captions",
                               "--no-sidecars", "--overwrite"], env, cwd=folder,
                              probe_out=folder / f"probe-{name}-{run}.json")
            video_s, encode_x = parse_wrote(done)
            if not out.is_file() or out.stat().st_size == 0:
                raise BenchError(f"'avatar record' reported success but {out} is empty")
            totals.append(video_s / done.wall_s)
            encodes.append(encode_x)
            walls.append(done.wall_s)
            probe = done.probe or {}
            cpu_avatar.append(probe.get("cpu_s"))
            cpu_ffmpeg.append(probe.get("children_cpu_s"))
        split = ""
        if all(c is not None for c in cpu_avatar + cpu_ffmpeg):
            split = (f"; CPU per video second: avatar {float(np.median(cpu_avatar)) / video_s:.2f} s, "
                     f"ffmpeg {float(np.median(cpu_ffmpeg)) / video_s:.2f} s")
        figures.append(Figure(
            f"record_{name}_x_realtime", f"`avatar record` {name}30 with captions", "x", tuple(totals),
            Budget(budget, higher_is_better=True),
            notes=f"{video_s:.0f} s {'tiny' if ctx.quick else 'sample'} speech at {size}, cached speech; "
                  f"command wall time (recorder alone: {float(np.median(encodes)):.2f}x){split}",
            comparable=not ctx.quick,
            extra={"size": size, "video_s": video_s, "wall_s": walls, "encode_x": encodes,
                   "cpu_avatar_s": cpu_avatar, "cpu_children_s": cpu_ffmpeg,
                   "warmup_wall_s": warm.wall_s, "warmup_video_s": warm_video_s, "warmup_encode_x": warm_x}))
        figures.append(Figure(
            f"encoder_limit_{name}_x", f"H.264 encoder alone, {name}30 (the machine's limit)", "x", tuple(limits),
            None, notes="the recorder's ffmpeg command (same size, preset, crf) fed "
                        f"{'320x180' if ctx.quick else size} frames of the same speech already in memory "
                        "(a two-second window played back and forth) as yuv420p (the recorder's pixel path), "
                        "with the speech's own voice as the audio (encoded to AAC as the recorder does)",
            comparable=not ctx.quick, extra={"size": size}))
        ratios = tuple(t / lim for t, lim in zip(totals, limits))
        figures.append(Figure(
            f"record_{name}_vs_limit", f"`avatar record` {name}30 / encoder alone", "ratio", ratios,
            Budget(LIMIT_RATIO, higher_is_better=True),
            notes="each run's record speed divided by the encoder-only speed measured just before it",
            comparable=not ctx.quick))
        ctx.log(f"record: {name} the recorder's own work per frame, without encoding")
        figures += cost_figures(f"record_{name}", f"`avatar record` {name}30",
                                frame_costs(ctx, script, size, env, folder), not ctx.quick)
        ctx.log(f"record: {name} encoder-only with 32-bit frames ffmpeg converts (the earlier pixel path)")
        rgb = encoder_limit_x(ctx, script, size, env, folder, pixels="rgb")
        figures.append(Figure(
            f"encoder_limit_rgb_{name}_x", f"H.264 encoder alone, {name}30, fed 32-bit frames it converts "
            "(the earlier limit)", "x", (rgb,), None,
            notes="as above but the frames go to ffmpeg as 32-bit RGB and its scale filter makes yuv420p, "
                  f"as the recorder did before it converted changed areas itself; record / this: "
                  f"{float(np.median(totals)) / rgb:.2f}",
            comparable=not ctx.quick, extra={"size": size, "record_ratio": float(np.median(totals)) / rgb}))
    return figures
