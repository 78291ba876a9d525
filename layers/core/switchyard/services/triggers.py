"""Builds started from an API (Shippable triggerBuild, CircleCI trigger): the same trigger queue as webhooks."""

from __future__ import annotations

from ..auth import require_writable
from ..domain import ids
from ..domain.errors import Invalid
from ..domain.model import Account, Commit, Job, Project, Run, Trigger
from ..queues import TriggerMessage, send_trigger
from ..settings import get_settings
from . import runs


def start(
    account: Account,
    project: Project,
    *,
    dialect: str,
    branch: str | None = None,
    tag: str | None = None,
    revision: str | None = None,
    parameters: dict[str, str] | None = None,
    job_name: str | None = None,
    parallel: int | None = None,
    reserve_job: bool = False,
) -> tuple[Run, Job | None]:
    """Open a run for the project and queue its trigger; with reserve_job, job 1 exists (waiting) at once."""
    require_writable(project, account)
    if tag and revision:
        raise Invalid("revision and tag cannot be used together", field="tag")
    if parallel is not None and not 1 <= parallel <= 64:
        raise Invalid("parallel must be between 1 and 64", field="parallel")
    trigger = Trigger(
        id=ids.new_id(),
        project_id=project.id,
        source="api",
        dialect=dialect,
        branch=branch or (None if tag else project.default_branch),
        tag=tag,
        revision=revision,
        commit=Commit(sha=revision),
        parameters={str(k): str(v) for k, v in (parameters or {}).items()},
        job_name=job_name,
        parallel=parallel,
        triggered_by=account.login,
        event="api",
    )
    run, _ = runs.open_run(trigger, project)
    job = runs.reserve_job(run, project, get_settings().job_timeout_seconds) if reserve_job else None
    send_trigger(TriggerMessage(trigger=runs.trigger_dict(trigger)))
    return run, job
