"""A `switchyard serve` for benchmarks: started in a temp dir, this process's store pointed at it, stopped after."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.builds import account_and_project, deliver_github, github_push, make_repo
from tests.conftest import Stack


@contextmanager
def running(runners: int = 2, env: dict[str, str] | None = None) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="switchyard-bench-") as tmp:
        stack = Stack(Path(tmp) / "data", runners=runners, env=env or {}).start()
        saved = dict(os.environ)
        try:
            attach(stack)
            yield stack
        finally:
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)


def attach(stack: Stack) -> None:
    """What tests.builds.attach_store does, without pytest: this process reads the stack's tables and bucket."""
    from switchyard import aws
    from switchyard.settings import reset_settings
    from switchyard.store import models

    for line in (stack.data_dir / "runner.env").read_text().splitlines():
        name, _, value = line.partition("=")
        os.environ[name] = value
    reset_settings()
    aws.reset()
    models.configure()


def project_with(stack: Stack, login: str, files: dict[str, str]) -> tuple[dict, str]:
    """An account's project on a fresh repository holding `files`; (project, commit sha)."""
    repo = stack.data_dir.parent / f"{login}-repo"
    sha = make_repo(repo, files)
    _, project = account_and_project(stack, login, f"{login}/bench", f"file://{repo}")
    return project, sha


def push(stack: Stack, project: dict, sha: str) -> str:
    """A signed GitHub push (a new delivery each time); the run id it queued."""
    body = github_push(project["fullName"], sha)
    answer = deliver_github(stack.url, project["webhookSecret"], body, uuid.uuid4().hex)
    if answer.status_code != 202:
        raise RuntimeError(f"push refused: {answer.status_code} {answer.text}")
    return answer.json()["runs"][0]


def wait_final(run_ids: list[str], timeout: float = 600, interval: float = 0.02) -> dict[str, str]:
    """Poll until every run is final; run id → final state."""
    from switchyard.store import runs

    pending, done = set(run_ids), {}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for run_id in list(pending):
            run = runs.get_run(run_id)
            if run is not None and run.is_final:
                done[run_id] = run.state.value
                pending.discard(run_id)
        if pending:
            time.sleep(interval)
    if pending:
        raise TimeoutError(f"{len(pending)} runs not final after {timeout} s")
    return done
