"""Every CircleCI v1.1 shape: pure functions from domain objects to the JSON circleci.com answers."""

from __future__ import annotations

from typing import Any

from ...domain import clock
from ...domain.model import Account, Commit, Job, Project, Run, StepResult
from ...domain.states import ACTIVE, State
from .links import VCS_TYPES, Links

VCS_HOSTS = {"github": "github.com", "bitbucket": "bitbucket.org", "gitlab": "gitlab.com"}
WHY = {"api": "api", "retry": "retry"}
STEP_TYPES = {
    "setup": "infrastructure",
    "checkout": "checkout",
    "run": "test",
    "store_test_results": "upload",
    "store_artifacts": "upload",
}
TEST_RESULTS = {"success": "success", "failure": "failure", "error": "failure", "skipped": "skipped"}

FINISHED = frozenset(
    {State.SUCCESS, State.FAILED, State.UNSTABLE, State.TIMEOUT, State.CANCELED, State.STOPPED}
)
# `filter` of the build lists, as sets of canonical states.
FILTERS: dict[str, frozenset[State]] = {
    "completed": FINISHED,
    "successful": frozenset({State.SUCCESS}),
    "failed": frozenset({State.FAILED, State.UNSTABLE, State.TIMEOUT, State.STOPPED}),
    "running": frozenset(ACTIVE),
}


def vocabulary(state: State | str, cancel_requested: bool = False) -> tuple[str, str | None, str]:
    """(lifecycle, outcome, status) of a canonical state; the only place CircleCI's words are chosen.

    A cancel the runner has not acted on yet already reads as canceled, as it does on circleci.com.
    """
    state = State(state)
    if cancel_requested and state in ACTIVE:
        return _LIFECYCLE[state], "canceled", "canceled"
    return _LIFECYCLE[state], _OUTCOME.get(state), _STATUS[state]


_LIFECYCLE = {
    State.WAITING: "not_running",
    State.QUEUED: "queued",
    State.PROCESSING: "running",
    State.SKIPPED: "not_run",
    **{state: "finished" for state in FINISHED},
}
_OUTCOME = {
    State.SUCCESS: "success",
    State.FAILED: "failed",
    State.UNSTABLE: "failed",  # the commands passed but tests failed
    State.TIMEOUT: "timedout",
    State.CANCELED: "canceled",
    State.STOPPED: "infrastructure_fail",
}
_STATUS = {
    State.WAITING: "not_running",
    State.QUEUED: "queued",
    State.PROCESSING: "running",
    State.SKIPPED: "not_run",
    **_OUTCOME,
}


def vcs_url(project: Project) -> str:
    return f"https://{VCS_HOSTS.get(project.provider, project.provider)}/{project.full_name}"


def _commit(run: Run | None) -> Commit:
    return run.trigger.commit if run and run.trigger else Commit()


def _why(run: Run | None, project: Project) -> str:
    source = run.trigger.source if run and run.trigger else "api"
    return WHY.get(source, project.provider)


def _queued_at(job: Job) -> str:
    return job.entered(State.QUEUED) or job.created_at


def summary(
    job: Job,
    run: Run | None,
    project: Project,
    links: Links,
    *,
    retry_of: int | None = None,
    previous: Job | None = None,
    shallow: bool = False,
) -> dict[str, Any]:
    """A build in the lists (`/recent-builds`, `/project/...`) and in the answers to trigger and retry."""
    trigger = run.trigger if run else None
    commit = _commit(run)
    lifecycle, outcome, status = vocabulary(job.state, job.cancel_requested)
    started, stopped = job.started_at, job.ended_at
    view: dict[str, Any] = {
        "vcs_url": vcs_url(project),
        "build_url": links.build(project, job.build_num),
        "build_num": job.build_num,
        "branch": run.branch if run else None,
        "vcs_revision": (run.commit_sha if run else None) or commit.sha,
        "vcs_tag": trigger.tag if trigger else None,
        "committer_name": commit.committer_name or commit.author_name or None,
        "committer_email": commit.committer_email or commit.author_email or None,
        "committer_date": commit.timestamp,
        "author_name": commit.author_name or None,
        "author_email": commit.author_email or None,
        "author_date": commit.timestamp,
        "subject": commit.subject or None,
        "body": commit.body,
        "why": _why(run, project),
        "dont_build": job.status_message if job.state == State.SKIPPED else None,
        "queued_at": _queued_at(job),
        "usage_queued_at": job.created_at,
        "start_time": started,
        "stop_time": stopped,
        "build_time_millis": clock.millis_between(started, stopped) if started else None,
        "username": project.owner_name,
        "reponame": project.name,
        "vcs_type": VCS_TYPES.get(project.provider, project.provider),
        "lifecycle": lifecycle,
        "outcome": outcome,
        "status": status,
        "parallel": job.node_total,
        "platform": "2.0",
        "job_name": _job_name(job, run),
        "build_parameters": dict(trigger.parameters) if trigger else {},
        "ssh_enabled": bool(trigger and trigger.ssh_enabled),
        "user": _user(trigger.triggered_by if trigger else None, project),
        "workflows": _workflow(job, run),
        "fleet": "switchyard",
    }
    if not shallow:
        view.update(
            {
                "retry_of": retry_of,
                "previous": _previous(previous),
                "canceled": status == "canceled",
                "failed": True if outcome in ("failed", "timedout", "infrastructure_fail") else None,
                "timedout": outcome == "timedout",
                "infrastructure_fail": outcome == "infrastructure_fail",
                "has_artifacts": bool(job.artifacts),
                "oss": not project.is_private,
                "compare": trigger.compare_url if trigger else None,
                "pull_requests": _pull_requests(run, project),
                "node": None,
            }
        )
    return view


def detail(
    job: Job,
    run: Run | None,
    project: Project,
    links: Links,
    *,
    retry_of: int | None = None,
    previous: Job | None = None,
) -> dict[str, Any]:
    """`GET /project/:vcs/:user/:project/:build_num`: the summary plus steps, commits and messages."""
    view = summary(job, run, project, links, retry_of=retry_of, previous=previous)
    commit, sha = _commit(run), view["vcs_revision"]
    view.update(
        {
            "steps": [_step(project, job, index, step, links) for index, step in enumerate(job.steps)],
            "all_commit_details": [_commit_detail(commit, sha, project)] if sha else [],
            "all_commit_details_truncated": False,
            "messages": _messages(job, run),
            "ssh_users": [],
            "circle_yml": None,
            "picard": None,
            "retries": None,
            "previous_successful_build": None,
            "no_dependency_cache": False,
            "is_first_green_build": False,
            "fail_reason": job.status_message if view["failed"] else None,
        }
    )
    return view


def _job_name(job: Job, run: Run | None) -> str | None:
    plan = job.plan[0] if job.plan else {}
    return plan.get("job_name") or (run.trigger.job_name if run and run.trigger else None)


def _user(login: str | None, project: Project) -> dict[str, Any]:
    return {"login": login or project.owner_name, "is_user": bool(login), "name": login, "vcs_type": project.provider}


def _workflow(job: Job, run: Run | None) -> dict[str, Any]:
    return {
        "job_name": _job_name(job, run) or "build",
        "job_id": job.id,
        "workflow_id": job.run_id,
        "workflow_name": "workflow",
        "workspace_id": job.run_id,
        "upstream_job_ids": [],
        "upstream_concurrency_map": {},
    }


def _previous(job: Job | None) -> dict[str, Any] | None:
    if job is None:
        return None
    started, stopped = job.started_at, job.ended_at
    return {
        "build_num": job.build_num,
        "status": vocabulary(job.state, job.cancel_requested)[2],
        "build_time_millis": clock.millis_between(started, stopped) if started else None,
    }


def _pull_requests(run: Run | None, project: Project) -> list[dict[str, Any]]:
    trigger = run.trigger if run else None
    if not trigger or not trigger.is_pull_request or trigger.pull_request_number is None:
        return []
    return [{"head_sha": trigger.commit.sha, "url": f"{vcs_url(project)}/pull/{trigger.pull_request_number}"}]


def _messages(job: Job, run: Run | None) -> list[dict[str, str]]:
    text = job.status_message or (run.error if run else None)
    if not text or job.state in (State.SUCCESS,):
        return []
    return [{"type": "warning" if job.state in ACTIVE else "error", "message": text}]


def _commit_detail(commit: Commit, sha: str, project: Project) -> dict[str, Any]:
    return {
        "commit": sha,
        "subject": commit.subject or None,
        "body": commit.body,
        "author_name": commit.author_name or None,
        "author_email": commit.author_email or None,
        "author_login": commit.author_login or None,
        "author_date": commit.timestamp,
        "committer_name": commit.committer_name or commit.author_name or None,
        "committer_email": commit.committer_email or commit.author_email or None,
        "committer_login": commit.committer_login or None,
        "committer_date": commit.timestamp,
        "commit_url": commit.url or f"{vcs_url(project)}/commit/{sha}",
    }


def _step(project: Project, job: Job, index: int, step: StepResult, links: Links) -> dict[str, Any]:
    failed = step.status == "failed"
    has_output = step.output_bytes is not None
    action = {
        "name": step.name,
        "type": STEP_TYPES.get(step.kind, "test"),
        "status": step.status,
        "index": job.node_index,
        "step": index,
        "bash_command": step.command,
        "exit_code": step.exit_code,
        "start_time": step.started_at,
        "end_time": step.ended_at,
        "run_time_millis": step.duration_ms,
        "failed": True if failed else None,
        "infrastructure_fail": None,
        "timedout": None,
        "canceled": None,
        "continue": None,
        "parallel": job.node_total > 1,
        "messages": [],
        "source": "config",
        "has_output": has_output,
        "output_url": links.output(project, job, index) if has_output else None,
    }
    return {"name": step.name, "actions": [action]}


def step_output(text: str, step: StepResult, truncated: bool) -> list[dict[str, Any]]:
    """What an action's `output_url` answers: CircleCI's list of output messages."""
    return [{"type": "out", "time": step.ended_at or step.started_at, "message": text, "truncated": truncated}]


def tests(items: list[dict[str, Any]]) -> dict[str, Any]:
    """`GET …/:build_num/tests`."""
    return {
        "tests": [
            {
                "message": item.get("message"),
                "file": item.get("file"),
                "source": "junit",
                "source_type": "junit",
                "run_time": item.get("time"),
                "result": TEST_RESULTS.get(item.get("result") or "", item.get("result")),
                "name": item.get("name"),
                "classname": item.get("classname"),
            }
            for item in items
        ],
        "exceptions": [],
    }


def artifacts(project: Project, job: Job, links: Links) -> list[dict[str, Any]]:
    """`GET …/:build_num/artifacts`."""
    return [
        {
            "path": item["path"],
            "pretty_path": item["path"],
            "node_index": int(item.get("node_index", job.node_index)),
            "url": links.artifact(project, job.build_num, int(item.get("node_index", job.node_index)), item["path"]),
        }
        for item in job.artifacts
        if item.get("path")
    ]


def envvar(name: str, hint: str) -> dict[str, str]:
    """A project variable as CircleCI lists it: never the value, only `xxxx` and perhaps its last characters."""
    return {"name": name, "value": "xxxx" + hint}


def me(account: Account, followed: list[Project]) -> dict[str, Any]:
    """`GET /me`."""
    emails = [account.email] if account.email else []
    return {
        "login": account.login,
        "name": account.name or account.login,
        "selected_email": account.email or None,
        "all_emails": emails,
        "avatar_url": None,
        "admin": account.is_admin,
        "basic_email_prefs": "smart",
        "sign_in_count": 0,
        "github_oauth_scopes": [],
        "analytics_id": account.id,
        "gravatar_id": None,
        "days_left_in_trial": None,
        "trial_end": None,
        "parallelism": 1,
        "containers": 1,
        "student": False,
        "bitbucket_authorized": False,
        "github_id": None,
        "bitbucket": None,
        "dev_admin": False,
        "created_at": account.created_at,
        "plan": None,
        "heroku_api_key": None,
        "identities": {
            "github": {"login": account.login, "name": account.name or account.login, "type": "github",
                       "user?": True, "authorized?": True, "id": None, "external_id": None, "avatar_url": None,
                       "domain": "github.com"}
        },
        "projects": {vcs_url(p): {"on_dashboard": True, "emails": "default"} for p in followed},
        "num_projects_followed": len(followed),
        "organization_prefs": {},
        "pusher_id": account.id,
        "enrolled_betas": [],
        "in_beta_program": False,
    }


def project_entry(project: Project, branch_jobs: list[tuple[Job, Run | None]]) -> dict[str, Any]:
    """An entry of `GET /projects`: a followed project and, per branch, its recent builds."""
    return {
        "vcs_url": vcs_url(project),
        "vcs_type": VCS_TYPES.get(project.provider, project.provider),
        "username": project.owner_name,
        "reponame": project.name,
        "default_branch": project.default_branch,
        "oss": not project.is_private,
        "followed": True,
        "following": True,
        "parallel": 1,
        "has_usable_key": True,
        "feature_flags": {},
        "scopes": ["read-settings", "view-builds", "write-settings", "trigger-builds", "status"],
        "branches": branches(branch_jobs),
    }


def branches(branch_jobs: list[tuple[Job, Run | None]], recent: int = 5) -> dict[str, Any]:
    """Per branch: who pushed, the last success and non-success, the recent and the running builds (newest first)."""
    found: dict[str, dict[str, Any]] = {}
    for job, run in branch_jobs:
        branch = run.branch if run else None
        if not branch:
            continue
        entry = found.setdefault(branch, {"pusher_logins": [], "recent_builds": [], "running_builds": []})
        login = run.trigger.triggered_by if run and run.trigger else None
        if login and login not in entry["pusher_logins"]:
            entry["pusher_logins"].append(login)
        brief = _branch_build(job, run)
        if job.state in ACTIVE:
            entry["running_builds"].append(brief)
        elif len(entry["recent_builds"]) < recent:
            entry["recent_builds"].append(brief)
        if job.state == State.SUCCESS:
            entry.setdefault("last_success", brief)
        elif job.state in FINISHED:
            entry.setdefault("last_non_success", brief)
    return found


def _branch_build(job: Job, run: Run | None) -> dict[str, Any]:
    _, outcome, status = vocabulary(job.state, job.cancel_requested)
    return {
        "build_num": job.build_num,
        "outcome": outcome,
        "status": status,
        "vcs_revision": run.commit_sha if run else None,
        "pushed_at": job.created_at,
        "added_at": job.created_at,
    }
