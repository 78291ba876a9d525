"""Reading, listing and deleting jobs with the visibility rules applied; every list is a Query on an index."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from itertools import islice

from .. import blobs
from ..auth import require_readable, require_writable
from ..domain import ids
from ..domain.errors import Conflict, Invalid, NotFound
from ..domain.model import Account, Job, Project, Run
from ..domain.states import ACTIVE, State
from ..store import jobs as job_store
from ..store import projects as project_store
from ..store import reports
from ..store import runs as run_store
from . import runs

MAX_PAGE = 100
MAX_SKIP = 10_000
MAX_FILTER_IDS = 50


@dataclass
class JobQuery:
    """GET /jobs: which jobs, newest first, one bounded page of them."""

    project_ids: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    is_pull_request: bool | None = None
    limit: int = MAX_PAGE
    skip: int = 0

    def check(self) -> None:
        for name, values in (("projectIds", self.project_ids), ("runIds", self.run_ids)):
            if len(values) > MAX_FILTER_IDS:
                raise Invalid(f"{name} may name at most {MAX_FILTER_IDS} ids", field=name)
            bad = [v for v in values if not ids.is_object_id(v)]
            if bad:
                raise Invalid(f"{name}: {bad[0]!r} is not a 24 character hex id", field=name)
        if not 1 <= self.limit <= MAX_PAGE:
            raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if not 0 <= self.skip <= MAX_SKIP:
            raise Invalid(f"skip must be between 0 and {MAX_SKIP}", field="skip")


@dataclass
class JobContext:
    """What rendering a page of jobs needs besides the jobs: their runs and projects, fetched in batches."""

    runs: dict[str, Run]
    projects: dict[str, Project]


def readable_project(account: Account, project_id: str, what: str = "project") -> Project:
    return require_readable(project_store.get_project(project_id), account, what)


def readable_run(account: Account, run_id: str, field_name: str = "buildId") -> tuple[Run, Project]:
    """A run the account may see, and its project; someone else's private run is NotFound."""
    if not ids.is_object_id(run_id):
        raise Invalid(f"{field_name} must be a 24 character hex id", field=field_name)
    run = run_store.get_run(run_id)
    if run is None:
        raise NotFound(f"build {run_id} not found")
    return run, readable_project(account, run.project_id, f"build {run_id}")


def readable_job(account: Account, job_id: str) -> tuple[Job, Run, Project]:
    if not ids.is_object_id(job_id):
        raise Invalid("jobId must be a 24 character hex id", field="jobId")
    job = job_store.get_job(job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    project = readable_project(account, job.project_id, f"job {job_id}")
    run = run_store.get_run(job.run_id)
    if run is None:
        raise NotFound(f"job {job_id} not found")
    return job, run, project


def list_jobs(account: Account, query: JobQuery) -> list[Job]:
    """A page of the jobs the account may see, newest first.

    The source is a Query: by run (`runIds`), by project (`projectIds`), else the caller's own jobs;
    status, branch and pull request are filter expressions on it, so a page reads at most the
    matching partition, never the table.
    """
    query.check()
    need = query.skip + query.limit
    condition = job_store.filter_condition(
        [s.value for s in query.states], query.branches, query.is_pull_request
    )
    found: list[Job] = []
    if query.run_ids:
        for run_id in dict.fromkeys(query.run_ids):
            run = run_store.get_run(run_id)
            if run is None or (query.project_ids and run.project_id not in query.project_ids):
                continue
            if _visible(account, run.project_id):
                found.extend(job_store.list_run_jobs(run_id, filter_condition=condition))
    elif query.project_ids:
        for project_id in dict.fromkeys(query.project_ids):
            if _visible(account, project_id):
                found.extend(islice(job_store.iter_project_jobs(project_id, filter_condition=condition), need))
    else:
        found.extend(islice(job_store.iter_owner_jobs(account.id, filter_condition=condition), need))
    found.sort(key=lambda j: (j.created_at, j.number), reverse=True)
    return found[query.skip : need]


def _visible(account: Account, project_id: str) -> bool:
    project = project_store.get_project(project_id)
    return project is not None and project.readable_by(account)


def context(job_list: list[Job]) -> JobContext:
    """The runs and projects of a page of jobs, by BatchGetItem (a few calls for a page of 100)."""
    if not job_list:
        return JobContext(runs={}, projects={})
    return JobContext(
        runs=run_store.get_runs({j.run_id for j in job_list}),
        projects=project_store.get_projects({j.project_id for j in job_list}),
    )


def delete(account: Account, job_id: str) -> tuple[Job, Run, Project]:
    """Remove a job with its console, reports and artifacts; an active job is cancelled first.

    A runner still executing it loses its lease on the next heartbeat (the record is gone), stops the
    build and discards what it uploads afterwards. A run left without active jobs is settled.
    """
    job, run, project = readable_job(account, job_id)
    require_writable(project, account)
    if job.state in ACTIVE:
        job = _cancel_for_deletion(job)
    blobs.delete_prefix(blobs.log_prefix(job.id))
    blobs.delete_prefix(blobs.artifact_prefix(job.id))
    reports.delete_all(job.id)
    job_store.delete_job(job.id)
    _settle_run(run)
    return job, run, project


def _cancel_for_deletion(job: Job) -> Job:
    for _ in range(5):
        if job.state not in ACTIVE:
            return job
        job.move(State.CANCELED)
        job.status_message = "canceled: the job was deleted"
        job.cancel_requested = True
        job.lease_expires = None
        try:
            return job_store.save_job(job)
        except Conflict:
            fresh = job_store.get_job(job.id)
            if fresh is None:
                return job
            job = fresh
    raise Conflict(f"job {job.id} keeps changing; try again")


def _settle_run(run: Run) -> None:
    if job_store.list_run_jobs(run.id):
        runs.finalize(run.id)
        return
    fresh = run_store.get_run(run.id)
    if fresh is None or fresh.is_final:
        return
    fresh.error = "every job of this build was deleted"
    fresh.move(State.CANCELED)
    with contextlib.suppress(Conflict):
        run_store.save_run(fresh)
