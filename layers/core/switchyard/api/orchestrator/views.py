"""Every orchestrator shape: pure functions from runs (jobs) and their jobs (nodes) to the JSON it answered."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ...domain import clock
from ...domain.model import Account, Job, Project, Run
from ...domain.states import ACTIVE, State, StateEntry

PREFIX = "/orchestrator/v1"

# The canonical states as the orchestrator names them, for a job (a run) and for a node (a job).
_JOB_STATES: dict[State, str] = {
    State.WAITING: "new",
    State.QUEUED: "ready",
    State.PROCESSING: "running",
    State.SUCCESS: "finished",
    State.SKIPPED: "finished",  # nothing to build: the job completed with no node run
    State.UNSTABLE: "failed",
    State.FAILED: "failed",
    State.TIMEOUT: "failed",
    State.CANCELED: "stopped",
    State.STOPPED: "stopped",
}
_NODE_STATES: dict[State, str] = {
    State.WAITING: "new",
    State.QUEUED: "ready",
    State.PROCESSING: "running",
    State.SUCCESS: "finished",
    State.UNSTABLE: "failed",  # the build ran and its tests failed, as a Puppet run with failed resources
    State.FAILED: "failed",
    State.TIMEOUT: "errored",  # the build could not complete on the node
    State.CANCELED: "skipped",
    State.STOPPED: "skipped",
    State.SKIPPED: "skipped",
}


def puppet_state(state: State | str, *, node: bool = False, stopping: bool = False) -> str:
    """The one mapping from the canonical machine to orchestrator job states or node states.

    Jobs: new, ready, running, stopping, stopped, finished, failed. Nodes: new, ready, running,
    finished, failed, skipped, errored. `stopping` is an active job whose nodes were asked to stop.
    """
    state = State(state)
    if node:
        return _NODE_STATES[state]
    if stopping and state in ACTIVE:
        return "stopping"
    return _JOB_STATES[state]


def timestamp(value: str | None) -> str | None:
    """ISO-8601 in seconds, as the orchestrator writes it: 2016-05-20T16:45:31Z."""
    moment = clock.parse_iso(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def job_url(base: str, run: Run) -> str:
    return f"{base}{PREFIX}/jobs/{run.seq}"


def environment_name(run: Run, project: Project | None) -> str | None:
    """The branch the run built (its tag for a tag build), as the orchestrator's environment."""
    if run.branch:
        return run.branch
    if run.trigger and run.trigger.tag:
        return run.trigger.tag
    return project.default_branch if project else None


def _subject(run: Run) -> str:
    return run.trigger.commit.subject if run.trigger else ""


def options(run: Run, project: Project | None) -> dict[str, Any]:
    return {
        "noop": False,
        "concurrency": None,
        "environment": environment_name(run, project),
        "target": project.full_name if project else None,
        "description": _subject(run),
    }


def job_item(base: str, run: Run, project: Project | None, owner: Account, *, stopping: bool = False,
             node_count: int | None = None) -> dict[str, Any]:
    """An entry of `GET /jobs`."""
    url = job_url(base, run)
    return {
        "id": url,
        "name": str(run.seq),
        "state": puppet_state(run.state, stopping=stopping),
        "command": "deploy",
        "type": "deploy",
        "options": options(run, project),
        "owner": {"id": owner.id, "login": owner.login},
        "description": _subject(run),
        "timestamp": timestamp(run.created_at),
        "environment": {"name": environment_name(run, project)},
        "node_count": run.job_count if node_count is None else node_count,
        "nodes": {"id": f"{url}/nodes"},
        "report": {"id": f"{url}/report"},
    }


def status_list(history: list[StateEntry]) -> list[dict[str, Any]]:
    """Each orchestrator state the job went through with its enter and exit times; the current one has none."""
    entries: list[dict[str, Any]] = []
    for entry in history:
        state = puppet_state(entry.state)
        if entries and entries[-1]["state"] == state:
            continue
        if entries:
            entries[-1]["exit_time"] = timestamp(entry.entered_at)
        entries.append({"state": state, "enter_time": timestamp(entry.entered_at), "exit_time": None})
    return entries


def is_stopping(jobs: list[Job]) -> bool:
    return any(j.cancel_requested and j.state in ACTIVE for j in jobs)


def job_detail(base: str, run: Run, project: Project | None, owner: Account, jobs: list[Job]) -> dict[str, Any]:
    """`GET /jobs/:job-id`."""
    view = job_item(base, run, project, owner, stopping=is_stopping(jobs), node_count=len(jobs))
    view["status"] = status_list(run.history)
    counts = Counter(puppet_state(j.state, node=True) for j in jobs)
    view["node_states"] = dict(sorted(counts.items())) if jobs else None
    return view


def node_name(job: Job) -> str:
    """The runner host and the job's label, e.g. `local: FLAVOR=one`; the label alone until a runner has it."""
    label = job.label or f"job {job.number}"
    return f"{job.runner_host}: {label}" if job.runner_host else label


def metrics(job: Job) -> dict[str, int]:
    """A Puppet run's metrics filled from the job's test report (resources changed etc. have no counterpart)."""
    tests = job.tests or {}
    return {
        "total": int(tests.get("total", 0)),
        "passed": int(tests.get("passed", 0)),
        "failed": int(tests.get("failed", 0)) + int(tests.get("errors", 0)),
        "changed": 0,
        "skipped": int(tests.get("skipped", 0)),
        "restarted": 0,
        "scheduled": 0,
        "out_of_sync": 0,
        "failed_to_restart": 0,
    }


def failure_reason(job: Job) -> str:
    failed_step = next((s for s in job.steps if s.status == "failed"), None)
    if failed_step is not None and failed_step.exit_code is not None:
        name = failed_step.name if len(failed_step.name) <= 60 else failed_step.name[:57] + "..."
        return f"{name} exited with {failed_step.exit_code}"
    failed_tests = metrics(job)["failed"]
    return f"{failed_tests} tests failed" if failed_tests else "the build failed"


def node_message(job: Job, node_state: str) -> str:
    label = job.label or f"job {job.number}"
    where = f"{label} on {job.runner_host}" if job.runner_host else label
    reason = job.status_message or failure_reason(job)
    return {
        "new": f"{label} is waiting to be queued",
        "ready": f"{label} is queued for a runner",
        "running": f"Started {where}...",
        "finished": f"Finished {where} - Success!",
        "failed": f"Failed {where}: {reason}",
        "errored": f"Error running {where}: {job.status_message or job.state.value}",
        "skipped": f"Skipped {where}: {job.status_message or job.state.value}",
    }[node_state]


def _seconds(start: str | None, end: str | None) -> float | None:
    millis = clock.millis_between(start, end)
    return None if millis is None else round(millis / 1000, 3)


def console_url(base: str, job: Job) -> str:
    """The job's whole console, served by the Shippable dialect."""
    return f"{base}/jobs/{job.id}/consoles/download"


def node_details(base: str, job: Job, node_state: str, now: str) -> dict[str, Any]:
    message = node_message(job, node_state)
    if node_state in ("finished", "failed"):
        return {"message": message, "report-url": console_url(base, job), "metrics": metrics(job)}
    if node_state == "running":
        return {"message": message, "run-time": int(_seconds(job.started_at, now) or 0)}
    if node_state in ("skipped", "errored"):
        return {"message": message, "detail": job.status_message or job.state.value}
    return {"message": message}


def node_item(base: str, job: Job, now: str) -> dict[str, Any]:
    """An entry of `GET /jobs/:job-id/nodes`."""
    state = puppet_state(job.state, node=True)
    details = node_details(base, job, state, now)
    started = job.started_at
    return {
        "name": node_name(job),
        "state": state,
        "timestamp": timestamp(job.history[-1].entered_at if job.history else job.created_at),
        "start_timestamp": timestamp(started),
        "finish_timestamp": timestamp(job.ended_at),
        "duration": _seconds(started, job.ended_at or now) if started else None,
        "transaction_uuid": job.id,
        "details": details,
        "message": details["message"],
    }


def node_events(job: Job, first_id: int) -> list[dict[str, Any]]:
    """The node's events: one each time it started running or reached a final node state."""
    events = []
    name = node_name(job)
    for entry in job.history:
        state = puppet_state(entry.state, node=True)
        if state in ("new", "ready"):
            continue
        events.append({
            "id": str(first_id + len(events)),
            "type": f"node_{state}",
            "timestamp": timestamp(entry.entered_at),
            "details": {"node": name, "detail": {"noop": False}},
            "message": node_message(job, state),
        })
    return events


def report(jobs: list[Job]) -> dict[str, Any]:
    """`GET /jobs/:job-id/report`: each node with its state and events."""
    items, next_id = [], 1
    for job in jobs:
        events = node_events(job, next_id)
        next_id += len(events)
        items.append({
            "node": node_name(job),
            "state": puppet_state(job.state, node=True),
            "timestamp": timestamp(job.created_at),
            "events": events,
        })
    return {"items": items}


def sort_key(order_by: str | None, run: Run, project: Project | None, owner: Account):
    """What `order_by` compares; ties fall back to the job id."""
    if order_by == "environment":
        return (environment_name(run, project) or "", run.seq)
    if order_by == "state":
        return (puppet_state(run.state), run.seq)
    if order_by == "owner":
        return (owner.login, run.seq)
    if order_by == "timestamp":
        return (run.created_at, run.seq)
    return ("", run.seq)


def pagination(limit: int, offset: int, total: int, order: str, order_by: str | None) -> dict[str, Any]:
    return {"limit": limit, "offset": offset, "total": total, "order": order, "order_by": order_by or "timestamp"}
