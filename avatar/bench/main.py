"""`scripts/bench`: measure every figure a user feels, print a table, write bench.json.

Exit code 0 when the benchmark ran (even if figures miss their budget: the table says which),
1 when a part of the benchmark itself failed, 2 for bad options.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Sequence

from avatar.bench.context import BenchContext
from avatar.bench.result import Figure

# Cheap figures first, so a broken recorder still leaves most of the table.
SECTIONS: dict[str, str] = {
    "lipsync": "avatar.bench.lipsync",
    "phones": "avatar.bench.lipsync_phones",
    "align": "avatar.bench.align_long",
    "draw": "avatar.bench.draw",
    "sprites": "avatar.bench.sprites",
    "cjk": "avatar.bench.cjk",
    "photo": "avatar.bench.photo",
    "drift": "avatar.bench.drift",
    "launch": "avatar.bench.launch",
    "kiosk": "avatar.bench.kiosk",
    "kiosk_zh": "avatar.bench.kiosk_zh",
    "listen": "avatar.bench.listen",
    "record": "avatar.bench.record",
    "record_zh": "avatar.bench.record_zh",
    "memory": "avatar.bench.memory",
    "neural": "avatar.bench.neural",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true",
                      help="seconds-long workloads (a smoke test); figures are not checked against the budget")
    mode.add_argument("--full", action="store_true",
                      help="the budget's own workloads where the default shortens them "
                           "(records 20 minutes at 1080p for the memory figure)")
    p.add_argument("--runs", type=int, default=5, help="repeats of each cheap figure (default 5)")
    p.add_argument("--record-runs", type=int, default=2, help="repeats of each recording (default 2)")
    p.add_argument("--drift-seconds", type=float, default=60.0,
                   help="seconds of real playback for the clip-start figure (default 60)")
    p.add_argument("--only", default="", metavar="PARTS",
                   help=f"comma-separated parts to run: {', '.join(SECTIONS)} (default: all)")
    p.add_argument("-o", "--output", type=Path, default=Path("bench.json"), help="where to write bench.json")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder (scripts, videos, logs)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def _load_average() -> float | None:
    """The 1-minute load average (None where the platform has none): other work skews every figure."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = [s for s in only if s not in SECTIONS]
    if unknown or args.runs < 1 or args.record_runs < 1 or args.drift_seconds <= 0:
        print(f"scripts/bench: {'unknown part ' + ', '.join(unknown) if unknown else 'counts must be positive'}"
              f" (parts: {', '.join(SECTIONS)})", file=sys.stderr)
        return 2
    for name, value in (("SDL_VIDEODRIVER", "dummy"), ("SDL_AUDIODRIVER", "dummy"),
                        ("PYGAME_HIDE_SUPPORT_PROMPT", "1")):
        os.environ.setdefault(name, value)
    mode = "quick" if args.quick else "full" if args.full else "default"
    workdir = Path(tempfile.mkdtemp(prefix="avatar-bench-"))
    ctx = BenchContext(workdir, quick=args.quick, full=args.full, runs=args.runs, record_runs=args.record_runs,
                       drift_real_s=args.drift_seconds, verbose=not args.quiet)
    from avatar.bench.report import machine_info, print_report, write_json

    load_before = _load_average()
    if load_before is not None and load_before > 0.5 * (os.cpu_count() or 1):
        ctx.log(f"warning: the machine is busy (load average {load_before:.1f} on {os.cpu_count()} CPUs); "
                "speeds and latencies will come out worse than on an idle machine")
    started = time.perf_counter()
    figures: list[Figure] = []
    failures: list[dict[str, str]] = []
    try:
        for name in only:
            t0 = time.perf_counter()
            try:
                figures.extend(importlib.import_module(SECTIONS[name]).measure(ctx))
            except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others
                failures.append({"section": name, "error": f"{type(exc).__name__}: {exc}",
                                 "traceback": traceback.format_exc()})
                ctx.log(f"{name} FAILED: {exc}")
            ctx.log(f"{name} done in {time.perf_counter() - t0:.1f} s")
        elapsed = time.perf_counter() - started
        machine = machine_info()
        machine["load_average_before"], machine["load_average_after"] = load_before, _load_average()
        print_report(figures, failures, mode, elapsed, machine)
        write_json(args.output, figures, failures, mode, elapsed, machine)
        print(f"\nwrote {args.output}")
    finally:
        if args.keep:
            print(f"scratch folder kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0
