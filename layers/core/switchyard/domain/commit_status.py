"""What a job tells the SCM: its commit status state, context, link and description (pure)."""

from __future__ import annotations

from . import clock
from .model import Job
from .states import State

PENDING = "pending"
SUCCESS = "success"
FAILURE = "failure"
ERROR = "error"
CANCELED = "canceled"
STATES = (PENDING, SUCCESS, FAILURE, ERROR, CANCELED)
FINAL_STATES = frozenset({SUCCESS, FAILURE, ERROR, CANCELED})

DESCRIPTION_LIMIT = 140
CONTEXT_PREFIX = "switchyard/"
_LABEL_LIMIT = 100

# Jobs that ended because Switchyard failed them, not because the build did: reported as `error`.
RUNNER_ERROR = "runner error"
LEASE_LOST = "the runner stopped renewing its lease"

_BY_JOB_STATE = {
    State.WAITING: PENDING,
    State.QUEUED: PENDING,
    State.PROCESSING: PENDING,
    State.SUCCESS: SUCCESS,
    State.SKIPPED: SUCCESS,
    State.UNSTABLE: FAILURE,
    State.FAILED: FAILURE,
    State.TIMEOUT: ERROR,
    State.STOPPED: ERROR,
    State.CANCELED: CANCELED,
}


def is_infrastructure_failure(job: Job) -> bool:
    message = job.status_message or ""
    return job.state == State.FAILED and message.startswith((RUNNER_ERROR, LEASE_LOST))


def state_of(job: Job) -> str:
    """The status a job's current state shows on its commit."""
    if is_infrastructure_failure(job):
        return ERROR
    return _BY_JOB_STATE[State(job.state)]


def context_of(job: Job) -> str:
    label = " ".join((job.label or "").split())[:_LABEL_LIMIT] or f"job {job.number}"
    return CONTEXT_PREFIX + label


def target_url(public_url: str, job_id: str) -> str:
    """The job's page: Shippable's job route until the dashboard exists."""
    return f"{public_url.rstrip('/')}/jobs/{job_id}"


def _seconds(job: Job) -> str:
    millis = clock.millis_between(job.started_at, job.ended_at)
    return f" in {round(millis / 1000)} s" if millis is not None else ""


def description_of(job: Job, state: str, run_number: int) -> str:
    """One line for the SCM's list of checks, at most 140 characters."""
    name = f"Job {run_number}.{job.number}"
    if state == PENDING:
        text = f"{name} is queued"
    elif state == SUCCESS:
        text = f"{name} was skipped" if job.state == State.SKIPPED else f"{name} passed{_seconds(job)}"
    elif state == FAILURE:
        verb = "has failing tests" if job.state == State.UNSTABLE else "failed"
        text = f"{name} {verb}{_seconds(job)}"
        if job.allow_failure:
            text += " (failure allowed)"
    elif state == CANCELED:
        text = f"{name} was canceled"
    elif job.state == State.TIMEOUT:
        text = f"{name} timed out" + (f": {job.status_message}" if job.status_message else "")
    else:
        text = f"{name} errored" + (f": {job.status_message}" if job.status_message else "")
    return truncate(text)


def truncate(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
