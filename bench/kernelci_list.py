"""List cost against table size: KernelCI `GET /job` and orchestrator `GET /jobs` as other accounts' runs pile up.

Seeds one caller with runs (most of them older than the date windows asked for) and a growing number of
runs of other accounts, then prints, per request, the DynamoDB calls made, the items they read and the
time taken. The reads follow the page and the caller's window, not the table: a page reads its own items
plus a COUNT Query over the caller's runs in the window (the `count` of the envelope, `total` of the
pagination), and a filtered list reads the caller's runs in the window. Other accounts' runs are never
read. (moto answers a Query by filtering the whole index in memory, so its milliseconds do grow with the
table; DynamoDB's do not: watch the items read.) Run: `python -m bench.kernelci_list` (or `make bench`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

OTHER_RUNS = (0, 1000, 4000)
CALLER_RUNS = 120  # 100 of them 30 days old, 20 from today
REQUESTS: list[tuple[str, str, str, dict[str, list[str]]]] = [
    ("kernelci_api", "/kernelci/job", "limit=10", {"limit": ["10"]}),
    ("kernelci_api", "/kernelci/job", "sort=created_on&limit=10", {"sort": ["created_on"], "limit": ["10"]}),
    ("kernelci_api", "/kernelci/job", "date_range=2&status=PASS", {"date_range": ["2"], "status": ["PASS"]}),
    ("kernelci_api", "/kernelci/job/distinct/kernel", "date_range=2", {"date_range": ["2"]}),
    ("orchestrator_api", "/orchestrator/v1/jobs", "limit=10", {"limit": ["10"]}),
]


class DynamoMeter:
    """Counts the DynamoDB calls PynamoDB makes and the items they read (ScannedCount, or 1 per GetItem)."""

    def __init__(self) -> None:
        self.calls = self.items = 0

    @contextmanager
    def watching(self):
        from pynamodb.connection.base import Connection

        original = Connection.dispatch

        def dispatch(connection: Any, operation: str, kwargs: dict[str, Any]) -> Any:
            data = original(connection, operation, kwargs)
            self.calls += 1
            self.items += int(data.get("ScannedCount", 1 if data.get("Item") else 0))
            return data

        Connection.dispatch = dispatch  # type: ignore[method-assign]
        try:
            yield self
        finally:
            Connection.dispatch = original  # type: ignore[method-assign]


def seed_runs(project: Any, count: int, age: timedelta | None = None, status: str = "PASS") -> None:
    from switchyard.domain import clock
    from switchyard.domain.states import State
    from switchyard.services import runs
    from switchyard.store import runs as run_store

    for index in range(count):
        run = runs.record_external_run(project, branch="master", kernel=f"k{index}", state=State.SUCCESS,
                                       external_status=status)
        if age is not None:
            run.created_at = clock.iso(clock.now() - age)
            run_store.save_run(run)


def new_project(login: str) -> tuple[Any, str]:
    from switchyard.services import projects
    from switchyard.store import accounts

    account, token = accounts.create_account(login)
    project = projects.create(account, projects.NewProject("github", f"{login}/tree", "file:///nowhere"))
    return project, token


def measure(handler: Callable, path: str, query: dict[str, list[str]], token: str) -> tuple[int, int, float, int]:
    from tests.events import api_event
    from tests.integration.handlers import call

    event = api_event("GET", path, query=query, headers={"Authorization": token, "X-Authentication": token})
    meter = DynamoMeter()
    started = time.perf_counter()
    with meter.watching():
        status, _ = call(handler, event)
    return meter.calls, meter.items, (time.perf_counter() - started) * 1000, status


def measurements():
    """(other accounts' runs, request, DynamoDB calls, items read, ms) as the table grows."""
    from tests.conftest import moto_stack
    from tests.integration.handlers import load_handler

    with moto_stack():
        handlers = {name: load_handler(name) for name in ("kernelci_api", "orchestrator_api")}
        caller, token = new_project("caller")
        seed_runs(caller, CALLER_RUNS - 20, age=timedelta(days=30))
        seed_runs(caller, 20)
        other, _ = new_project("others")
        seeded = 0
        for target in OTHER_RUNS:
            seed_runs(other, target - seeded)
            seeded = target
            for function, path, label, query in REQUESTS:
                calls, items, millis, status = measure(handlers[function], path, query, token)
                assert status == 200
                yield target, f"{path}?{label}", calls, items, millis


def run() -> list:
    """For `python -m bench`: items read and time per request with the most other accounts' runs."""
    from bench import Figure

    figures = []
    for target, request, calls, items, millis in measurements():
        if target == OTHER_RUNS[-1]:
            figures += [Figure(f"items read, GET {request} ({target:,} other runs, {calls} calls)", items, "items"),
                        Figure(f"time on moto, GET {request}", millis, "ms")]
    return figures


def main() -> None:
    print(f"caller: {CALLER_RUNS} runs (100 are 30 days old); other accounts' runs grow")
    print(f"{'other runs':>10}  {'request':<52} {'calls':>5} {'items read':>10} {'ms':>7}")
    for target, request, calls, items, millis in measurements():
        print(f"{target:>10}  {request:<52} {calls:>5} {items:>10} {millis:>7.1f}")


if __name__ == "__main__":
    main()
