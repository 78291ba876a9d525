"""AWS calls per request for every GET route of template.yaml, as the tables grow from 1k to 100k items.

One account owns a project with a finished build (run in-process on moto); the tables then fill with copies of
that whole world under other accounts (fresh ids, fresh global sequence numbers), written straight into moto's
backend. Each GET route is called through its function's handler with the owner's token, and a botocore
`before-call` hook on every client counts the calls it makes. The counts must not grow with the tables, and no
request may Scan. (moto answers a Query by filtering the whole table in memory, so its milliseconds do grow;
DynamoDB's do not: the call count is the figure.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import Figure

ROOT = Path(__file__).resolve().parents[1]
OWNER = "benchowner"
SIZES = (1_000, int(os.environ.get("BENCH_LARGE_ITEMS", "100000")))
# moto filters whole tables in Python for every Query: past this many seconds of seeding the large size stops
SEED_BUDGET_S = float(os.environ.get("BENCH_SEED_SECONDS", "120"))


class CallCounter:
    """Counts AWS calls by operation, through a `before-call` hook registered on every botocore client."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        self.calls[model.service_model.service_name + "." + model.name if model else "?"] += 1

    @contextmanager
    def installed(self) -> Iterator[CallCounter]:
        import botocore.session

        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-call", counter)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.session.Session.create_client = original  # type: ignore[method-assign]


def tenant(workdir: Path) -> dict[str, str]:
    """An account with a private project, a finished in-process build and a CircleCI envvar; path values."""
    from switchyard.store import jobs
    from tests.integration.builds import PASSING_YML, build, make_account, make_project, make_repo

    account, token = make_account(OWNER)
    repo = make_repo(workdir / "repo", {"shippable.yml": PASSING_YML})
    project = make_project(account, f"{OWNER}/app", repo.url)
    run = build(project)
    job = jobs.list_run_jobs(run.id)[0]
    return {"token": token, "account_id": account.id, "project_id": project.id, "run_id": run.id, "job_id": job.id,
            "run_number": str(run.number), "run_seq": str(run.seq), "build_num": str(job.build_num),
            "job_number": str(job.number), "provider": "github", "owner": OWNER, "repo": "app",
            "branch": "master", "envvar_name": "NOT_SET", "artifact_path": "shippable/none.txt",
            "distinct_field": "kernel", "step_index": "0"}


class Filler:
    """Copies of every item of the owner's world under fresh ids, put straight into moto's backend."""

    def __init__(self, values: dict[str, str], token_hash: str):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        from switchyard.settings import get_settings

        self.backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        settings = get_settings()
        self.tables = [v for k, v in settings.model_dump().items() if k.endswith("_table") and k != "idempotency_table"]
        self.templates = {table: [item.to_json()["Attributes"] for item in self.backend.get_table(table).all_items()]
                          for table in self.tables}
        ids = [values[k] for k in ("account_id", "project_id", "run_id", "job_id")] + [token_hash]
        self.pattern = re.compile("|".join(re.escape(i) for i in [*ids, OWNER]))
        self.copies = 0
        self.next_seq = 1_000_000
        before = self.items()
        self.add_copy()
        self.count = self.items()
        self.per_copy = self.count - before  # new items per copy (global counters are shared, not copied)
        self.timed_out = False

    def items(self) -> int:
        return sum(len(self.backend.get_table(t)) for t in self.tables)

    def add_copy(self) -> None:
        self.copies += 1
        suffix = f"{self.copies:08x}"
        mapping: dict[str, str] = {}

        def fresh(match: re.Match[str]) -> str:
            old = match.group(0)
            if old not in mapping:
                digest = hashlib.sha256(f"{old}/{suffix}".encode()).hexdigest()
                mapping[old] = f"other{suffix}" if old == OWNER else digest[: len(old)]
            return mapping[old]

        for table, items in self.templates.items():
            for item in items:
                copy = json.loads(self.pattern.sub(fresh, json.dumps(item)))
                if "seq" in copy:  # the global Puppet job number is unique per run
                    self.next_seq += 1
                    copy["seq"] = {"N": str(self.next_seq)}
                self.backend.put_item(table, copy)

    def fill_to(self, target: int, deadline: float) -> int:
        while self.count + self.per_copy <= target:
            if time.monotonic() > deadline:
                self.timed_out = True
                break
            self.add_copy()
            self.count += self.per_copy
        return self.items()


def get_routes() -> list[Any]:
    from switchyard.local.template import load

    return [r for r in sorted(load(ROOT / "template.yaml").routes, key=lambda r: r.path) if r.method == "GET"]


def measure(routes: list[Any], handlers: dict[str, Callable], values: dict[str, str],
            counter: CallCounter) -> dict[str, tuple[int, Counter[str], float]]:
    """route → (status, calls by operation, ms)."""
    from tests.events import api_event
    from tests.integration.handlers import call_raw
    from tests.world import auth_headers, fill, meaning, path_parameters

    results = {}
    for route in routes:
        params = {n: values.get(meaning(route.path, n) or "", "x") for n in path_parameters(route.path)}
        event = api_event("GET", fill(route.path, values, default="x"), resource=route.path,
                          headers=auth_headers(route.path, values["token"]), path_params=params or None)
        counter.calls.clear()
        started = time.perf_counter()
        status = call_raw(handlers[route.function], event)["statusCode"]
        results[f"GET {route.path}"] = (status, Counter(counter.calls), (time.perf_counter() - started) * 1000)
    return results


def run() -> list[Figure]:
    from switchyard.domain.model import hash_token
    from switchyard.local.template import load
    from tests.conftest import moto_stack
    from tests.integration.handlers import load_handler

    logging.getLogger("switchyard").setLevel(logging.WARNING)  # the build's own progress lines
    counter = CallCounter()
    template = load(ROOT / "template.yaml")
    routes = get_routes()
    with counter.installed(), moto_stack(), tempfile.TemporaryDirectory() as tmp:
        values = tenant(Path(tmp))
        handlers = {r.function: load_handler(template.functions[r.function].code_uri.strip("/").split("/")[-1])
                    for r in routes}
        filler = Filler(values, hash_token(values["token"]))
        measure(routes, handlers, values, counter)  # warm: first calls build clients and caches
        by_size = {}
        reached = {}
        for size in SIZES:
            reached[size] = filler.fill_to(size, time.monotonic() + SEED_BUDGET_S)
            by_size[size] = measure(routes, handlers, values, counter)
        timed_out = filler.timed_out
    return report(routes, by_size, reached, timed_out)


def report(routes: list[Any], by_size: dict[int, dict], reached: dict[int, int], timed_out: bool) -> list[Figure]:
    small, large = (by_size[s] for s in SIZES)
    print(f"   {'route':<72} {'status':>6} {'calls @' + format(reached[SIZES[0]], ','):>14} "
          f"{'calls @' + format(reached[SIZES[1]], ','):>16}")
    grew, scans, errors = [], 0, []
    for label in small:
        (status, calls_small, _), (status_large, calls_large, ms) = small[label], large[label]
        total_small, total_large = sum(calls_small.values()), sum(calls_large.values())
        print(f"   {label:<72} {status_large:>6} {total_small:>14} {total_large:>16}   {ms:,.0f} ms")
        if total_large > total_small:
            grew.append(label)
        scans += sum(n for op, n in (calls_small + calls_large).items() if op.endswith(".Scan"))
        if status >= 500 or status_large >= 500:
            errors.append(label)
    worst = max(sum(c.values()) for _, c, _ in large.values())
    note = f"{len(routes)} GET routes at {reached[SIZES[0]]:,} and {reached[SIZES[1]]:,} items"
    if timed_out:
        note += f" (seeding stopped at the {SEED_BUDGET_S:.0f} s budget short of {SIZES[1]:,}: moto is slow to fill)"
    return [
        Figure("GET routes whose AWS calls grow with the tables", len(grew), "", "0", not grew, "",
               note + (f"; grew: {', '.join(grew)}" if grew else "")),
        Figure("most AWS calls made by one GET request", worst, "calls", "constant in table size", not grew, "",
               "per route in `python -m bench aws_calls`"),
        Figure("Scans made by GET requests", scans, "", "0", scans == 0, "", "DynamoDB Scan operations counted"),
        Figure("GET requests answering 5xx", len(errors), "", "0", not errors, "", ", ".join(errors)),
    ]
