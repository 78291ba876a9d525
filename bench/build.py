"""Builds end to end through `switchyard serve`: one trivial build (webhook → success), and 50 on one runner."""

from __future__ import annotations

import statistics
import time

from bench import Figure
from bench._stack import project_with, push, running, wait_final

TRIVIAL = {"shippable.yml": "build:\n  ci:\n    - echo ok\n"}
SINGLE_TRIES = 5
MANY = 50


def trivial_build_seconds() -> list[float]:
    """Webhook POST to the run's final state, one build at a time."""
    with running(runners=1) as stack:
        project, sha = project_with(stack, "solo", TRIVIAL)
        wait_final([push(stack, project, sha)])  # warm-up: the first clone and import of every module
        durations = []
        for _ in range(SINGLE_TRIES):
            started = time.perf_counter()
            states = wait_final([push(stack, project, sha)])
            durations.append(time.perf_counter() - started)
            assert set(states.values()) == {"success"}, states
        return durations


def many_builds_seconds() -> tuple[float, dict[str, int]]:
    """50 pushes delivered at once, one runner executing them: first POST to the last run final."""
    with running(runners=1) as stack:
        project, sha = project_with(stack, "many", TRIVIAL)
        started = time.perf_counter()
        run_ids = [push(stack, project, sha) for _ in range(MANY)]
        states = wait_final(run_ids)
        elapsed = time.perf_counter() - started
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    return elapsed, counts


def run() -> list[Figure]:
    single = trivial_build_seconds()
    median = statistics.median(single)
    many, states = many_builds_seconds()
    return [
        Figure("trivial build: webhook → success (median of 5)", round(median, 2), "s", "≤ 3 s", median <= 3,
               "0.92 s", f"min {min(single):.2f} s, max {max(single):.2f} s; `echo ok`, one runner"),
        Figure(f"{MANY} trivial builds on one runner", round(many, 1), "s", "≤ Buildbot's 47 s", many <= 47,
               "47 s", f"all pushed at once; final states {states}"),
    ]
