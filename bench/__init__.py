"""Benchmarks of Switchyard: each module measures figures and reports them beside their goals."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    """One measured figure; `goal` is the upper bound it should stay under (None: informative only)."""

    name: str
    value: float
    unit: str
    goal: float | None = None

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        return "ok" if self.value <= self.goal else "MISSED"
