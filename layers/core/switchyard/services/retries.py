"""Retrying a job: a new run with one job, same commit, config and parameters, linked to the original."""

from __future__ import annotations

import dataclasses

from ..auth import require_writable
from ..domain import ids
from ..domain.errors import Invalid, NotFound
from ..domain.model import Account, Job, Project, Run
from ..domain.states import State
from ..queues import RetryMessage, send_retry
from ..settings import get_settings
from ..store import jobs, projects
from ..store import runs as run_store
from . import runs


def request(account: Account, project: Project, job: Job, ssh: bool = False) -> tuple[Run, Job]:
    """Reserve the retry's run and job now (the API answers with its number); the retry queue fills them in."""
    require_writable(project, account)
    original = run_store.get_run(job.run_id)
    if original is None or original.trigger is None:
        raise NotFound("the build to retry no longer exists")
    if not job.plan or not original.commit_sha:
        raise Invalid("this build never started, so there is nothing to retry; trigger a new build instead")
    retry_id = ids.new_id()
    trigger = dataclasses.replace(
        original.trigger,
        id=retry_id,
        source="retry",
        retry_of_job_id=job.id,
        ssh_enabled=ssh,
        triggered_by=account.login,
        revision=original.commit_sha,
    )
    run, _ = runs.open_run(trigger, project)
    new_job = runs.reserve_job(run, project, job.timeout_seconds or get_settings().job_timeout_seconds)
    send_retry(RetryMessage(job_id=job.id, retry_id=retry_id, ssh=ssh, requested_by=account.login))
    return run, new_job


def apply(message: RetryMessage) -> Run | None:
    """The retry queue's consumer: copy the original job's plan into the reserved job and queue it."""
    original = jobs.get_job(message.job_id)
    run = run_store.get_run(runs.run_id_for(message.retry_id))
    if original is None or run is None:
        return None
    if run.state != State.WAITING:
        if run.state == State.QUEUED:
            runs.queue_jobs(run, [j for j in jobs.list_run_jobs(run.id) if j.state == State.QUEUED])
        return run
    project = projects.get_project(run.project_id)
    if project is None:
        return runs.fail_run(run, "the project no longer exists")
    original_run = run_store.get_run(original.run_id)
    run.commit_sha = original_run.commit_sha if original_run else run.commit_sha
    run.config_kind = original_run.config_kind if original_run else None
    run = run_store.save_run(run)
    job_list = runs.create_jobs(run, project, list(original.plan), original.timeout_seconds)
    run = runs.mark_queued(run, len(job_list))
    runs.queue_jobs(run, job_list)
    return run
