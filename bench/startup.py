"""Start-up time as history grows: `switchyard serve` answering /health with 10,000 runs in its data dir.

A real stack builds one push to the end (run, job, console log, idempotency record, queue traffic);
its journal is then cloned, with fresh ids, into the data dir of 10,000 such runs: once as a compacted
snapshot, and once more as that snapshot plus a journal grown to the size that triggers compaction
(the most a start-up ever replays). Each figure is the time from starting `serve` to /health's 200.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from bench import Figure
from bench.durability import GOAL_P50_MS, GOAL_P95_MS, percentile, time_deliveries
from switchyard.local.durable import COMPACT_BYTES
from switchyard.local.journal import RecordFile, encode, header
from tests.builds import account_and_project, deliver_github, github_push, make_repo
from tests.conftest import Stack

RUNS = 10_000
GOAL_SECONDS = 10.0
ACKS_WITH_HISTORY = 100
PER_RUN_TABLES = {"RunsTable", "JobsTable", "ReportsTable", "IdempotencyTable"}
# ids to replace in each copy: message ids (UUIDs), our 24-hex ids, 32-hex blob and idempotency names
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                r"|(?<![0-9a-f])[0-9a-f]{24,32}(?![0-9a-f])")
KEPT_FILES = ("secret.key", "kms.json", "admin.token")


def seed(root: Path) -> tuple[Path, str, bytes]:
    """A data dir whose journal holds one push built to the end; its project's webhook secret and push."""
    repo = root / "repo"
    sha = make_repo(repo, {"shippable.yml": "build:\n  ci:\n    - echo building\n    - echo done\n"})
    stack = Stack(root / "seed", runners=1).start()
    try:
        _, project = account_and_project(stack, "bench", "bench/startup", f"file://{repo}")
        push = github_push("bench/startup", sha)
        answer = deliver_github(stack.url, project["webhookSecret"], push, "seed-1")
        run_id = answer.json()["runs"][0]
        deadline = time.monotonic() + 120
        while not _run_finished(root / "seed", run_id):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the seed build did not finish:\n{stack.log()}")
            time.sleep(0.5)
        time.sleep(1)  # let the reaper's and the runner's last writes land
    finally:
        stack.stop()
    return root / "seed", project["webhookSecret"], push


def _run_finished(data_dir: Path, run_id: str) -> bool:
    for record in _records(data_dir / "journal.jsonl"):
        if record.get("t") == "RunsTable" and record["k"]["id"]["S"] == run_id and record.get("i"):
            state = record["i"].get("state", {}).get("S")
            if state in {"success", "failed"}:
                return True
    return False


def _records(path: Path) -> Iterator[dict[str, Any]]:
    return (record for _, record in RecordFile(path, allow_torn_tail=True).records())


def _is_per_run(record: dict[str, Any]) -> bool:
    service = record["s"]
    if service == "ddb":
        return record["t"] in PER_RUN_TABLES
    if service == "s3":
        return record["k"].startswith(("logs/", "artifacts/"))
    return True  # queue traffic: triggers, job messages


def _key(record: dict[str, Any]) -> str:
    if record["s"] == "ddb":
        return json.dumps([record["t"], record["k"]], sort_keys=True)
    if record["s"] == "s3":
        return json.dumps([record["b"], record["k"]])
    return json.dumps([record["q"], record.get("id"), record["op"]])


class Cloner:
    """Copies of the seed run's records under fresh ids; blob files are hard-linked under their new names."""

    def __init__(self, seed_dir: Path, target: Path, per_run: list[dict[str, Any]], base: list[dict[str, Any]]):
        self.seed_blobs, self.target_blobs = seed_dir / "blobs", target / "blobs"
        shared = set(ID.findall(json.dumps(base)))
        self.template = json.dumps(per_run)
        self.ids = sorted(set(ID.findall(self.template)) - shared)
        self.pattern = re.compile("|".join(map(re.escape, self.ids)))

    def clone(self, number: int) -> list[dict[str, Any]]:
        fresh = {old: self._fresh(old) for old in self.ids}
        records = json.loads(self.pattern.sub(lambda m: fresh[m.group(0)], self.template))
        old_records = json.loads(self.template)
        for record, old in zip(records, old_records, strict=True):
            item = record.get("i")
            if record["s"] == "ddb" and item:
                for name in ("number", "seq", "build_num"):
                    if name in item and "N" in item[name]:
                        item[name]["N"] = str(number)
            if record["s"] == "s3" and record.get("f"):
                new_path = self.target_blobs / record["f"]
                new_path.parent.mkdir(parents=True, exist_ok=True)
                if not new_path.exists():
                    os.link(self.seed_blobs / old["f"], new_path)
        return records

    @staticmethod
    def _fresh(old: str) -> str:
        if "-" in old:
            return str(uuid.uuid4())
        return uuid.uuid4().hex[: len(old)]


def build_data_dir(seed_dir: Path, target: Path, runs: int, journal_bytes: int = 0) -> str:
    """A data dir of `runs` runs in a snapshot (plus a journal of history up to `journal_bytes`).

    Returns the id of the last run, to check it was loaded."""
    history = list(_records(seed_dir / "journal.jsonl"))
    latest: dict[str, dict[str, Any]] = {}
    for record in history:
        if record["s"] != "sqs":
            latest[_key(record)] = record  # queued messages were all consumed: none is in the final state
    final = list(latest.values())
    base = [r for r in final if not _is_per_run(r)]
    for record in base:
        if record.get("t") == "CountersTable":
            record["i"]["value"] = {"N": str(runs)}
    target.mkdir(parents=True)
    for name in KEPT_FILES:
        if (seed_dir / name).exists():
            shutil.copy2(seed_dir / name, target / name)
    final_cloner = Cloner(seed_dir, target, [r for r in final if _is_per_run(r)], base)
    last_run = ""
    with open(target / "snapshot.jsonl", "wb", buffering=1 << 20) as fh:
        fh.write(encode(header("snapshot", 1)))
        for record in base:
            fh.write(encode(record))
        for number in range(1, runs + 1):
            for record in final_cloner.clone(number):
                fh.write(encode(record))
                if record.get("t") == "RunsTable":
                    last_run = record["k"]["id"]["S"]
    history_cloner = Cloner(seed_dir, target, [r for r in history if _is_per_run(r)], base)
    with open(target / "journal.jsonl", "wb", buffering=1 << 20) as fh:
        written = fh.write(encode(header("journal", 1)))
        number = runs
        while written < journal_bytes:
            number += 1
            for record in history_cloner.clone(number):
                written += fh.write(encode(record))
    return last_run


def time_to_health(data_dir: Path) -> tuple[float, Stack]:
    """Seconds from starting `serve` until /health answers 200, and the running stack."""
    stack = Stack(data_dir)
    started = time.monotonic()
    stack.start(timeout=300)
    try:
        while True:
            try:
                if requests.get(f"{stack.url}/health", timeout=5).status_code == 200:
                    return time.monotonic() - started, stack
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
    except BaseException:
        stack.stop()
        raise


def _loaded(stack: Stack, run_id: str) -> bool:
    """The last cloned run is there: its id is known to the store (read through the stack's emulator)."""
    env = dict(line.split("=", 1) for line in (stack.data_dir / "runner.env").read_text().splitlines() if "=" in line)
    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_DEFAULT_REGION"],
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    return "Item" in ddb.get_item(TableName=env["SWITCHYARD_RUNS_TABLE"], Key={"id": {"S": run_id}})


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        root = Path(tmp)
        seed_dir, secret, push = seed(root)
        cases = [("snapshot", 0), ("snapshot + journal at the compaction size", COMPACT_BYTES)]
        for n, (label, journal_bytes) in enumerate(cases):
            data_dir = root / f"case-{n}"
            last_run = build_data_dir(seed_dir, data_dir, RUNS, journal_bytes)
            size = sum(p.stat().st_size for p in data_dir.glob("*.jsonl")) / (1 << 20)
            seconds, stack = time_to_health(data_dir)
            try:
                if not _loaded(stack, last_run):
                    raise RuntimeError(f"run {last_run} was not loaded:\n{stack.log()}")
                figures.append(Figure(f"start-up to /health, {RUNS:,} runs, {label} ({size:.0f} MiB)", seconds,
                                      "s", GOAL_SECONDS))
                if not journal_bytes:  # and the request path does not slow down with history
                    timings = time_deliveries(stack.url, secret, push, ACKS_WITH_HISTORY)
                    figures += [
                        Figure(f"webhook ack p50 with {RUNS:,} runs loaded", statistics.median(timings), "ms",
                               GOAL_P50_MS),
                        Figure(f"webhook ack p95 with {RUNS:,} runs loaded", percentile(timings, 0.95), "ms",
                               GOAL_P95_MS),
                    ]
            finally:
                stack.stop()
        empty = root / "empty"
        seconds, stack = time_to_health(empty)
        stack.stop()
        figures.append(Figure("start-up to /health, empty data dir", seconds, "s"))
    return figures
