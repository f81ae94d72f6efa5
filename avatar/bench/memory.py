"""Figures: peak memory of `avatar record` of a 20-minute speech at 1080p, speech synthesised on the way.

The budgeted figure is the avatar process's own peak resident memory (its rusage). Beside it, the
peak of all the recording's processes together (avatar, ffmpeg, the speech engine), sampled from
/proc every 50 ms on Linux. By default two shorter speeches (about 1.5 and 3.5 minutes) are recorded
and the avatar process's peak is extrapolated linearly to 20 minutes (what grows with length is the
speech it keeps in memory); `--full` records the 20 minutes.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from avatar.bench.context import BenchContext
from avatar.bench.proc import BenchError, avatar_env, run_avatar
from avatar.bench.result import Budget, Figure
from avatar.bench.workload import write_speech, write_tiny

TARGET_S = 20 * 60.0
SHORT_LENGTHS_S = (90.0, 180.0)
SAMPLE_EVERY_S = 0.05


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        name = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), name)
    return table


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


class TreeSampler:
    """Samples the summed resident memory of a process and all its descendants (Linux only)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self.peak_by_name: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    @staticmethod
    def available() -> bool:
        return os.path.exists("/proc/self/status")

    def _tree(self) -> list[tuple[int, str]]:
        table = _proc_table()
        kids: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            kids.setdefault(ppid, []).append(pid)
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            if pid in table:
                out.append((pid, table[pid][1]))
            todo.extend(kids.get(pid, ()))
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0.0
            for pid, name in self._tree():
                rss = _rss_mb(pid)
                total += rss
                key = "avatar" if pid == self.pid else name
                self.peak_by_name[key] = max(self.peak_by_name.get(key, 0.0), rss)
            self.peak_mb = max(self.peak_mb, total)
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class MemoryRun:
    video_s: float
    tree_peak_mb: float | None      # summed over the process tree (sampled)
    avatar_peak_mb: float | None    # the avatar process alone (its own rusage)
    child_peak_mb: float | None     # its largest finished child (ffmpeg)
    by_name: dict[str, float]
    wall_s: float

    @property
    def all_mb(self) -> float:
        if self.tree_peak_mb:
            return self.tree_peak_mb
        return (self.avatar_peak_mb or 0.0) + (self.child_peak_mb or 0.0)  # no /proc: an upper bound


def record_once(ctx: BenchContext, script: Path, size: str, folder: Path) -> MemoryRun:
    from avatar.bench.record import parse_wrote

    samplers: list[TreeSampler] = []

    def watch(popen: subprocess.Popen[str]) -> None:
        if TreeSampler.available():
            sampler = TreeSampler(popen.pid)
            samplers.append(sampler)
            sampler.__enter__()

    probe = folder / f"probe-{script.stem}.json"
    try:
        done = run_avatar(["record", str(script), "-o", str(folder / f"{script.stem}.mp4"), "--size", size,
                           "--burn-captions", "--no-sidecars", "--overwrite"],
                          avatar_env(ctx, ctx.scratch("memory-cache")), cwd=folder, probe_out=probe, watch=watch)
    finally:
        for sampler in samplers:
            sampler.__exit__()
    if done.probe is None:
        raise BenchError("the memory probe wrote nothing")
    video_s, _ = parse_wrote(done)
    s = samplers[0] if samplers else None
    return MemoryRun(video_s, s.peak_mb if s else None, done.probe.get("peak_rss_mb"),
                     done.probe.get("children_peak_rss_mb"), dict(s.peak_by_name) if s else {}, done.wall_s)


def _extrapolate(points: list[tuple[float, float]], to_s: float) -> float:
    """Straight line through the first and last (length, MB) points, never sloping down."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    slope = max(0.0, (y1 - y0) / (x1 - x0)) if x1 > x0 else 0.0
    return y1 + slope * (to_s - x1)


def measure(ctx: BenchContext) -> list[Figure]:
    folder = ctx.scratch("memory")
    size = "320x180" if ctx.quick else "1920x1080"
    if ctx.quick:
        scripts = [write_tiny(folder)]
    elif ctx.full:
        scripts = [write_speech(folder, TARGET_S, name="speech-20min.md")]
    else:
        scripts = [write_speech(folder, s, name=f"speech-{int(s)}s.md") for s in SHORT_LENGTHS_S]
    runs = []
    for script in scripts:
        ctx.log(f"memory: recording {script.name} at {size} (this takes a while)")
        run = record_once(ctx, script, size, folder)
        ctx.log(f"memory: {run.video_s:.0f} s video, avatar process {run.avatar_peak_mb or 0:.0f} MB, "
                f"all processes {run.all_mb:.0f} MB, {run.wall_s:.0f} s wall")
        runs.append(run)
    last = runs[-1]
    own_last = last.avatar_peak_mb if last.avatar_peak_mb is not None else last.all_mb
    if len(runs) == 1:
        how = f"measured on a {last.video_s / 60:.1f}-min recording"
        own = own_last
    else:
        # What grows with the speech's length is the avatar process (it keeps the speech in memory);
        # ffmpeg and the speech engine stay the same size, so they are carried over as measured.
        how = f"extrapolated to 20 min from {' and '.join(f'{r.video_s / 60:.1f}' for r in runs)}-min recordings"
        own = _extrapolate([(r.video_s, r.avatar_peak_mb or r.all_mb) for r in runs], TARGET_S)
    tree = own + (last.all_mb - own_last)
    others = {k: round(v, 1) for k, v in last.by_name.items() if k != "avatar"}
    extra = {"runs": [r.__dict__ for r in runs], "size": size, "method": how}
    summed = "summed at each moment, sampled every 50 ms" if last.tree_peak_mb else \
        "the avatar process's peak plus its largest child's"
    return [Figure("record_peak_memory_mb", "peak memory, `avatar record` 20-min speech at 1080p", "MB",
                   (own,), Budget(300.0),
                   notes=f"the avatar process's own peak resident memory (ffmpeg is below); {how}; with captions, "
                         "speech synthesised in the run (fresh cache)",
                   comparable=not ctx.quick, extra=extra),
            Figure("record_peak_memory_all_mb", "peak memory, same recording, avatar + ffmpeg + speech engine",
                   "MB", (tree,), None,
                   notes=f"every process of the recording, {summed}; peaks of the others: "
                         f"{others or 'not available on this platform'}",
                   comparable=not ctx.quick, extra=extra)]
