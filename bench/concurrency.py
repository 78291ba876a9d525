"""Concurrent webhook deliveries: 50 signed pushes sent 8 at a time, each delivered twice, racing itself."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from bench import Figure
from bench._stack import project_with, running
from tests.builds import deliver_github, github_push

DELIVERIES = 50
PARALLEL = 8
TRIVIAL = {"shippable.yml": "build:\n  ci:\n    - echo ok\n"}


def run() -> list[Figure]:
    from switchyard.store import runs

    with running(runners=1) as stack:
        project, sha = project_with(stack, "burst", TRIVIAL)
        body = github_push(project["fullName"], sha)
        deliveries = [uuid.uuid4().hex for _ in range(DELIVERIES)]
        sends = deliveries * 2  # every delivery twice: the SCM's retry racing the first try
        random.Random(7).shuffle(sends)

        def send(delivery: str) -> tuple[str, int, list[str]]:
            answer = deliver_github(stack.url, project["webhookSecret"], body, delivery)
            return delivery, answer.status_code, answer.json().get("runs", []) if answer.ok else []

        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = list(pool.map(send, sends))
        stored = runs.list_project_runs(project["id"], limit=DELIVERIES * 3)
    errors = sum(1 for _, status, _ in answers if status != 202)
    by_delivery: dict[str, set[str]] = defaultdict(set)
    for delivery, _, run_ids in answers:
        by_delivery[delivery].update(run_ids)
    duplicates = sum(len(ids) - 1 for ids in by_delivery.values() if len(ids) > 1) + max(0, len(stored) - DELIVERIES)
    how = f"{DELIVERIES} deliveries, each sent twice, {PARALLEL} at a time; runs counted in the project"
    return [
        Figure("concurrent deliveries: runs created", len(stored), "", f"exactly {DELIVERIES}",
               len(stored) == DELIVERIES, "", how),
        Figure("concurrent deliveries: duplicate runs", duplicates, "", "0", duplicates == 0, "",
               "a redelivery answered with another run, or runs beyond one per delivery"),
        Figure("concurrent deliveries: errors", errors, "", "0", errors == 0, "", "answers other than 202"),
    ]
