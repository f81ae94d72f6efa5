"""Running the `avatar` command line in a child process as a user would: headless, with its own cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from avatar.bench.context import ROOT, BenchContext
from avatar.errors import RuntimeFailure


class BenchError(RuntimeFailure):
    """The benchmark itself failed (a command crashed, an output is missing): not a missed budget."""


def avatar_env(ctx: BenchContext, cache_dir: Path | None, *, drop: Sequence[str] = (), **extra: str
               ) -> dict[str, str]:
    """The parent's environment, headless SDL, the project on the path, a chosen speech cache, and an
    empty config file: the figures are for the defaults, whatever the user's own config says. Python
    keeps its bytecode cache as it does by default (a run does not compile the package again)."""
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", *drop):
        env.pop(name, None)
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if cache_dir is not None:
        env["AVATAR_CACHE_DIR"] = str(cache_dir)
    env["AVATAR_CONFIG"] = str(ctx.defaults_config())
    env.update(extra)
    return env


def avatar_argv(args: Sequence[str], probe_out: Path | None = None, module: str = "avatar") -> list[str]:
    """`python -m avatar ARGS`, or the same through the probe that notes first audio and peak memory."""
    if probe_out is None:
        return [sys.executable, "-m", module, *args]
    return [sys.executable, "-m", "avatar.bench.probe", str(probe_out), "--", *args]


@dataclass(frozen=True)
class Finished:
    """A finished child: its output, exit code, wall time and (when probed) what the probe saw."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    launch_unix: float
    wall_s: float
    probe: dict[str, Any] | None


def run_avatar(args: Sequence[str], env: dict[str, str], *, cwd: Path, probe_out: Path | None = None,
               timeout_s: float = 3600.0,
               watch: Callable[[subprocess.Popen[str]], None] | None = None,
               module: str = "avatar") -> Finished:
    """Run the CLI (or another of the project's modules) to the end; BenchError if it fails.
    `watch(popen)` runs while it is alive."""
    argv = avatar_argv(args, probe_out, module)
    launch = time.time()
    t0 = time.perf_counter()
    with subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as popen:
        if watch is not None:
            watch(popen)
        try:
            out, err = popen.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            popen.kill()
            out, err = popen.communicate()
            raise BenchError(f"'avatar {' '.join(args)}' took over {timeout_s:.0f} s; stopped it") from None
    wall = time.perf_counter() - t0
    probe = None
    if probe_out is not None and probe_out.exists():
        probe = json.loads(probe_out.read_text("utf-8"))
    if popen.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-8:])
        raise BenchError(f"'avatar {' '.join(args)}' exited with {popen.returncode}:\n{tail}")
    return Finished(tuple(argv), popen.returncode, out, err, launch, wall, probe)


def parse_stats(text: str) -> dict[str, float]:
    """The `key=value` numbers `avatar play --stats` prints."""
    found = {k: float(v) for k, v in re.findall(r"(\w+)=(-?[\d.]+)", text)}
    if "first_audio_s" not in found:
        raise BenchError(f"'avatar play --stats' printed no stats: {text.strip()[:200]!r}")
    return found
