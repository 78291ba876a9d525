"""Benchmarks that print their figures (`make bench`); never timed assertions.

A module of this package that defines `run() -> list[Figure]` joins the one table `python -m bench` prints
(and writes to bench/results/latest.md); a module with only `main()` prints its own figures after it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Figure:
    """One measured figure beside its goal.

    `goal` is either a text (then `ok` says whether it is met) or a number the value should stay at or
    under (then `ok` is worked out); None means the figure is informative only.
    """

    name: str
    value: float | int | str
    unit: str
    goal: str | float | None = None
    ok: bool | None = None
    baseline: str = ""  # the original service's figure, where the issue gives one (e.g. Buildbot's)
    note: str = ""  # how it was measured, when the name does not say it

    def __post_init__(self) -> None:
        if isinstance(self.goal, int | float) and not isinstance(self.goal, bool):
            bound = self.goal
            self.goal = f"<= {bound:g} {self.unit}".strip()
            if self.ok is None and isinstance(self.value, int | float):
                self.ok = self.value <= bound

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else ("ok" if self.ok else "MISSED")

    def cells(self) -> list[str]:
        if isinstance(self.value, float):
            value = f"{self.value:,.2f}"
        elif isinstance(self.value, int):
            value = f"{self.value:,}"
        else:
            value = str(self.value)
        met = "" if self.ok is None else ("yes" if self.ok else "**no**")
        return [self.name, f"{value} {self.unit}".strip(), self.goal or "-", met, self.baseline, self.note]
