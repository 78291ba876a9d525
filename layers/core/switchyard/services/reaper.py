"""Keeps runs from getting stuck: requeues jobs whose runner died (once), fails them after, finalises runs,
and sends again what a crash between a write and its message may have lost."""

from __future__ import annotations

from datetime import timedelta

from ..domain import clock
from ..domain.commit_status import LEASE_LOST
from ..domain.errors import Conflict
from ..domain.model import Run
from ..domain.states import State
from ..observability import logger
from ..queues import JobMessage, TriggerMessage, send_job, send_jobs, send_trigger
from ..settings import get_settings
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


def settle_idle_runs(idle_seconds: int | None = None) -> dict[str, int]:
    """Runs nobody touched for a whole lease: finalise those whose jobs are all done, resume the others."""
    idle = get_settings().lease_seconds if idle_seconds is None else idle_seconds
    cutoff = clock.iso(clock.now() - timedelta(seconds=idle))
    counts = {"finalised": 0, "resumed": 0}
    for run_id in runs.iter_open_run_ids(cutoff):
        run = run_service.finalize(run_id)
        if run is None:
            continue
        if run.is_final:
            counts["finalised"] += 1
        elif resume(run, cutoff):
            counts["resumed"] += 1
    return counts


def resume(run: Run, cutoff: str) -> bool:
    """Send again the message a stalled run waits for; the planner and the runners' claims are idempotent.

    A run still `waiting` may have lost its trigger (the process died between storing the run and
    sending it); a job still `queued` may have lost its message (between the reaper's requeue, or the
    planner's, and the send). The run is touched first, so each stalled run is resumed once per lease.
    """
    if run.state == State.WAITING:
        if run.trigger is None or not _touch(run):
            return False
        send_trigger(TriggerMessage(trigger=run_service.trigger_dict(run.trigger)))
        logger.info("resumed a waiting run: trigger sent again", extra={"run_id": run.id})
        return True
    stalled = [j for j in jobs.list_run_jobs(run.id) if j.state == State.QUEUED and (j.updated_at or "") < cutoff]
    if not stalled or not _touch(run):
        return False
    send_jobs([JobMessage(job_id=j.id, run_id=run.id) for j in stalled])
    logger.info("resumed queued jobs: messages sent again", extra={"run_id": run.id, "jobs": len(stalled)})
    return True


def _touch(run: Run) -> bool:
    try:
        runs.save_run(run)
    except Conflict:
        return False  # someone is working on it right now: not stalled
    return True


def sweep() -> dict[str, int]:
    result = {"requeued_or_failed": reap_expired_leases(), **settle_idle_runs()}
    logger.info("reaper sweep", extra=result)
    return result
