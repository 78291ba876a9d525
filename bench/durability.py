"""The cost of durability on the request path: webhook acknowledgement latency with and without the journal.

Starts `switchyard serve` (no runners; the planner plans every push) on a fresh data dir, registers
a project for a real git repository, then sends signed GitHub push deliveries one after another and
times each answer (202) as the SCM sees it; durable and in-memory stacks take turns, twice each.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
import tempfile
import time
from pathlib import Path

import requests

from bench import Figure
from tests.builds import account_and_project, github_push, make_repo
from tests.conftest import Stack

DELIVERIES = 200
ROUNDS = 2  # modes alternate, so a busy neighbour on the machine weighs on both alike
WARM_UP = 10
GOAL_P50_MS = 50.0
GOAL_P95_MS = 150.0


def ack_latencies(durable: bool, deliveries: int = DELIVERIES) -> list[float]:
    """Milliseconds from sending each signed push to its 202 on a fresh stack."""
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        root = Path(tmp)
        sha = make_repo(root / "repo", {"shippable.yml": "build:\n  ci:\n    - echo hi\n"})
        stack = Stack(root / "data", extra_args=[] if durable else ["--no-durability"]).start()
        try:
            _, project = account_and_project(stack, "bench", "bench/ack", f"file://{root / 'repo'}")
            return time_deliveries(stack.url, project["webhookSecret"], github_push("bench/ack", sha), deliveries)
        finally:
            stack.stop()


def time_deliveries(url: str, secret: str, body: bytes, deliveries: int, prefix: str = "bench") -> list[float]:
    """Send the same push under new delivery ids, one after another over one kept-alive connection;
    the milliseconds each took to be answered 202 (after a few not counted, to warm up)."""
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    session = requests.Session()
    timings = []
    for n in range(WARM_UP + deliveries):
        headers = {"X-GitHub-Event": "push", "X-GitHub-Delivery": f"{prefix}-{n}",
                   "Content-Type": "application/json", "X-Hub-Signature-256": signature}
        started = time.perf_counter()
        answer = session.post(f"{url}/hooks/github", data=body, headers=headers, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 202:
            raise RuntimeError(f"delivery {n} answered {answer.status_code}: {answer.text}")
        if n >= WARM_UP:
            timings.append(elapsed)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run() -> list[Figure]:
    samples: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for durable in (True, False):
            samples[durable] += ack_latencies(durable, DELIVERIES // ROUNDS)
    figures = []
    for durable, label in ((True, "durable"), (False, "--no-durability")):
        timings = samples[durable]
        figures += [
            Figure(f"webhook ack p50, {label} ({len(timings)} deliveries)", statistics.median(timings), "ms",
                   GOAL_P50_MS),
            Figure(f"webhook ack p95, {label}", percentile(timings, 0.95), "ms", GOAL_P95_MS),
        ]
    return figures
