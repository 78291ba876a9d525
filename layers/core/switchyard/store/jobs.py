"""Jobs: a run's matrix entries or parallel nodes; claimed, leased, heartbeated and finished conditionally."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from ..domain import clock
from ..domain.errors import Conflict
from ..domain.model import Job, StepResult
from ..domain.states import ACTIVE, State, StateEntry
from .models import JobModel

LEASED = "lease"


def _job(item: JobModel) -> Job:
    return Job(
        state=State(item.state),
        history=[StateEntry.from_dict(h) for h in item.history or []],
        id=item.id,
        run_id=item.run_id,
        project_id=item.project_id,
        owner_id=item.owner_id,
        number=int(item.number),
        build_num=int(item.build_num),
        created_at=item.created_at,
        updated_at=item.updated_at,
        label=item.label or "",
        env=list(item.env or []),
        allow_failure=bool(item.allow_failure),
        timeout_seconds=int(item.timeout_seconds or 3600),
        plan=list(item.plan or []),
        steps=[StepResult(**s) for s in item.steps or []],
        node_index=int(item.node_index or 0),
        node_total=int(item.node_total or 1),
        runner_id=item.runner_id,
        runner_host=item.runner_host,
        lease_expires=int(item.lease_expires) if item.lease_expires is not None else None,
        cancel_requested=bool(item.cancel_requested),
        status_message=item.status_message,
        tests={k: int(v) for k, v in (item.tests.as_dict() if item.tests else {}).items()},
        coverage={k: float(v) for k, v in (item.coverage.as_dict() if item.coverage else {}).items()},
        log_bytes=int(item.log_bytes or 0),
        log_lines=int(item.log_lines or 0),
        artifacts=list(item.artifacts or []),
        archive_key=item.archive_key,
        retry_of=item.retry_of,
        attempts=int(item.attempts or 0),
        version=int(item.version or 0),
    )


def _item(job: Job, branch: str | None = None, commit_sha: str | None = None, is_pr: bool | None = None) -> JobModel:
    item = JobModel(
        job.id,
        run_id=job.run_id,
        number=job.number,
        project_id=job.project_id,
        build_num=job.build_num,
        owner_id=job.owner_id,
        created_at=job.created_at,
        updated_at=job.updated_at,
        lease_shard=LEASED if job.state == State.PROCESSING and job.lease_expires else None,
        lease_expires=job.lease_expires,
        state=job.state.value,
        history=[h.to_dict() for h in job.history],
        label=job.label,
        env=job.env,
        allow_failure=job.allow_failure,
        timeout_seconds=job.timeout_seconds,
        plan=job.plan,
        steps=[s.__dict__ for s in job.steps],
        node_index=job.node_index,
        node_total=job.node_total,
        runner_id=job.runner_id,
        runner_host=job.runner_host,
        cancel_requested=job.cancel_requested,
        status_message=job.status_message,
        tests=job.tests,
        coverage=job.coverage,
        log_bytes=job.log_bytes,
        log_lines=job.log_lines,
        artifacts=job.artifacts,
        archive_key=job.archive_key,
        retry_of=job.retry_of,
        attempts=job.attempts,
    )
    if branch is not None:
        item.branch = branch
    if commit_sha is not None:
        item.commit_sha = commit_sha
    if is_pr is not None:
        item.is_pull_request = is_pr
    if job.version:
        item.version = job.version
    return item


def put_new_job(job: Job, branch: str | None, commit_sha: str | None, is_pr: bool) -> bool:
    """Store a job that must not exist yet; False when it does (a redelivered trigger or retry)."""
    item = _item(job, branch, commit_sha, is_pr)
    try:
        item.save(condition=JobModel.id.does_not_exist())
    except PutError as err:
        if _conditional(err):
            return False
        raise
    job.version = int(item.version)
    return True


def save_job(job: Job) -> Job:
    """Write a changed job under its version: two writers racing on one job cannot both win."""
    job.updated_at = clock.now_iso()
    try:
        current = JobModel.get(job.id)
    except DoesNotExist as err:
        raise Conflict(f"job {job.id} no longer exists") from err
    item = _item(job, current.branch, current.commit_sha, current.is_pull_request)
    try:
        item.save()
    except PutError as err:
        if _conditional(err):
            raise Conflict(f"job {job.id} changed concurrently") from err
        raise
    job.version = int(item.version)
    return job


def get_job(job_id: str) -> Job | None:
    try:
        return _job(JobModel.get(job_id))
    except DoesNotExist:
        return None


def get_job_item(job_id: str) -> JobModel | None:
    """The raw item, for views that need the denormalised branch/commit fields."""
    try:
        return JobModel.get(job_id)
    except DoesNotExist:
        return None


def list_run_jobs(run_id: str, filter_condition: Condition | None = None) -> list[Job]:
    """A run's jobs in number order (a run has at most a few hundred)."""
    return [_job(i) for i in JobModel.by_run.query(run_id, filter_condition=filter_condition)]


def get_run_job(run_id: str, number: int) -> Job | None:
    for item in JobModel.by_run.query(run_id, JobModel.number == number, limit=1):
        return _job(item)
    return None


def filter_condition(
    states: list[str] | None = None, branches: list[str] | None = None, is_pull_request: bool | None = None
) -> Condition | None:
    """The list filters of the dialects as one DynamoDB filter expression (None when nothing is filtered)."""
    parts: list[Condition] = []
    if states:
        parts.append(JobModel.state.is_in(*states))
    if branches:
        parts.append(JobModel.branch.is_in(*branches))
    if is_pull_request is not None:
        parts.append(JobModel.is_pull_request == is_pull_request)
    condition = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def get_job_by_build_num(project_id: str, build_num: int) -> Job | None:
    for item in JobModel.by_project_build.query(project_id, JobModel.build_num == build_num, limit=1):
        return _job(item)
    return None


def iter_project_jobs(
    project_id: str, newest_first: bool = True, filter_condition: Condition | None = None, page_size: int = 100
) -> Iterator[Job]:
    query = JobModel.by_project_build.query(
        project_id, scan_index_forward=not newest_first, filter_condition=filter_condition, page_size=page_size
    )
    for item in query:
        yield _job(item)


def iter_project_builds(
    project_id: str, states: frozenset[State] | None = None, branch: str | None = None, page_size: int = 100
) -> Iterator[Job]:
    """A project's jobs newest build_num first, optionally only in some states or of one branch."""
    condition: Condition | None = None
    if states:
        condition = JobModel.state.is_in(*sorted(s.value for s in states))
    if branch is not None:
        on_branch = JobModel.branch == branch
        condition = on_branch if condition is None else condition & on_branch
    return iter_project_jobs(project_id, newest_first=True, filter_condition=condition, page_size=page_size)


def previous_job(project_id: str, build_num: int) -> Job | None:
    """The project's job with the highest build_num below this one."""
    query = JobModel.by_project_build.query(
        project_id, JobModel.build_num < build_num, scan_index_forward=False, limit=1
    )
    for item in query:
        return _job(item)
    return None


def iter_owner_jobs(
    owner_id: str, newest_first: bool = True, filter_condition: Condition | None = None, page_size: int = 100
) -> Iterator[Job]:
    query = JobModel.by_owner_created.query(
        owner_id, scan_index_forward=not newest_first, filter_condition=filter_condition, page_size=page_size
    )
    for item in query:
        yield _job(item)


def request_cancel(job_id: str) -> bool:
    """Flag a job for cancellation; its runner notices on the next heartbeat. False if it is already final."""
    try:
        JobModel(job_id).update(
            actions=[JobModel.cancel_requested.set(True), JobModel.updated_at.set(clock.now_iso())],
            condition=JobModel.state.is_in(*[s.value for s in ACTIVE]),
            add_version_condition=False,
        )
    except UpdateError as err:
        if _conditional(err):
            return False
        raise
    return True


def heartbeat(job_id: str, runner_id: str, lease_seconds: int) -> bool | None:
    """Extend a running job's lease. Returns whether cancel was requested, or None if the lease was lost."""
    item = JobModel(job_id)
    try:
        item.update(
            actions=[JobModel.lease_expires.set(int(time.time()) + lease_seconds)],
            condition=(JobModel.state == State.PROCESSING.value) & (JobModel.runner_id == runner_id),
            add_version_condition=False,
        )
    except UpdateError as err:
        if _conditional(err):
            return None
        raise
    return bool(item.cancel_requested)


def update_fields(job_id: str, **fields: Any) -> None:
    """Set plain progress fields (log size, step list) without touching state or version."""
    actions = [getattr(JobModel, name).set(value) for name, value in fields.items()]
    JobModel(job_id).update(actions=actions, add_version_condition=False)


def iter_expired_leases(now: int | None = None) -> Iterator[str]:
    """Ids of running jobs whose runner stopped renewing its lease."""
    moment = int(time.time()) if now is None else now
    for key in JobModel.leases.query(LEASED, JobModel.lease_expires < moment):
        yield key.id


def delete_job(job_id: str) -> None:
    JobModel(job_id).delete(add_version_condition=False)


def _conditional(err: PutError | UpdateError) -> bool:
    return getattr(err, "cause_response_code", None) == "ConditionalCheckFailedException"
