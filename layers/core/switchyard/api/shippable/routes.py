"""Shippable's routes (seeds 000 and 002) at the root: jobs, projects, workflow, builds, accounts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictStr, ValidationError

from ...auth import authenticate, shippable_token
from ...domain.errors import Invalid, NotFound
from ...domain.model import Account
from ...domain.states import ACTIVE, State
from ...services import accounts as account_service
from ...services import builds, consoles, dockerhub, triggers
from ...services import jobs as job_service
from ...services import projects as project_service
from ...store import jobs as job_store
from ...store import projects as project_store
from ...store import reports
from ..common import describe_validation, json_response, raw_body
from . import views

router = Router()
TAGS = ["shippable"]
DEFAULT_RECENT = 20
RUNNING = frozenset({State.PROCESSING})
QUEUED = frozenset({State.WAITING, State.QUEUED})
STATUS_ALIASES = {"cancelled": State.CANCELED, "started": State.PROCESSING}


def caller() -> Account:
    return authenticate(shippable_token(router.current_event.headers))


# -- request parsing -------------------------------------------------------------------------------------------------


def _query_list(name: str) -> list[str]:
    """A comma-separated (or repeated) query parameter as a list."""
    values = (router.current_event.multi_value_query_string_parameters or {}).get(name) or []
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _query_int(name: str, default: int) -> int:
    value = router.current_event.get_query_string_value(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as err:
        raise Invalid(f"{name} must be a whole number", field=name) from err


def _query_bool(name: str) -> bool | None:
    value = router.current_event.get_query_string_value(name)
    if value is None or value == "":
        return None
    if value.lower() not in ("true", "false"):
        raise Invalid(f"{name} must be true or false", field=name)
    return value.lower() == "true"


def _states(values: list[str]) -> list[State]:
    """Status names (`success,failed`) or Shippable's numeric codes (`30,80`)."""
    by_code = {str(code): state for state, code in views.STATUS_CODES.items()}
    states = []
    for value in values:
        lowered = value.lower()
        state = by_code.get(lowered) or STATUS_ALIASES.get(lowered)
        if state is None and lowered in {s.value for s in State}:
            state = State(lowered)
        if state is None:
            names = ", ".join(s.value for s in State)
            raise Invalid(f"status {value!r} is not one of {names} or their codes 0-90", field="status")
        states.append(state)
    return states


def _fields() -> dict[str, Any]:
    """Workflow inputs: the seed calls them query parameters, its curl example sends JSON; forms work too."""
    fields: dict[str, Any] = dict(router.current_event.query_string_parameters or {})
    data = raw_body(router)
    if data.strip():
        try:
            body = json.loads(data)
        except ValueError:
            body = _form(data)
        if not isinstance(body, dict):
            raise Invalid("the request body must be a JSON object")
        fields.update(body)
    return fields


def _form(data: bytes) -> dict[str, str]:
    try:
        # blank values kept: `branchName=` is an empty branch name (400), as it is in JSON
        return dict(parse_qsl(data.decode(), keep_blank_values=True, strict_parsing=True))
    except (ValueError, UnicodeDecodeError) as err:
        raise Invalid("the request body is neither JSON nor a form") from err


def _inputs(model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(_fields())
    except ValidationError as err:
        raise Invalid(describe_validation(err)) from err  # type: ignore[arg-type]


class ProjectInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    projectId: StrictStr


class TriggerInput(ProjectInput):
    branchName: StrictStr | None = Field(
        default=None, min_length=1, max_length=250, validation_alias=AliasChoices("branchName", "branch")
    )


class CancelInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    BuildId: StrictStr = Field(validation_alias=AliasChoices("BuildId", "buildId", "runId"))


class DockerHubInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    username: StrictStr = Field(min_length=1, max_length=255)
    password: StrictStr = Field(min_length=1, max_length=4096)
    email: StrictStr | None = Field(default=None, max_length=320)


# -- jobs (seed 000) -------------------------------------------------------------------------------------------------


@router.get("/jobs", summary="Jobs you may see, newest first (projectIds, runIds, status, branch, "
            "isPullRequest, limit ≤ 100, skip)", tags=TAGS)
def list_jobs():
    account = caller()
    query = job_service.JobQuery(
        project_ids=_query_list("projectIds"),
        run_ids=_query_list("runIds"),
        states=_states(_query_list("status")),
        branches=_query_list("branch"),
        is_pull_request=_query_bool("isPullRequest"),
        limit=_query_int("limit", job_service.MAX_PAGE),
        skip=_query_int("skip", 0),
    )
    page = job_service.list_jobs(account, query)
    known = job_service.context(page)
    return [
        views.job_summary(job, known.runs[job.run_id], known.projects[job.project_id])
        for job in page
        if job.run_id in known.runs and job.project_id in known.projects
    ]


@router.get("/jobs/<jobId>", summary="A job", tags=TAGS)
def get_job(jobId: str):
    return views.job_detail(*job_service.readable_job(caller(), jobId))


@router.delete("/jobs/<jobId>", summary="Delete a job with its console, reports and artifacts (owner only)",
               tags=TAGS)
def delete_job(jobId: str):
    return views.job_detail(*job_service.delete(caller(), jobId))


CONSOLE_RESPONSES = {
    200: {"description": "the whole console, in order", "content": {"text/plain": {"schema": {"type": "string"}}}},
    302: {"description": "consoles over 5 MB: a presigned download URL in Location"},
}


@router.get("/jobs/<jobId>/consoles/download", summary="A job's console as text (over 5 MB: a redirect)", tags=TAGS,
            responses=CONSOLE_RESPONSES)
def download_console(jobId: str):
    job, run, project = job_service.readable_job(caller(), jobId)
    console = consoles.download(job, filename=f"{project.name}-{run.number}.{job.number}.log")
    if console.redirect:
        return Response(302, content_types.TEXT_PLAIN, "", headers={"Location": console.redirect})
    return Response(200, "text/plain; charset=utf-8", console.text)


@router.get("/jobs/<jobId>/jobCoverageReports", summary="A job's coverage report (Cobertura)", tags=TAGS)
def coverage_report(jobId: str):
    job, _, _ = job_service.readable_job(caller(), jobId)
    if not job.coverage:
        raise NotFound(f"job {job.id} has no coverage report" + (" yet" if job.state in ACTIVE else ""))
    return views.job_coverage_report(job, reports.list_items(job.id, "cov"))


@router.get("/jobs/<jobId>/jobTestReports", summary="A job's test report (JUnit)", tags=TAGS)
def test_report(jobId: str):
    job, _, _ = job_service.readable_job(caller(), jobId)
    if not job.tests:
        raise NotFound(f"job {job.id} has no test report" + (" yet" if job.state in ACTIVE else ""))
    return views.job_test_report(job, reports.list_items(job.id, "test"))


# -- projects (seed 002) ---------------------------------------------------------------------------------------------


def _most_recent(project) -> dict[str, Any] | None:
    latest = builds.latest(project)
    return views.most_recent_build(*latest) if latest else None


@router.get("/projects", summary="Your projects and public ones (projectIds, projectFullNames, autoBuild, "
            "isPrivateRepository)", tags=TAGS)
def list_projects():
    account = caller()
    wanted_ids = set(_query_list("projectIds"))
    wanted_names = {n.lower() for n in _query_list("projectFullNames")}
    auto_build, private = _query_bool("autoBuild"), _query_bool("isPrivateRepository")
    chosen = [
        p for p in project_service.visible_to(account)
        if (not wanted_ids or p.id in wanted_ids)
        and (not wanted_names or p.full_name.lower() in wanted_names)
        and (auto_build is None or p.auto_build == auto_build)
        and (private is None or p.is_private == private)
    ]
    return [views.project_summary(p, _most_recent(p)) for p in chosen]


@router.get("/projects/<projectId>", summary="A project", tags=TAGS)
def get_project(projectId: str):
    project = project_service.readable(caller(), projectId)
    return views.project_detail(project, _most_recent(project))


def _build_list(project_id: str, number: int, states: frozenset[State] | None) -> list[dict[str, Any]]:
    account = caller()  # a caller without a token hears 401 whatever else is wrong
    if not 1 <= number <= builds.MAX_NUMBER:
        raise Invalid(f"number must be between 1 and {builds.MAX_NUMBER}", field="number")
    project = project_service.readable(account, project_id)
    return [views.build_group(run, project, jobs) for run, jobs in builds.recent(project, number, states)]


@router.get("/projects/<projectId>/runningBuilds", summary="Builds running now", tags=TAGS)
def running_builds(projectId: str):
    return _build_list(projectId, builds.MAX_NUMBER, RUNNING)


@router.get("/projects/<projectId>/runningBuilds/<number>", summary="Up to `number` builds running now", tags=TAGS)
def running_builds_up_to(projectId: str, number: int):
    return _build_list(projectId, number, RUNNING)


@router.get("/projects/<projectId>/queuedBuilds", summary="Builds waiting for a runner", tags=TAGS)
def queued_builds(projectId: str):
    return _build_list(projectId, builds.MAX_NUMBER, QUEUED)


@router.get("/projects/<projectId>/queuedBuilds/<number>", summary="Up to `number` builds waiting", tags=TAGS)
def queued_builds_up_to(projectId: str, number: int):
    return _build_list(projectId, number, QUEUED)


@router.get("/projects/<projectId>/recentBuilds", summary=f"The {DEFAULT_RECENT} newest builds", tags=TAGS)
def recent_builds(projectId: str):
    return _build_list(projectId, DEFAULT_RECENT, None)


@router.get("/projects/<projectId>/recentBuilds/<number>", summary="The `number` newest builds", tags=TAGS)
def recent_builds_up_to(projectId: str, number: int):
    return _build_list(projectId, number, None)


# -- workflow (seed 002) ---------------------------------------------------------------------------------------------


def _set_auto_build(enabled: bool) -> dict[str, Any]:
    project = project_service.writable(caller(), _inputs(ProjectInput).projectId)
    project = project_store.set_auto_build(project.id, enabled)
    return views.project_detail(project, _most_recent(project))


@router.post("/workflow/enableRepoBuild", summary="Build pushes of a project (owner only)", tags=TAGS)
def enable_repo_build():
    return _set_auto_build(True)


@router.post("/workflow/disableBuild", summary="Ignore pushes of a project (owner only)", tags=TAGS)
def disable_build():
    return _set_auto_build(False)


@router.post("/workflow/triggerBuild", summary="Build a branch (the default one unless branchName) now",
             tags=TAGS)
def trigger_build():
    account = caller()
    body = _inputs(TriggerInput)
    project = project_service.readable(account, body.projectId)
    run, _ = triggers.start(account, project, dialect="shippable", branch=body.branchName)
    return {"BuildId": run.id}


@router.post("/workflow/cancelBuild", summary="Cancel every job of a build (owner only)", tags=TAGS)
def cancel_build():
    account = caller()
    run, project = builds.cancel_build(account, _inputs(CancelInput).BuildId)
    view = views.build_group(run, project, job_store.list_run_jobs(run.id))
    return {"BuildId": run.id, **view}


@router.post("/workflow/validateDockerHubCredentials", summary="Check Docker Hub credentials with Docker Hub",
             tags=TAGS)
def validate_docker_hub_credentials():
    caller()
    body = _inputs(DockerHubInput)
    dockerhub.validate(body.username, body.password)
    return {"valid": True, "username": body.username}


# -- builds (seed 002) -----------------------------------------------------------------------------------------------


@router.get("/builds/<buildId>", summary="A build group: the run with every job as one of its builds", tags=TAGS)
def get_build(buildId: str):
    run, project = job_service.readable_run(caller(), buildId)
    return views.build_group(run, project, job_store.list_run_jobs(run.id))


@router.get("/builds/<buildId>/<buildItemNumber>/artifacts", summary="A URL of the job's artifact tarball",
            tags=TAGS, responses={200: {"description": "the URL (a JSON string, or text/plain if asked)",
                                        "content": {"application/json": {"schema": {"type": "string"}},
                                                    "text/plain": {"schema": {"type": "string"}}}}})
def build_artifacts(buildId: str, buildItemNumber: int):
    run, project = job_service.readable_run(caller(), buildId)
    job = job_store.get_run_job(run.id, buildItemNumber)
    if job is None:
        raise NotFound(f"build {run.id} has no job {buildItemNumber}")
    if not job.archive_key:
        raise NotFound(f"job {run.number}.{job.number} archived nothing (`archive: true` in shippable.yml does)")
    url = builds.artifact_url(job, f"{project.name}-{run.number}.{job.number}.tar.gz")
    accept = router.current_event.headers.get("Accept") or ""
    if "text/plain" in accept and "json" not in accept:
        return Response(200, "text/plain; charset=utf-8", url)
    return json_response(200, json.dumps(url))


# -- accounts (seed 002) ---------------------------------------------------------------------------------------------


@router.get("/accounts", summary="Ids of the accounts you may see (yours; the admin sees all)", tags=TAGS)
def list_accounts():
    return [account.id for account in account_service.visible(caller())]


@router.get("/accounts/<accountId>", summary="An account", tags=TAGS)
def get_account(accountId: str):
    return views.account_detail(account_service.get(caller(), accountId))


@router.delete("/accounts/<accountId>", summary="Delete an account and its tokens (refused while it owns projects)",
               tags=TAGS)
def delete_account(accountId: str):
    return views.account_detail(account_service.delete(caller(), accountId))
