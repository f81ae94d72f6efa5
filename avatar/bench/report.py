"""The benchmark's output: a table on stdout and bench.json with the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence, TextIO

from avatar.bench.context import ROOT
from avatar.bench.result import Figure, format_value


def machine_info() -> dict[str, Any]:
    """CPU, memory, OS and versions: enough to compare two bench.json files fairly."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    info["memory_mb"] = round(int(line.split()[1]) / 1024)
                    break
    except OSError:
        pass
    for module in ("numpy", "pygame", "openai"):
        try:
            info[f"{module}_version"] = __import__(module).__version__
        except Exception:  # noqa: BLE001 - versions are a courtesy
            pass
    try:
        from avatar import ffmpeg

        out = subprocess.run([ffmpeg.exe(), "-hide_banner", "-version"], capture_output=True, text=True,
                             timeout=20).stdout
        info["ffmpeg"] = out.splitlines()[0] if out else None
    except Exception:  # noqa: BLE001
        info["ffmpeg"] = None
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, timeout=10).stdout.strip() or None
    except OSError:
        info["commit"] = None
    return info


def table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table: figure | median | spread (min-max) | budget | status."""
    rows = [("figure", "median", "spread (min-max)", "runs", "budget", "status")]
    for f in figures:
        spread = "-" if len(f.samples) < 2 else \
            f"{format_value(f.minimum, f.unit)} - {format_value(f.maximum, f.unit)}"
        rows.append((f.label, format_value(f.median, f.unit), spread, str(len(f.samples)),
                     f.budget.text(f.unit) if f.budget else "-", f.status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) if i < 4
                               else cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def notes(figures: Sequence[Figure]) -> str:
    return "\n".join(f"  [{i}] {f.label}: {f.notes}" for i, f in enumerate(figures, start=1) if f.notes)


def print_report(figures: Sequence[Figure], failures: Sequence[dict[str, str]], mode: str, elapsed_s: float,
                 machine: dict[str, Any], out: TextIO = sys.stdout) -> None:
    print(f"\navatar benchmark ({mode}, {elapsed_s:.0f} s) on {machine.get('cpus_usable')} x "
          f"{machine.get('cpu_model')}, Python {machine.get('python')}", file=out)
    before, after = machine.get("load_average_before"), machine.get("load_average_after")
    if before is not None:
        print(f"load average before / after: {before} / {after}"
              + ("  (a busy machine: figures are pessimistic)" if max(before, after or 0) >
                 0.5 * (machine.get("cpu_count") or 1) else ""), file=out)
    if mode == "quick":
        print("quick mode: small workloads to check the benchmark runs; not compared with the budget", file=out)
    print(file=out)
    print(table(figures), file=out)
    print("\nHow each figure is measured:", file=out)
    print(notes(figures), file=out)
    missed = [f for f in figures if f.status == "MISS"]
    if missed:
        print("\nMissing the budget: " + "; ".join(f.label for f in missed), file=out)
    elif mode != "quick" and figures:
        print("\nEvery measured figure is within its budget.", file=out)
    for fail in failures:
        print(f"\nFAILED {fail['section']}: {fail['error']}", file=out)


def write_json(path: Path, figures: Sequence[Figure], failures: Sequence[dict[str, str]], mode: str,
               elapsed_s: float, machine: dict[str, Any]) -> None:
    doc = {"format": 1, "mode": mode, "created_unix": time.time(), "elapsed_s": elapsed_s,
           "machine": machine, "figures": [f.to_json() for f in figures],
           "missed": [f.key for f in figures if f.status == "MISS"], "failures": list(failures)}
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(doc, indent=2, default=_jsonable) + "\n", "utf-8")
    os.replace(tmp, path)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
