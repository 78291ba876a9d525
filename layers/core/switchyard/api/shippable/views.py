"""Every Shippable shape: pure functions from domain objects to the JSON its API answered."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ... import __version__
from ...domain import clock, ids
from ...domain.model import PHASES, Account, Job, Project, Run, Trigger
from ...domain.states import State

STATUS_CODES: dict[State, int] = {
    State.WAITING: 0,
    State.QUEUED: 10,
    State.PROCESSING: 20,
    State.SUCCESS: 30,
    State.SKIPPED: 40,
    State.UNSTABLE: 50,
    State.TIMEOUT: 60,
    State.CANCELED: 70,
    State.FAILED: 80,
    State.STOPPED: 90,
}
STATUS_NAMES: dict[str, int] = {state.value: code for state, code in STATUS_CODES.items()}


def status_code(state: State | str) -> int:
    return STATUS_CODES[State(state)]


def _scm_urls(project: Project) -> dict[str, str | None]:
    hosts = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
    host = hosts.get(project.provider, project.provider)
    return {
        "repositorySshUrl": f"git@{host}:{project.full_name}.git",
        "repositoryUrl": f"https://{host}/{project.full_name}",
    }


def project_summary(project: Project, most_recent_build: dict[str, Any] | None) -> dict[str, Any]:
    """An entry of `GET /projects`."""
    return {
        "mostRecentBuild": most_recent_build,
        "id": project.id,
        "language": project.language,
        "autoBuild": project.auto_build,
        "fullName": project.full_name,
        "name": project.name,
        "repositoryProvider": project.provider,
        "branches": [project.default_branch],
        "sourceDefaultBranch": project.default_branch,
        "isPrivateRepository": project.is_private,
    }


def project_detail(project: Project, most_recent_build: dict[str, Any] | None) -> dict[str, Any]:
    """`GET /projects/:projectId`."""
    view = project_summary(project, most_recent_build)
    view.update(
        {
            "deployKey": {"public": None},
            "settings": {"imageOptions": {"mounts": [], "ports": []}, "environmentVariables": []},
            "created": project.created_at,
            "isEnabled": project.auto_build,
            "enabledDate": project.enabled_at,
            "sourcePushed": None,
            "sourceCreated": None,
            "sourceUpdated": None,
            "updatedDate": project.updated_at,
            "subscriptionId": project.owner_id,
            "sourceId": None,
            "sourceRepoOwner": {"login": project.owner_name},
            "isFork": False,
            "sourceDescription": "",
            "cloneUrl": project.clone_url,
            "hasStatusToken": project.has_status_token,
            "scmApiUrl": project.scm_api_url,
            "lastStatusError": project.last_status_error,
            **_scm_urls(project),
        }
    )
    return view


# -- shared pieces ---------------------------------------------------------------------------------------------------

STATUS_MESSAGES: dict[int, str] = {
    0: "WAITING",
    10: "QUEUED",
    20: "PROCESSING",
    30: "SUCCESS",
    40: "SKIPPED",
    50: "UNSTABLE",
    60: "TIMEOUT",
    70: "CANCELED",
    80: "FAILED",
    90: "STOPPED",
}
JOB_SCHEMA_VERSION = "0.12"  # the `version` Shippable's job documents carried
STEP_STATUS = {"success": 30, "failed": 80}
_STEP_NAMESPACE = uuid.UUID("6f0c3e52-5b8f-4a55-9d7e-1b0a6c1f5e21")
_EPOCH = "1970-01-01T00:00:00.000Z"


def _percent(rate: float | None) -> float:
    return round((rate or 0.0) * 100, 2)


def _duration(job: Job) -> int | None:
    return clock.millis_between(job.started_at, job.ended_at)


def _tests(job: Job) -> dict[str, int]:
    tests = job.tests or {}
    return {
        "testsErrors": int(tests.get("errors", 0)),
        "testsSkipped": int(tests.get("skipped", 0)),
        "testsPassed": int(tests.get("passed", 0)),
        "testsFailed": int(tests.get("failed", 0)),
        "totalTests": int(tests.get("total", 0)),
    }


def _coverage_percents(job: Job) -> dict[str, float]:
    coverage = job.coverage or {}
    return {
        "branchCoveragePercent": _percent(coverage.get("branch_rate")),
        "sequenceCoveragePercent": _percent(coverage.get("line_rate")),
    }


def _trigger(run: Run) -> Trigger:
    return run.trigger or Trigger(id="", project_id=run.project_id, source="api", dialect="shippable")


def _plan(job: Job) -> dict[str, Any]:
    return job.plan[0] if job.plan else {}


def _scm_url(project: Project) -> str:
    """The clone URL without any credentials in it."""
    parts = urlsplit(project.clone_url)
    if "@" not in parts.netloc:
        return project.clone_url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


# -- jobs (seed 000) -------------------------------------------------------------------------------------------------


def job_summary(job: Job, run: Run, project: Project) -> dict[str, Any]:
    """An entry of `GET /jobs`."""
    trigger = _trigger(run)
    return {
        "version": JOB_SCHEMA_VERSION,
        "jobNumber": job.number,
        "runNumber": run.number,
        "runId": run.id,
        "subscriptionId": project.owner_id,
        "subscriptionOrgName": project.owner_name,
        "projectId": project.id,
        "projectName": project.name,
        "statusCode": status_code(job.state),
        "startedAt": job.started_at,
        "endedAt": job.ended_at,
        "jobLengthInMS": _duration(job),
        "timeoutMS": job.timeout_seconds * 1000,
        "branchName": run.branch,
        "isPullRequest": trigger.is_pull_request,
        "pullRequestNumber": trigger.pull_request_number,
        "createdBy": job.owner_id,
        "commitSha": run.commit_sha,
        "isPrivateRepository": project.is_private,
        "createdAt": job.created_at,
        "allowFailure": job.allow_failure,
        **_coverage_percents(job),
        **_tests(job),
        "env": list(job.env),
        "isCompleted": job.is_final,
        "id": job.id,
    }


def job_detail(job: Job, run: Run, project: Project) -> dict[str, Any]:
    """`GET /jobs/:id` and the answer of `DELETE /jobs/:id`."""
    trigger = _trigger(run)
    summary = job_summary(job, run, project)
    return {
        "version": JOB_SCHEMA_VERSION,
        "infra": {
            "pre_prov": [], "pre_prov_boot": None, "prov": [], "post_prov": [], "post_prov_boot": None,
            "smoke_test": [], "on_success": [], "on_failure": [],
        },
        "build": _build_section(job),
        "deploy": {
            "pre_ci": [], "pre_start_boot": None, "start": [], "post_start": [], "post_start_boot": None,
            "smoke_test": [], "on_success": [], "on_failure": [],
        },
        "submoduleEnabled": False,
        "jdk": "",
        "gemfile": "",
        "compiler": "",
        **{k: summary[k] for k in ("jobNumber", "runNumber", "runId", "subscriptionId", "subscriptionOrgName",
                                   "projectId", "projectName")},
        "scmURL": _scm_url(project),
        "statusCode": summary["statusCode"],
        "statusMessage": job.status_message or STATUS_MESSAGES[summary["statusCode"]],
        **{k: summary[k] for k in ("startedAt", "endedAt", "jobLengthInMS", "timeoutMS", "branchName",
                                   "isPullRequest", "pullRequestNumber")},
        "pullRequestBaseBranch": trigger.pull_request_base_branch,
        "createdBy": summary["createdBy"],
        "commitSha": summary["commitSha"],
        "addons": [],
        "isPrivateRepository": project.is_private,
        "node": job.runner_host,
        "updatedAt": job.updated_at,
        "createdAt": job.created_at,
        "allowFailure": job.allow_failure,
        **_coverage_percents(job),
        "jobErrorMsgs": _job_errors(job, run),
        **_tests(job),
        "steps": _job_steps(job),
        "keyIntegrations": [],
        "deployIntegrations": [],
        "hubIntegrations": [],
        "notificationIntegrations": [],
        "services": [],
        "bundlerArgs": [],
        "env": list(job.env),
        "isCompleted": job.is_final,
        "id": job.id,
    }


def _build_section(job: Job) -> dict[str, Any]:
    """The `build` section of a job: its commands by phase, as the build config gave them."""
    steps = _plan(job).get("steps") or []
    commands = {
        phase: [s["command"] for s in steps if s.get("kind") == "run" and s.get("command")
                and s.get("phase", "ci") == phase]
        for phase in PHASES
    }
    return {
        "pre_ci": [],
        "pre_ci_boot": None,
        "ci": commands["ci"],
        "post_ci": commands["post_ci"],
        "post_ci_boot": None,
        "smoke_test": [],
        "on_success": commands["on_success"],
        "on_failure": commands["on_failure"],
        "cache": False,
    }


def _job_errors(job: Job, run: Run) -> list[str]:
    if job.state not in (State.FAILED, State.TIMEOUT, State.CANCELED, State.STOPPED):
        return []
    return [message for message in (job.status_message, run.error) if message]


def _job_steps(job: Job) -> list[dict[str, Any]]:
    """What ran, in order; before the job starts, what its plan will run."""
    if job.steps:
        return [
            _step_view(job, i, s.kind, s.name, s.command, s.phase, s.status, s.exit_code, s.started_at, s.ended_at)
            for i, s in enumerate(job.steps)
        ]
    return [
        _step_view(job, i, s.get("kind") or "run", s.get("name") or "", s.get("command"), s.get("phase", "ci"),
                   "waiting", None, None, None)
        for i, s in enumerate(_plan(job).get("steps") or [])
    ]


def _step_view(job: Job, index: int, kind: str, name: str, command: str | None, phase: str, status: str,
               exit_code: int | None, started: str | None, ended: str | None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_STEP_NAMESPACE, f"{job.id}:{index}")),
        "execOrder": (index + 1) * 10,
        "scriptType": kind,
        "who": "cexec" if kind == "run" else "mexec",
        "script": command or name,
        "name": name,
        "phase": phase,
        "status": status,
        "statusCode": STEP_STATUS.get(status, 0),
        "exitCode": exit_code,
        "startedAt": started,
        "endedAt": ended,
        "durationInMS": clock.millis_between(started, ended),
    }


def job_coverage_report(job: Job, classes: list[dict[str, Any]]) -> dict[str, Any]:
    """`GET /jobs/:jobId/jobCoverageReports`, from the Cobertura classes the runner stored."""
    coverage = job.coverage or {}
    stamp = job.ended_at or job.updated_at
    return {
        "jobId": job.id,
        "createdBy": job.owner_id,
        "updatedAt": stamp,
        "createdAt": stamp,
        "classes": [
            {
                "lineRate": _rate_text(c.get("line_rate")),
                "branchRate": _rate_text(c.get("branch_rate")),
                "name": c.get("name", ""),
                "fileName": c.get("filename", ""),
                "id": ids.derived_id("coverage-class", job.id, str(i)),
            }
            for i, c in enumerate(classes)
        ],
        "branchCoverage": {
            "coveredBranches": int(coverage.get("branches_covered", 0)),
            "validBranches": int(coverage.get("branches_valid", 0)),
            "branchRate": coverage.get("branch_rate", 0.0),
        },
        "lineCoverage": {
            "lineRate": coverage.get("line_rate", 0.0),
            "validLines": int(coverage.get("lines_valid", 0)),
            "coveredLines": int(coverage.get("lines_covered", 0)),
        },
        "id": ids.derived_id("coverage-report", job.id),
    }


def _rate_text(rate: float | None) -> str | None:
    return None if rate is None else f"{rate:g}"


def job_test_report(job: Job, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """`GET /jobs/:id/jobTestReports`, from the JUnit cases the runner stored."""
    tests = _tests(job)
    stamp = job.ended_at or job.updated_at
    return {
        "jobId": job.id,
        "total": tests["totalTests"],
        "totalPassing": tests["testsPassed"],
        "totalFailures": tests["testsFailed"],
        "totalErrors": tests["testsErrors"],
        "totalSkipped": tests["testsSkipped"],
        "updatedAt": stamp,
        "createdAt": stamp,
        "failureDetails": [_case(c) for c in cases if c.get("result") == "failure"],
        "errorDetails": [_case(c) for c in cases if c.get("result") == "error"],
        "id": ids.derived_id("test-report", job.id),
    }


def _case(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "className": case.get("classname", ""),
        "name": case.get("name", ""),
        "fileName": case.get("file"),
        "message": case.get("message"),
        "time": case.get("time", 0.0),
    }


# -- builds (seed 002) -----------------------------------------------------------------------------------------------


def most_recent_build(run: Run | None, jobs: list[Job]) -> dict[str, Any] | None:
    """`mostRecentBuild` of a project entry."""
    if run is None:
        return None
    return {
        "createdDate": run.created_at,
        "buildGroupNumber": run.number,
        "id": run.id,
        "status": status_code(run.state),
        "durationCumulative": str(_cumulative(jobs)),
        "commitSha": run.commit_sha,
        "branch": run.branch,
    }


def _cumulative(jobs: list[Job]) -> int:
    return sum(_duration(j) or 0 for j in jobs)


def _person(name: str, login: str, email: str) -> dict[str, str]:
    return {"avatarUrl": "", "displayName": name or login, "login": login, "email": email}


def build_group(run: Run, project: Project, jobs: list[Job]) -> dict[str, Any]:
    """`GET /builds/:buildId`: a run with every job as one of its `builds`."""
    trigger = _trigger(run)
    commit = trigger.commit
    code = status_code(run.state)
    totals = [_tests(j) for j in jobs]
    coverage = [_coverage_percents(j) for j in jobs]
    timeout = jobs[0].timeout_seconds if jobs else None
    return {
        "id": run.id,
        "isAutoCommit": False,
        "isAutoPush": False,
        "isAutoBuild": trigger.source == "webhook",
        "isReRun": trigger.source == "retry",
        "isPullRequest": trigger.is_pull_request,
        "isCompleted": run.is_final,
        "emailNotifications": [],
        "pullRequestNumber": trigger.pull_request_number,
        "committer": _person(commit.committer_name, commit.committer_login, commit.committer_email),
        "lastAuthor": _person(commit.author_name, commit.author_login, commit.author_email),
        "triggeredBy": _person("", trigger.triggered_by or "", ""),
        "builds": [build_item(j) for j in jobs],
        "createdDate": run.created_at,
        "updatedDate": run.updated_at,
        "repositorySize": None,
        "repositoryFileCount": None,
        "shouldArchive": any(bool(_plan(j).get("archive")) for j in jobs),
        "privileged": False,
        "imageName": None,
        "imageId": None,
        "settings": {
            "imageOptions": {"networkMode": "host", "privileged": False},
            "imageId": None,
            "runCommand": "",
            "imageName": None,
        },
        "language": project.language,
        "compareUrl": trigger.compare_url,
        "beforeCommitSha": trigger.before_sha,
        "branch": run.branch,
        "branchHead": run.branch,
        "status": code,
        "buildGroupNumber": run.number,
        "projectId": project.id,
        "lastCommitShortDescription": commit.subject,
        "commitSha": run.commit_sha,
        "commitUrl": commit.url,
        "createdByAccountId": run.owner_id,
        "baseCommitRef": trigger.pull_request_base_branch or "",
        "runCommand": "",
        "emailOnSuccess": "never",
        "emailOnFailure": "never",
        "timeoutMS": timeout * 1000 if timeout else None,
        "buildRunnerVersion": __version__,
        "statusMessage": STATUS_MESSAGES[code],
        "errorMsgs": [run.error] if run.error else [],
        "durationCumulative": str(_cumulative(jobs)),
        "shouldDecryptSecureEnvs": False,
        "branchCoveragePercent": _mean(c["branchCoveragePercent"] for c in coverage),
        "sequenceCoveragePercent": _mean(c["sequenceCoveragePercent"] for c in coverage),
        "testsSkipped": sum(t["testsSkipped"] for t in totals),
        "testsPassed": sum(t["testsPassed"] for t in totals),
        "testsFailed": sum(t["testsFailed"] for t in totals),
        "totalTests": sum(t["totalTests"] for t in totals),
        "parallelizedTest": any(j.node_total > 1 for j in jobs),
        "network": "host",
    }


def _mean(values) -> float:
    found = list(values)
    return round(sum(found) / len(found), 2) if found else 0


def build_item(job: Job) -> dict[str, Any]:
    """One entry of a build group's `builds`: a job, its matrix values and its step timings."""
    return {
        "id": job.id,
        "size": None,
        "isCompleted": job.is_final,
        "isBuildCompleted": job.is_final,
        "canCommit": False,
        "matrixValues": [
            {"id": ids.derived_id("matrix", job.id, str(i)), "value": value, "name": name}
            for i, (name, _, value) in enumerate(entry.partition("=") for entry in job.env)
        ],
        "queuedDate": job.entered(State.QUEUED) or job.created_at,
        "isSubscriptionHost": False,
        "deprovisionStatusDate": _EPOCH,
        "imageCommitStatusDate": _EPOCH,
        "isFailureAllowed": job.allow_failure,
        **{k: v for k, v in _tests(job).items() if k != "testsErrors"},
        "sequenceCoveragePercent": _coverage_percents(job)["sequenceCoveragePercent"],
        "steps": _build_steps(job),
        "environment": job.label,
        "gemfile": None,
        "jdk": None,
        "version": None,
        "status": status_code(job.state),
        "buildNumber": job.number,
        "commitTag": None,
        "startDate": job.started_at,
        "hostId": job.runner_host,
        "consoleLogLineCount": job.log_lines,
        "consoleLogBytes": job.log_bytes,
        "isArchiveAvailable": job.archive_key is not None,
        "endDate": job.ended_at,
        "duration": _duration(job),
        "branchCoveragePercent": _coverage_percents(job)["branchCoveragePercent"],
    }


def _span(start: str | None, end: str | None, outcome: int | None) -> dict[str, Any]:
    report = [{"status": 20, "time": start}] if start else []
    if start and end and outcome is not None:
        report.append({"status": outcome, "time": end})
    return {"startTime": start, "duration": clock.millis_between(start, end), "endTime": end, "report": report}


def _build_steps(job: Job) -> dict[str, dict[str, Any]]:
    """Shippable's step timings: dequeue (waiting for a runner), pull (checkout), build (the commands)."""
    steps = {name: _span(None, None, None) for name in ("commit", "upload", "purge", "push", "cache", "report", "boot")}
    started = job.started_at
    queued = job.entered(State.QUEUED) or job.created_at
    steps["dequeue"] = _span(queued, started, 30 if started else None)
    checkout = next((s for s in job.steps if s.kind == "checkout"), None)
    commands = [s for s in job.steps if s.kind != "checkout"]
    pulled = checkout.ended_at if checkout else (commands[0].started_at if commands else None)
    steps["pull"] = _span(started, pulled, 30 if pulled else None)
    if commands:
        end = job.ended_at if job.is_final else None
        steps["build"] = _span(commands[0].started_at, end or commands[-1].ended_at,
                               status_code(job.state) if end else None)
    else:
        steps["build"] = _span(None, None, None)
    return steps


# -- accounts (seed 002) ---------------------------------------------------------------------------------------------


def account_detail(account: Account) -> dict[str, Any]:
    """`GET /accounts/:accountId`: one identity, built from what Switchyard knows of the account."""
    identity = ids.derived_id("identity", account.id)
    return {
        "id": account.id,
        "lastUsedIdentityId": identity,
        "identities": [
            {
                "id": identity,
                "scopes": [],
                "enforceScopes": [],
                "emails": [{"primary": True, "verified": False, "email": account.email}] if account.email else [],
                "migratedProviderId": False,
                "providerOwnedPrivateRepos": None,
                "providerType": "User",
                "providerId": account.id,
                "provider": "switchyard",
                "avatarId": "",
                "avatarUrl": "",
                "displayName": account.name or account.login,
                "userName": account.login,
                "email": account.email,
                "providerBlog": "",
                "providerCompany": "",
                "providerLocation": "",
                "providerFollowerCount": 0,
                "providerPrivateGists": None,
                "providerPublicRepoCount": 0,
                "providerPublicGistCount": 0,
                "providerTotalPrivateRepos": None,
            }
        ],
        "systemRoles": ["admin"] if account.is_admin else ["user"],
        "created": account.created_at,
    }
