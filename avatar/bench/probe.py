"""Runs the `avatar` command line in this process, noting when the first clip reached the sound
output (wall clock), where its first audible sound starts, and this process's peak memory.

    python -m avatar.bench.probe OUT.json -- play SCRIPT --stats ...

The command runs unchanged; the probe only wraps the sound outputs' `play`. OUT.json is written
when the command ends, whatever its exit code.
"""

from __future__ import annotations

import time

PROBE_START_UNIX = time.time()  # first thing: the interpreter's own start-up is before this

import json  # noqa: E402 - after the start time on purpose
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ONSET_FRACTION = 0.1  # sound louder than a tenth of the clip's peak (-20 dB) counts as heard
ONSET_WINDOW_S = 0.005


def onset_s(samples: Any, rate_hz: int) -> float:
    """Seconds from the start of `samples` to the first 5 ms window that is audible."""
    import numpy as np

    x = np.abs(np.asarray(samples, dtype=np.float32))
    if x.size == 0:
        return 0.0
    peak = float(x.max())
    if peak <= 0.0:
        return len(x) / rate_hz
    loud = np.flatnonzero(x >= ONSET_FRACTION * peak)
    window = max(1, int(ONSET_WINDOW_S * rate_hz))
    return float(int(loud[0]) // window * window) / rate_hz


def _wrap_play(cls: type, record: dict[str, Any]) -> None:
    original = cls.play

    def play(self: Any, audio: Any, offset_s: float = 0.0) -> None:
        first = "first_play_unix" not in record
        if first:
            record["first_play_unix"] = time.time()
        original(self, audio, offset_s)
        if first:
            start = int(round(offset_s * audio.rate_hz))
            record["first_clip_onset_s"] = onset_s(audio.samples[start:], audio.rate_hz)
            record["first_clip_offset_s"] = float(offset_s)
            record["sound_latency_s"] = float(getattr(self, "latency_s", 0.0))
            record["silent"] = bool(getattr(self, "silent", False))

    cls.play = play  # type: ignore[method-assign]


def own_peak_rss_mb() -> float | None:
    """This process's own peak resident memory in MB, or None where the platform cannot tell.

    On Linux it is the memory map's high-water mark (VmHWM), which starts afresh with each program;
    `ru_maxrss` is not used there because a child keeps its parent's peak across fork and exec, so a
    command started by a big benchmark process would report the benchmark's peak as its own."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0   # kB
    except (OSError, ValueError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    scale = 1.0 / (1024 * 1024) if sys.platform == "darwin" else 1.0 / 1024  # bytes on macOS, KB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _usage() -> dict[str, float | None]:
    """Peak resident memory (MB) and CPU seconds of this process and of its finished children
    (for children the memory is the largest one's); None where the platform cannot tell."""
    try:
        import resource
    except ImportError:  # Windows
        return {"peak_rss_mb": None, "children_peak_rss_mb": None, "cpu_s": None, "children_cpu_s": None}
    scale = 1.0 / (1024 * 1024) if sys.platform == "darwin" else 1.0 / 1024  # bytes on macOS, KB on Linux
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"peak_rss_mb": own_peak_rss_mb(), "children_peak_rss_mb": kids.ru_maxrss * scale,
            "cpu_s": me.ru_utime + me.ru_stime, "children_cpu_s": kids.ru_utime + kids.ru_stime}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[1] != "--":
        print("usage: python -m avatar.bench.probe OUT.json -- AVATAR-ARGS...", file=sys.stderr)
        return 2
    out, avatar_args = Path(args[0]), args[2:]
    record: dict[str, Any] = {"probe_start_unix": PROBE_START_UNIX, "pid": os.getpid()}
    from avatar import sound

    for cls in (sound.MixerOut, sound.NullOut):
        _wrap_play(cls, record)
    from avatar.cli import main as avatar_main

    code = 1
    try:
        code = avatar_main(avatar_args)
        return code
    finally:
        record["exit_code"] = code
        record["end_unix"] = time.time()
        record.update(_usage())
        tmp = out.with_name(out.name + ".part")
        tmp.write_text(json.dumps(record), "utf-8")
        os.replace(tmp, out)


if __name__ == "__main__":
    sys.exit(main())
