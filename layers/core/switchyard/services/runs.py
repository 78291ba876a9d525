"""The life of a run: planned from a trigger, its jobs queued, finalised when they are all done."""

from __future__ import annotations

from dataclasses import asdict

from .. import blobs
from ..domain import clock, ids
from ..domain.errors import DomainError, NotFound, Unavailable
from ..domain.model import Commit, Job, Project, Run, Trigger
from ..domain.states import FINAL, State, StateEntry, derive_run_state
from ..observability import logger
from ..queues import JobMessage, send_jobs
from ..store import counters, jobs, projects, reports, runs
from ..store.runs import trigger_from_dict
from . import statuses


class PlanningError(DomainError):
    """The run cannot be planned (unreachable repository, missing commit, no or invalid config)."""


def run_id_for(trigger_id: str) -> str:
    """Runs are keyed on their trigger, so a redelivered trigger finds the run it already made."""
    return ids.derived_id("run", trigger_id)


def job_id_for(run_id: str, number: int) -> str:
    return ids.derived_id("job", run_id, str(number))


def open_run(trigger: Trigger, project: Project) -> tuple[Run, bool]:
    """Create the run of a trigger in `waiting`, or return the one a previous delivery created."""
    run_id = run_id_for(trigger.id)
    existing = runs.get_run(run_id)
    if existing is not None:
        return existing, False
    now = clock.now_iso()
    run = Run(
        state=State.WAITING,
        history=[StateEntry(State.WAITING, now)],
        id=run_id,
        project_id=project.id,
        owner_id=project.owner_id,
        number=counters.next_value(counters.project_run_counter(project.id)),
        seq=counters.next_value(counters.GLOBAL_RUN_SEQ),
        created_at=now,
        updated_at=now,
        trigger=trigger,
        commit_sha=trigger.commit.sha,
    )
    if not runs.put_new_run(run):
        return runs.get_run(run_id), False  # type: ignore[return-value]
    return run, True


def fail_run(run: Run, message: str) -> Run:
    """Record why a run could not start; visible in every dialect as a failed run."""
    return _end_before_start(run, State.FAILED, message)


def skip_run(run: Run, reason: str) -> Run:
    return _end_before_start(run, State.SKIPPED, reason)


def _end_before_start(run: Run, state: State, reason: str) -> Run:
    """End a run that never got going, and any job reserved for it (e.g. the build_num a CircleCI
    trigger answered with), so nothing is left waiting."""
    if run.is_final:
        return run
    for job in jobs.list_run_jobs(run.id):
        if job.state == State.WAITING:
            job.move(state)
            job.status_message = reason
            jobs.save_job(job)
    run.error = reason
    run.move(state)
    return runs.save_run(run)


def _new_job(run: Run, project: Project, number: int, state: State, plan: dict | None, timeout: int) -> Job:
    now = clock.now_iso()
    trigger = run.trigger
    plan = plan or {}
    return Job(
        state=state,
        history=[StateEntry(state, now)],
        id=job_id_for(run.id, number),
        run_id=run.id,
        project_id=project.id,
        owner_id=project.owner_id,
        number=number,
        build_num=counters.next_value(counters.project_build_counter(project.id)),
        created_at=now,
        updated_at=now,
        label=plan.get("label", ""),
        env=list(plan.get("env", [])),
        allow_failure=bool(plan.get("allow_failure", False)),
        timeout_seconds=timeout,
        plan=[plan] if plan else [],
        node_index=int(plan.get("node_index", 0)),
        node_total=int(plan.get("node_total", 1)),
        retry_of=trigger.retry_of_job_id if trigger else None,
    )


def reserve_job(run: Run, project: Project, timeout_seconds: int) -> Job:
    """Create job 1 of a run in `waiting` before planning, so an API can answer with its build_num."""
    job_id = job_id_for(run.id, 1)
    existing = jobs.get_job(job_id)
    if existing is not None:
        return existing
    job = _new_job(run, project, 1, State.WAITING, None, timeout_seconds)
    trigger = run.trigger
    if not jobs.put_new_job(job, run.branch, run.commit_sha, bool(trigger and trigger.is_pull_request)):
        return jobs.get_job(job_id)  # type: ignore[return-value]
    return job


def create_jobs(run: Run, project: Project, plans: list[dict], timeout_seconds: int) -> list[Job]:
    """Store one queued job per plan (idempotently; a reserved job takes its plan) and queue the pending
    statuses of the jobs this call queued; in number order."""
    trigger = run.trigger
    made: list[Job] = []
    new: list[Job] = []
    for number, plan in enumerate(plans, start=1):
        existing = jobs.get_job(job_id_for(run.id, number))
        if existing is not None and existing.state == State.WAITING:
            existing.plan = [plan]
            existing.label = plan.get("label", "")
            existing.env = list(plan.get("env", []))
            existing.allow_failure = bool(plan.get("allow_failure", False))
            existing.node_index = int(plan.get("node_index", 0))
            existing.node_total = int(plan.get("node_total", 1))
            existing.move(State.QUEUED)
            made.append(jobs.save_job(existing))
            new.append(existing)
            continue
        if existing is not None:
            made.append(existing)
            continue
        job = _new_job(run, project, number, State.QUEUED, plan, timeout_seconds)
        if jobs.put_new_job(job, run.branch, run.commit_sha, bool(trigger and trigger.is_pull_request)):
            new.append(job)
        made.append(job)
    statuses.notify(new, project)
    return made


def queue_jobs(run: Run, job_list: list[Job]) -> None:
    """One message per queued job; runners claim conditionally, so sending twice is harmless."""
    send_jobs([JobMessage(job_id=j.id, run_id=run.id) for j in job_list if j.state == State.QUEUED])


def mark_queued(run: Run, job_count: int) -> Run:
    if run.state == State.WAITING:
        run.job_count = job_count
        run.move(State.QUEUED)
        return runs.save_run(run)
    return run


def finalize(run_id: str, attempts: int = 8) -> Run | None:
    """Bring a run's state in line with its jobs; a no-op while any job is still active.

    Jobs finishing at once race here; the run's version makes one writer win and the other re-reads.
    """
    for _ in range(attempts):
        run = runs.get_run(run_id)
        if run is None or run.is_final:
            return run
        job_list = jobs.list_run_jobs(run_id)
        if not job_list:
            return run
        target = derive_run_state([(j.state, j.allow_failure) for j in job_list])
        if target == run.state:
            return run
        if target == State.PROCESSING and run.state in (State.WAITING, State.QUEUED):
            run.move(State.PROCESSING, at=min(j.started_at or clock.now_iso() for j in job_list))
        elif target in FINAL:
            if run.state in (State.WAITING, State.QUEUED):
                run.move(State.PROCESSING)
            run.move(target, at=max(j.ended_at or clock.now_iso() for j in job_list))
        else:
            return run
        try:
            return runs.save_run(run)
        except DomainError:
            continue
    logger.warning("run kept changing while finalising; the reaper will settle it", extra={"run_id": run_id})
    return runs.get_run(run_id)


def record_external_run(
    project: Project,
    *,
    branch: str,
    kernel: str,
    state: State,
    external_status: str,
    commit_sha: str | None = None,
    dialect: str = "kernelci",
) -> Run:
    """A run reported from outside (a build system that ran elsewhere): no jobs, already in `state`."""
    trigger = Trigger(id=ids.new_id(), project_id=project.id, source="api", dialect=dialect, branch=branch,
                      commit=Commit(sha=commit_sha))
    run, _ = open_run(trigger, project)
    run.kernel, run.external_status = kernel, external_status
    if state != run.state:
        run.move(State.PROCESSING)
        if state != State.PROCESSING:
            run.move(state)
    return runs.save_run(run)


def set_external_status(run: Run, status: str) -> Run:
    """Record the status an outside system gives a run; dialects that know it show it over the derived one."""
    run.external_status = status
    return runs.save_run(run)


def delete_run(run: Run) -> None:
    """Remove a run with everything it produced: its jobs, their reports, console logs and artifacts."""
    for job in jobs.list_run_jobs(run.id):
        blobs.delete_prefix(blobs.log_prefix(job.id))
        blobs.delete_prefix(blobs.artifact_prefix(job.id))
        reports.delete_all(job.id)
        jobs.delete_job(job.id)
    runs.delete_run(run.id)


def project_of(trigger: Trigger) -> Project:
    project = projects.get_project(trigger.project_id)
    if project is None:
        raise NotFound(f"project {trigger.project_id} no longer exists")
    return project


def trigger_of(data: dict) -> Trigger:
    trigger = trigger_from_dict(data)
    if trigger is None:
        raise PlanningError("empty trigger")
    return trigger


def trigger_dict(trigger: Trigger) -> dict:
    return asdict(trigger)


__all__ = [
    "PlanningError",
    "Unavailable",
    "create_jobs",
    "delete_run",
    "fail_run",
    "finalize",
    "mark_queued",
    "open_run",
    "project_of",
    "queue_jobs",
    "record_external_run",
    "set_external_status",
    "skip_run",
    "trigger_dict",
    "trigger_of",
]
