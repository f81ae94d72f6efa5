"""What every figure's measurement is given: the mode, how many runs, a scratch folder and a logger."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SPEECH = ROOT / "assets" / "speeches" / "beijing-digital-economy.md"


@dataclass(frozen=True)
class BenchContext:
    """`quick`: seconds-long workloads (smoke test), figures not comparable with the budget.
    `full`: the budget's own workloads where the default shortens them (20-minute memory run).
    `runs`: repeats of cheap figures; `record_runs`: repeats of each video recording."""

    workdir: Path
    quick: bool = False
    full: bool = False
    runs: int = 5
    record_runs: int = 2
    drift_real_s: float = 60.0
    verbose: bool = True

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    def defaults_config(self) -> Path:
        """An empty config file, so a user's own config cannot change what is measured."""
        path = self.workdir / "defaults.toml"
        if not path.exists():
            path.write_text("# the benchmark measures the defaults\n", "utf-8")
        return path

    def scratch(self, name: str) -> Path:
        """A fresh sub-folder of the work folder."""
        path = self.workdir / name
        n = 1
        while path.exists():
            n += 1
            path = self.workdir / f"{name}-{n}"
        path.mkdir(parents=True)
        return path
