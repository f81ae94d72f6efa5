"""Figures: live A/V drift over a 20-minute show (simulated), and clip-start error in real playback.

See `avatar.bench.drift_sim` for the simulation; the real run plays the sample speech with
`avatar play --stats` and reports the largest gap between when a clip was due and when it started.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from avatar.bench.context import SAMPLE_SPEECH, BenchContext
from avatar.bench.proc import avatar_env, parse_stats, run_avatar
from avatar.bench.result import Budget, Figure
from avatar.bench.workload import write_speech, write_tiny
from avatar.timeline import Timeline

PPM = 100.0
SHOW_S = 20 * 60.0


def _fake_timeline(script_path: Path, ctx: BenchContext) -> Timeline:
    """The script placed on a timeline by the deterministic fake voice (no speech engine, seconds)."""
    from avatar.build import BuildOptions, build_script_timeline
    from avatar.script import load_script
    from avatar.tts import Voice
    from avatar.tts.fake import FakeEngine

    t0 = time.perf_counter()
    tl = build_script_timeline(load_script(script_path), Voice(FakeEngine(), use_cache=False),
                               options=BuildOptions(lead_in_s=0.5))
    ctx.log(f"drift: built a {tl.duration_s / 60:.1f}-minute timeline with the fake voice "
            f"in {time.perf_counter() - t0:.1f} s")
    return tl


def simulated(ctx: BenchContext) -> Figure:
    from avatar.bench.drift_sim import JITTER_S, STALL_EVERY, STALL_S, one_clip_timeline, simulate

    folder = ctx.scratch("drift-sim")
    show_s = 60.0 if ctx.quick else SHOW_S
    runs = 1 if ctx.quick else ctx.runs
    tl = _fake_timeline(write_speech(folder, show_s, name="drift.md"), ctx)
    ppms = [PPM if seed % 2 == 0 else -PPM for seed in range(runs)]
    results = [simulate(tl, ppm=ppm, seed=seed, until_s=show_s) for seed, ppm in enumerate(ppms)]
    one = simulate(one_clip_timeline(show_s), ppm=PPM, seed=0)
    first = results[0]
    longest = max((c.audio.duration_s for c in tl.clips if c.start_s < show_s), default=0.0)
    last_minute = [r.last_minute_ms for r in results]
    extra = {"show_s": first.duration_s, "clips": first.clips, "ppm": ppms, "last_minute_ms": last_minute,
             "late_starts": [r.late_starts for r in results], "longest_clip_s": longest,
             "one_clip_free_running_ms": one.max_error_ms}
    notes = (f"{first.duration_s / 60:.0f}-min show of {first.clips} clips played by the real ClipScheduler "
             f"and LiveClock on simulated time: sound card clock +/-{PPM:g} ppm, 60 fps frames with "
             f"{JITTER_S * 1000:g} ms jitter and stalls of {STALL_S[0] * 1000:.0f}-{STALL_S[1] * 1000:.0f} ms "
             f"(1 frame in {STALL_EVERY}); largest |picture t - heard t| over the show (last minute: "
             f"{float(np.median(last_minute)):.2f} ms). The same device playing the soundtrack as one "
             f"free-running clip drifts {one.max_error_ms:.0f} ms")
    return Figure("live_drift_20min_ms", "live A/V drift after 20 min (simulated)", "ms",
                  tuple(r.max_error_ms for r in results), Budget(20.0), notes=notes,
                  comparable=not ctx.quick, extra=extra)


def real(ctx: BenchContext) -> Figure:
    folder = ctx.scratch("drift-real")
    seconds = 1.5 if ctx.quick else ctx.drift_real_s
    size = "320x180" if ctx.quick else "1280x720"
    script = write_tiny(folder) if ctx.quick else SAMPLE_SPEECH
    ctx.log(f"drift: playing the {'tiny' if ctx.quick else 'sample'} speech live for {seconds:g} s")
    done = run_avatar(["play", str(script), "--max-seconds", f"{seconds:g}", "--stats",
                       "--size", size],
                      avatar_env(ctx, ctx.scratch("drift-cache")), cwd=folder, timeout_s=seconds + 120)
    stats = parse_stats(done.stdout)
    fps = stats["frames"] / stats["wall_s"] if stats.get("wall_s") else 0.0
    return Figure("live_clip_start_error_ms", "live playback: clip start error", "ms",
                  (stats["max_sync_error_ms"],), Budget(20.0),
                  notes=f"{seconds:g} s of 'avatar play --stats' at {size}, headless: largest |due - started| "
                        f"of any clip (one run; {fps:.0f} fps drawn, show reached {stats['show_end_s']:.1f} s)",
                  comparable=not ctx.quick,
                  extra={"frames": stats["frames"], "wall_s": stats["wall_s"], "fps": fps,
                         "show_end_s": stats["show_end_s"], "silent": bool(stats.get("silent"))})


def measure(ctx: BenchContext) -> list[Figure]:
    return [simulated(ctx), real(ctx)]
