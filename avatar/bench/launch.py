"""Figure: `avatar play` on a 20-minute script, from launching the command to the first audible word.

Measured from outside: the wall clock just before the process is started, and the wall clock at
which the player hands the first clip to the sound output (noted by `avatar.bench.probe`), plus
where the clip's sound becomes audible and the mixer's buffer latency. Every run has a fresh,
empty speech cache, so the first sentence is really synthesised.
"""

from __future__ import annotations

import subprocess
import sys

from avatar.bench.context import BenchContext
from avatar.bench.proc import BenchError, avatar_env, parse_stats, run_avatar
from avatar.bench.result import Budget, Figure
from avatar.bench.workload import write_speech, write_tiny

SPEECH_S = 20 * 60.0
WINDOW = "1280x720"  # the window size a user gets by default


def measure(ctx: BenchContext) -> list[Figure]:
    figures = [_launch(ctx, busy=False)]
    with _Busy():
        figures.append(_launch(ctx, busy=True))
    return figures


class _Busy:
    """One other CPU-bound process for as long as the block runs (a machine doing something else)."""

    def __enter__(self) -> "_Busy":
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def _launch(ctx: BenchContext, *, busy: bool) -> Figure:
    runs = 1 if ctx.quick else ctx.runs
    folder = ctx.scratch("launch-busy" if busy else "launch")
    ctx.log(f"play launch{' beside a CPU-bound process' if busy else ''}: {runs} run(s) of 'avatar play' on a "
            f"{'tiny' if ctx.quick else '20-minute'} script, fresh cache each")
    totals, startup, cli_first, clip_wall, onsets = [], [], [], [], []
    for run in range(runs):
        script = write_tiny(folder, f"tiny-{run}.md") if ctx.quick else \
            write_speech(folder, SPEECH_S, tag="", name=f"speech-20min-{run}.md")
        probe = folder / f"probe-{run}.json"
        env = avatar_env(ctx, ctx.scratch(f"launch-cache-{run}"))
        done = run_avatar(["play", str(script), "--max-seconds", "30" if ctx.quick else "8", "--stats",
                           "--size", "320x180" if ctx.quick else WINDOW], env, cwd=folder, probe_out=probe,
                          timeout_s=120)
        stats = parse_stats(done.stdout)
        p = done.probe or {}
        if "first_play_unix" not in p:
            raise BenchError("the player started no audio within its time limit")
        handed = p["first_play_unix"] - done.launch_unix
        heard = handed + p["first_clip_onset_s"] + p["sound_latency_s"]
        totals.append(heard)
        startup.append(p["probe_start_unix"] - done.launch_unix)
        cli_first.append(stats["first_audio_s"])
        clip_wall.append(handed)
        onsets.append(p["first_clip_onset_s"])
    extra = {"interpreter_start_s": startup, "cli_first_audio_s": cli_first,
             "launch_to_first_clip_s": clip_wall, "first_clip_onset_s": onsets,
             "sound_latency_s": (done.probe or {}).get("sound_latency_s"), "window": WINDOW,
             "silent": bool((done.probe or {}).get("silent"))}
    key, label = ("play_first_word_busy_s", "`avatar play` 20-min script, one other CPU-bound process: "
                  "launch to first audible word") if busy else \
        ("play_first_word_s", "`avatar play` 20-min script: launch to first audible word")
    return Figure(key, label, "s", tuple(totals), Budget(1.0),
                  notes=f"{'tiny' if ctx.quick else '20-min'} script; wall clock from starting the process "
                        f"(fresh speech cache, headless SDL, {'320x180' if ctx.quick else WINDOW} window) to the "
                        "first clip handed to the mixer, plus the clip's silent lead (first sound above -20 dB "
                        "of its peak) and the mixer buffer; includes the show's short lead-in of silence"
                        + ("; meanwhile another process spins on one core" if busy else ""),
                  comparable=not ctx.quick, extra=extra)
