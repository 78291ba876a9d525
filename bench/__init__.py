"""Benchmarks that print their figures (`make bench`), each beside its goal; never timed assertions."""

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
