"""Cancelling runs and jobs: flagged at once, settled by the cancel queue's consumer and the runners."""

from __future__ import annotations

import contextlib

from ..domain.errors import Conflict
from ..domain.model import Job, Run
from ..domain.states import ACTIVE, State
from ..queues import CancelMessage, send_cancel
from ..store import jobs
from ..store import runs as run_store
from . import runs, statuses


def request(run: Run, job_ids: list[str] | None = None) -> None:
    """Flag the run's active jobs (or the given ones) and queue the cancellation; idempotent."""
    targets = [j for j in jobs.list_run_jobs(run.id) if not job_ids or j.id in job_ids]
    for job in targets:
        if job.state in ACTIVE:
            jobs.request_cancel(job.id)
    send_cancel(CancelMessage(run_id=run.id, job_ids=list(job_ids or [])))
    if not targets and run.state == State.WAITING:
        apply(CancelMessage(run_id=run.id))


def apply(message: CancelMessage) -> None:
    """Cancel what has not started; running jobs stop at their runner's next heartbeat (SIGTERM, then SIGKILL)."""
    run = run_store.get_run(message.run_id) if message.run_id else None
    job_list = jobs.list_run_jobs(run.id) if run else [j for j in map(jobs.get_job, message.job_ids) if j]
    for job in job_list:
        if message.job_ids and job.id not in message.job_ids:
            continue
        _cancel_job(job)
    if run is not None:
        if not job_list and run.state == State.WAITING:
            run.error = "canceled before it was planned"
            run.move(State.CANCELED)
            with contextlib.suppress(Conflict):
                run_store.save_run(run)
        runs.finalize(run.id)
    else:
        for run_id in {j.run_id for j in job_list}:
            runs.finalize(run_id)


def _cancel_job(job: Job) -> None:
    for _ in range(5):
        if job.state == State.PROCESSING:
            jobs.request_cancel(job.id)
            return
        if job.state not in (State.WAITING, State.QUEUED):
            return
        job.move(State.CANCELED)
        job.status_message = "canceled"
        try:
            jobs.save_job(job)
            statuses.notify([job])
            return
        except Conflict:
            fresh = jobs.get_job(job.id)
            if fresh is None:
                return
            job = fresh
