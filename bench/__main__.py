"""`python -m bench [module …]`: runs every benchmark module of this package and prints one table of figures."""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

from bench import Figure

HERE = Path(__file__).parent
HEADER = ["figure", "measured", "goal", "met", "Buildbot", "how"]


def modules(wanted: list[str]) -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))
    unknown = set(wanted) - set(found)
    if unknown:
        sys.exit(f"no benchmark module {', '.join(sorted(unknown))} (have: {', '.join(found)})")
    return [name for name in found if not wanted or name in wanted]


def table(figures: list[Figure]) -> str:
    rows = [HEADER, ["---"] * len(HEADER), *(f.cells() for f in figures)]
    return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)


def main(argv: list[str]) -> int:
    figures: list[Figure] = []
    legacy = []
    for name in modules(argv):
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "run"):
            started = time.monotonic()
            print(f"== bench.{name} …", flush=True)
            figures.extend(module.run())
            print(f"   done in {time.monotonic() - started:.0f} s", flush=True)
        elif hasattr(module, "main"):
            legacy.append((name, module))
    measured = datetime.date.today().isoformat()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    where = (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"load average {load} (figures in ms move with other work on the machine)")
    text = f"Measured {measured} on {where}.\n\n{table(figures)}\n"
    print()
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.md").write_text(text)
    for name, module in legacy:  # modules that print their own figures
        print(f"== bench.{name}")
        module.main()
    return 0  # a missed goal shows as **no** in the table; benchmarks report, they do not fail


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
