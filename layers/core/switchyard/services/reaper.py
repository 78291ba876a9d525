"""Keeps runs from getting stuck: requeues jobs whose runner died (once), fails them after, finalises runs."""

from __future__ import annotations

from datetime import timedelta

from ..domain import clock
from ..domain.commit_status import LEASE_LOST
from ..domain.errors import Conflict
from ..domain.states import State
from ..observability import logger
from ..queues import JobMessage, send_job
from ..store import jobs, runs
from . import runs as run_service
from . import statuses

MAX_ATTEMPTS = 2


def reap_expired_leases() -> int:
    count = 0
    for job_id in jobs.iter_expired_leases():
        job = jobs.get_job(job_id)
        if job is None or job.state != State.PROCESSING:
            continue
        requeue = job.attempts < MAX_ATTEMPTS and not job.cancel_requested
        if requeue:
            job.move(State.QUEUED)
            job.status_message = f"requeued: runner {job.runner_host or job.runner_id} stopped renewing its lease"
        else:
            job.move(State.CANCELED if job.cancel_requested else State.FAILED)
            job.status_message = f"{LEASE_LOST} (it died or lost the network)"
        job.lease_expires = None
        try:
            jobs.save_job(job)
        except Conflict:
            continue
        if requeue:
            send_job(JobMessage(job_id=job.id, run_id=job.run_id))
        else:
            statuses.notify([job])
        run_service.finalize(job.run_id)
        count += 1
    return count


def finalize_open_runs(idle_seconds: int = 60) -> int:
    cutoff = clock.iso(clock.now() - timedelta(seconds=idle_seconds))
    count = 0
    for run_id in runs.iter_open_run_ids(cutoff):
        run = run_service.finalize(run_id)
        if run is not None and run.is_final:
            count += 1
    return count


def sweep() -> dict[str, int]:
    result = {"requeued_or_failed": reap_expired_leases(), "finalised": finalize_open_runs()}
    logger.info("reaper sweep", extra=result)
    return result
