"""Commit statuses: queued when a job is queued or ends, posted by the status consumer, never in the build's way."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

from ..domain import clock
from ..domain import commit_status as cs
from ..domain.model import Job, Project
from ..domain.states import State
from ..observability import logger
from ..queues import StatusMessage, send_status, send_statuses
from ..scm_status import ScmRejected, ScmUnavailable, post_status
from ..settings import get_settings
from ..store import jobs, projects, runs
from . import secrets

MAX_DELAY_SECONDS = 900  # SQS's longest DelaySeconds

# What deliver() did with a message (logged by the consumer, asserted by tests).
POSTED, RETRYING, DROPPED, REJECTED, STALE, NOTHING_TO_DO = (
    "posted", "retrying", "dropped", "rejected", "stale", "nothing to do"
)


def notify(job_list: Iterable[Job], project: Project | None = None) -> int:
    """Queue the status each job's current state shows, if its project has a status token.

    A job that ends without ever being queued (a reserved job whose run was never planned) showed no
    pending status, so it shows no final one either. Never raises: a status that cannot be queued is
    logged and the build goes on.
    """
    job_list = [job for job in job_list if job.entered(State.QUEUED)]
    if not job_list:
        return 0
    try:
        project = project or projects.get_project(job_list[0].project_id)
        if project is None or not project.has_status_token:
            return 0
        send_statuses([StatusMessage(job_id=job.id, state=cs.state_of(job)) for job in job_list])
    except Exception:
        logger.exception("could not queue commit statuses", extra={"job_ids": [j.id for j in job_list]})
        return 0
    return len(job_list)


def deliver(message: StatusMessage) -> str:
    """Post one status. A failing SCM gets the message again later; one that refuses it is noted on the project."""
    job = jobs.get_job(message.job_id)
    if job is None:
        return NOTHING_TO_DO
    if message.state == cs.PENDING and job.is_final:
        return STALE  # the final status is queued too; a late pending must not overwrite it
    project = projects.get_project(job.project_id)
    ciphertext = projects.get_status_token_ciphertext(job.project_id) if project else None
    run = runs.get_run(job.run_id)
    if project is None or not ciphertext or run is None or not run.commit_sha:
        return NOTHING_TO_DO
    settings = get_settings()
    context = cs.context_of(job)
    try:
        post_status(
            project,
            _token(ciphertext, project.id),
            run.commit_sha,
            message.state,
            context,
            cs.target_url(settings.public_url, job.id),
            cs.description_of(job, message.state, run.number),
            timeout=settings.status_timeout_seconds,
        )
    except ScmRejected as err:
        _record(project, context, err.message)
        return REJECTED
    except ScmUnavailable as err:
        return _retry_or_drop(message, project, context, err)
    if message.state == cs.PENDING:
        _repost_final_if_overtaken(job.id)
    return POSTED


def backoff_seconds(attempt: int, retry_after: float | None = None) -> int:
    """Delay before the given retry (1-based): exponential, at least what the SCM asked, at most SQS's limit."""
    exponential = get_settings().status_retry_base_seconds * 2 ** (attempt - 1)
    return int(min(MAX_DELAY_SECONDS, max(exponential, math.ceil(retry_after or 0))))


def _retry_or_drop(message: StatusMessage, project: Project, context: str, err: ScmUnavailable) -> str:
    attempt = message.attempt + 1
    if attempt >= get_settings().status_max_attempts:
        _record(project, context, f"gave up after {attempt} attempts: {err.message}")
        return DROPPED
    delay = backoff_seconds(attempt, err.retry_after)
    send_status(message.model_copy(update={"attempt": attempt}), delay_seconds=delay)
    logger.info("SCM unavailable, status retried later",
                extra={"job_id": message.job_id, "attempt": attempt, "delay_seconds": delay, "error": err.message})
    return RETRYING


def _repost_final_if_overtaken(job_id: str) -> None:
    """The job may have ended while the pending status was on its way; post its final status after it."""
    job = jobs.get_job(job_id)
    if job is not None and job.is_final:
        send_status(StatusMessage(job_id=job.id, state=cs.state_of(job)))


def _record(project: Project, context: str, message: str) -> None:
    logger.warning("commit status not posted", extra={"project_id": project.id, "context": context, "error": message})
    projects.record_status_error(project.id, f"{clock.now_iso()} {context}: {message}")


@lru_cache(maxsize=64)
def _token(ciphertext: str, project_id: str) -> str:
    """Decrypted once per warm container; a changed token has a new ciphertext, so it is never stale."""
    return secrets.decrypt(ciphertext, context=project_id)
