"""`python -m bench [module …]`: run the benchmarks and print one table of figures beside their goals."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path

from . import Figure

# every module of this package with a run() -> list[Figure]
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def table(figures: list[tuple[str, Figure]]) -> str:
    rows = [("benchmark", "figure", "value", "goal", "")]
    for module, f in figures:
        goal = f"<= {f.goal:g} {f.unit}" if f.goal is not None else "-"
        rows.append((module, f.name, f"{f.value:.1f} {f.unit}" if f.value < 100 else f"{f.value:.0f} {f.unit}",
                     goal, f.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("modules", nargs="*", help=f"which benchmarks (default: all of {', '.join(MODULES)})")
    args = parser.parse_args(argv)
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(MODULES)}")
    figures: list[tuple[str, Figure]] = []
    for name in args.modules or MODULES:
        started = time.monotonic()
        print(f"running bench.{name} …", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        figures += [(name, f) for f in module.run()]
        print(f"bench.{name} took {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(table(figures))
    return 0  # figures, not a test: a missed goal shows in the table


if __name__ == "__main__":
    sys.exit(main())
