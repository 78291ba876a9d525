"""kernelci-backend's build log summary: error, warning and section-mismatch lines, counted (pure)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# app/utils/log_parser.py; a line goes to the first category it matches
ERROR_PATTERNS = (
    re.compile("[Ee]rror:"),
    re.compile("^ERROR"),
    re.compile("undefined reference", re.IGNORECASE),
    re.compile("gcc doesn't support", re.IGNORECASE),
    re.compile("command not found", re.IGNORECASE),
    re.compile(r"^/bin/([bd]a)?sh", re.IGNORECASE),
    re.compile(r"^/bin/((tc)?z?c?k?)?sh", re.IGNORECASE),
)
WARNING_PATTERN = re.compile("warning:", re.IGNORECASE)
MISMATCH_PATTERN = re.compile("Section mismatch", re.IGNORECASE)
WARNING_EXCLUDES = (
    MISMATCH_PATTERN,
    re.compile("TODO: return_address should use unwind tables", re.IGNORECASE),
    re.compile("NPTL on non MMU needs fixing", re.IGNORECASE),
    re.compile("Sparse checking disabled for this file", re.IGNORECASE),
)
# Lines the runner writes to echo a step's command: the command is not its output.
COMMAND_ECHO = "$ "


@dataclass
class LogSummary:
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    mismatches: Counter[str] = field(default_factory=Counter)

    def add(self, lines: Iterable[str]) -> None:
        """Count one build's console lines into the summary (counts add up over builds)."""
        for raw in lines:
            if raw.startswith(COMMAND_ECHO):
                continue
            line = raw.strip()
            if line.startswith("../"):
                line = line[3:]
            if not line:
                continue
            if any(p.search(raw) for p in ERROR_PATTERNS):
                self.errors[line] += 1
            elif WARNING_PATTERN.search(raw) and not any(p.search(raw) for p in WARNING_EXCLUDES):
                self.warnings[line] += 1
            elif MISMATCH_PATTERN.search(raw):
                self.mismatches[line] += 1


def ranked(counts: Counter[str]) -> list[list[int | str]]:
    """`[[count, line], …]`, most frequent first and, for equal counts, lines in reverse order (as the original)."""
    return [[count, line] for line, count in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]


def summarise(consoles: Iterable[bytes]) -> LogSummary:
    summary = LogSummary()
    for console in consoles:
        summary.add(console.decode("utf-8", errors="replace").splitlines())
    return summary
