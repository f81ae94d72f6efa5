"""A measured figure: its runs, their median and spread, and whether the median meets its budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np


@dataclass(frozen=True)
class Budget:
    """`limit` in the figure's unit; `higher_is_better` for speeds (x real time), else lower wins."""

    limit: float
    higher_is_better: bool = False

    def met_by(self, value: float) -> bool:
        return value >= self.limit if self.higher_is_better else value < self.limit

    def text(self, unit: str) -> str:
        return f"{'>=' if self.higher_is_better else '<'} {format_value(self.limit, unit)}"


@dataclass(frozen=True)
class Figure:
    """One row of the table: `samples` holds one value per run (already in `unit`)."""

    key: str
    label: str
    unit: str                    # "x" (real time), "ms", "s" or "MB"
    samples: tuple[float, ...]
    budget: Budget | None = None
    notes: str = ""
    comparable: bool = True      # False in --quick mode: a smaller workload than the budget speaks of
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return float(np.median(self.samples))

    @property
    def minimum(self) -> float:
        return float(min(self.samples))

    @property
    def maximum(self) -> float:
        return float(max(self.samples))

    def quartiles(self) -> tuple[float, float]:
        q1, q3 = np.percentile(self.samples, [25, 75])
        return float(q1), float(q3)

    @property
    def status(self) -> str:
        """ok, MISS, or "-" when there is no budget or the workload is not the budget's (quick mode)."""
        if self.budget is None or not self.comparable:
            return "-"
        return "ok" if self.budget.met_by(self.median) else "MISS"

    def to_json(self) -> dict[str, Any]:
        q1, q3 = self.quartiles()
        return {
            "key": self.key, "label": self.label, "unit": self.unit,
            "median": self.median, "min": self.minimum, "max": self.maximum, "q1": q1, "q3": q3,
            "runs": list(self.samples),
            "budget": None if self.budget is None else {
                "limit": self.budget.limit, "higher_is_better": self.budget.higher_is_better,
                "text": self.budget.text(self.unit)},
            "status": self.status, "comparable": self.comparable, "notes": self.notes,
            "extra": dict(self.extra),
        }


def format_value(value: float, unit: str) -> str:
    """A number with its unit, with as many digits as a reader needs."""
    if unit == "x":
        return f"{value:.0f}x" if value >= 100 else f"{value:.2f}x"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:g} {unit}"
