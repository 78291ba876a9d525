"""Benchmarks that print their figures (`make bench`); never timed assertions.

A module of this package that defines `run() -> list[Figure]` joins the one table `python -m bench` prints
(and writes to bench/results/latest.md); a module with only `main()` prints its own figures after it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    """One measured figure beside its goal: `ok` says whether the goal is met."""

    name: str
    value: float | int | str
    unit: str
    goal: str
    ok: bool
    baseline: str = ""  # the original service's figure, where the issue gives one (e.g. Buildbot's)
    note: str = ""  # how it was measured, when the name does not say it

    def cells(self) -> list[str]:
        value = f"{self.value:,.2f}" if isinstance(self.value, float) else f"{self.value:,}" if isinstance(
            self.value, int) else str(self.value)
        return [self.name, f"{value} {self.unit}".strip(), self.goal, "yes" if self.ok else "**no**", self.baseline,
                self.note]
