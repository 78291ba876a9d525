"""A project's builds (runs with their jobs) for the dialects that list them, and cancelling one."""

from __future__ import annotations

from .. import blobs
from ..auth import require_writable
from ..domain.model import Account, Job, Project, Run
from ..domain.states import State
from ..queues import CancelMessage
from ..store import jobs as job_store
from ..store import runs as run_store
from . import cancel
from .jobs import readable_run

# Running and queued builds are looked for among this many of the project's newest runs: a build
# older than that still active is the reaper's business, not a list's.
RECENT_WINDOW = 100
MAX_NUMBER = 50

Build = tuple[Run, list[Job]]


def recent(project: Project, number: int, states: frozenset[State] | None = None) -> list[Build]:
    """Up to `number` of the project's newest runs (in `states`, if given), each with its jobs."""
    window = RECENT_WINDOW if states else number
    chosen = [r for r in run_store.list_project_runs(project.id, limit=window) if not states or r.state in states]
    return [(run, job_store.list_run_jobs(run.id)) for run in chosen[:number]]


def latest(project: Project) -> Build | None:
    found = recent(project, 1)
    return found[0] if found else None


def cancel_build(account: Account, run_id: str) -> tuple[Run, Project]:
    """Cancel every job of a run: queued ones at once, running ones at their runner's next heartbeat.

    A finished build is left as it is.
    """
    run, project = readable_run(account, run_id, "BuildId")
    require_writable(project, account)
    if not run.is_final:
        cancel.request(run)
        cancel.apply(CancelMessage(run_id=run.id))
    return run_store.get_run(run.id) or run, project


def artifact_url(job: Job, filename: str) -> str:
    """A presigned URL of the job's `shippable/` tarball (the caller checked it has one)."""
    return blobs.presigned_get(job.archive_key or "", filename=filename)
