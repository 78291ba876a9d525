"""CircleCI API v1.1 routes (mounted at /api/v1.1): builds, triggers, retries, tests, artifacts, follows, envvars."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ... import blobs
from ...auth import authenticate, circleci_token, require_writable
from ...domain.errors import Invalid, NotFound
from ...domain.model import Account, Job, Project
from ...services import cancel, envvars, retries, triggers
from ...services import circleci_builds as builds
from ...settings import get_settings
from ...store import projects, reports, runs
from ..common import json_response, path_parameter
from . import views
from .links import Links

router = Router()

PROVIDERS = {"github": "github", "gh": "github", "bitbucket": "bitbucket", "bb": "bitbucket", "gitlab": "gitlab",
             "gl": "gitlab"}
TRIGGER_FIELDS = frozenset({"revision", "tag", "branch", "job", "parallel", "build_parameters"})
MAX_OUTPUT_BYTES = 5 * 1024 * 1024
TAGS = ["circleci"]

Limit = Annotated[int, Query(ge=1, le=100, description="at most 100")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="at most a million")]  # islice needs a C long
Shallow = Annotated[bool, Query(description="fewer fields per build")]
StatusFilter = Annotated[
    Literal["completed", "successful", "failed", "running"] | None, Query(alias="filter")
]


class TriggerIn(BaseModel):
    """CircleCI's trigger body; any other top-level key is a build parameter (pycircleci merges them there)."""

    model_config = ConfigDict(extra="allow")
    revision: StrictStr | None = Field(default=None, max_length=250)
    tag: StrictStr | None = Field(default=None, max_length=250)
    branch: StrictStr | None = Field(default=None, max_length=250)
    job: StrictStr | None = Field(default=None, max_length=250)
    parallel: int | None = Field(default=None, ge=1, le=64)
    build_parameters: dict[str, Any] | None = None


class EnvvarIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: StrictStr = Field(min_length=1, max_length=envvars.MAX_NAME)
    value: StrictStr


# ---------------------------------------------------------------- helpers


def caller() -> Account:
    event = router.current_event
    return authenticate(circleci_token(event.headers, event.query_string_parameters))


def links() -> Links:
    settings = get_settings()
    return Links(settings.public_url or _event_base(), settings.secret_key)


def _event_base() -> str:
    context = router.current_event.request_context
    domain, stage = context.domain_name or "localhost", context.stage
    if domain.endswith(".amazonaws.com") and stage:
        return f"https://{domain}/{stage}"
    return f"https://{domain}"


def project_of(account: Account, vcs: str, user: str, project: str) -> Project:
    provider = PROVIDERS.get(vcs.lower())
    if provider is None:
        raise NotFound("Project not found")
    return builds.find_project(account, provider, f"{user}/{project}")


def render(job: Job, project: Project, context: builds.Context, *, full: bool = False, shallow: bool = False,
           retry_of: int | None = None) -> dict[str, Any]:
    run = context.run(job)
    if shallow:
        return views.summary(job, run, project, links(), shallow=True)
    shape = views.detail if full else views.summary
    retried = retry_of if retry_of is not None else context.retry_of(job)
    return shape(job, run, project, links(), retry_of=retried, previous=context.previous(job))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def build_parameters(body: TriggerIn) -> dict[str, str]:
    """`build_parameters` plus every other top-level key that names a variable; unusable extra keys are ignored."""
    explicit = body.build_parameters or {}
    for name in explicit:
        if not envvars.NAME.match(str(name)):
            raise Invalid(f"build_parameters: {name!r} is not a valid environment variable name",
                          field="build_parameters")
    extra = {k: v for k, v in (body.model_extra or {}).items() if envvars.NAME.match(k) and v is not None}
    return {str(k): _text(v) for k, v in {**extra, **explicit}.items() if v is not None}


def _trigger(vcs: str, user: str, project: str, body: TriggerIn | None, branch: str | None) -> Response:
    account = caller()
    found = project_of(account, vcs, user, project)
    body = body or TriggerIn()
    parameters = build_parameters(body)
    _, job = triggers.start(
        account,
        found,
        dialect="circleci",
        branch=branch or body.branch,
        tag=body.tag,
        revision=body.revision,
        parameters=parameters,
        job_name=body.job or parameters.get("CIRCLE_JOB"),
        parallel=body.parallel,
        reserve_job=True,
    )
    if job is None:
        raise NotFound("Build not found")
    return json_response(200, render(job, found, builds.Context([job])))


def _builds(vcs: str, user: str, project: str, limit: int, offset: int, status_filter: str | None, shallow: bool,
            branch: str | None = None) -> list[dict[str, Any]]:
    account = caller()
    found = project_of(account, vcs, user, project)
    states = views.FILTERS[status_filter] if status_filter else None
    page = builds.project_builds(found, limit=limit, offset=offset, states=states, branch=branch)
    context = builds.Context(page)
    return [render(job, found, context, shallow=shallow) for job in page]


def _build(vcs: str, user: str, project: str, build_num: str) -> tuple[Account, Project, Job]:
    account = caller()
    found = project_of(account, vcs, user, project)
    return account, found, builds.find_build(found, build_num)


# ---------------------------------------------------------------- the account


@router.get("/me", summary="The token's account", tags=TAGS)
def me():
    account = caller()
    return views.me(account, builds.followed_projects(account))


@router.get("/projects", summary="Followed projects with their branches' recent builds", tags=TAGS)
def followed_projects():
    account = caller()
    answer = []
    for project in builds.followed_projects(account):
        recent = list(builds.branch_builds(project, limit=30))
        context = builds.Context(recent)
        answer.append(views.project_entry(project, [(job, context.run(job)) for job in recent]))
    return answer


@router.get("/recent-builds", summary="The newest builds of every followed project", tags=TAGS)
def recent_builds(limit: Limit = 30, offset: Offset = 0, shallow: Shallow = False):
    account = caller()
    followed = builds.followed_projects(account)
    by_id = {p.id: p for p in followed}
    page = builds.recent_builds(account, followed, limit=limit, offset=offset)
    context = builds.Context(page)
    return [render(job, by_id[job.project_id], context, shallow=shallow) for job in page]


# ---------------------------------------------------------------- a project (static segments before <build_num>)


@router.post("/project/<vcs>/<user>/<project>/follow", summary="Follow a project", tags=TAGS)
def follow(vcs: str, user: str, project: str):
    account = caller()
    builds.follow(account, project_of(account, vcs, user, project))
    return {"following": True, "followed": True, "first_build": None}


@router.post("/project/<vcs>/<user>/<project>/build", summary="Trigger a pipeline (branch, revision or tag)",
             tags=TAGS)
def trigger_pipeline(vcs: str, user: str, project: str, body: Annotated[TriggerIn | None, Body()] = None):
    account = caller()
    found = project_of(account, vcs, user, project)
    body = body or TriggerIn()
    triggers.start(account, found, dialect="circleci", branch=body.branch, tag=body.tag, revision=body.revision)
    return {"status": 200, "body": "Build created"}


@router.get("/project/<vcs>/<user>/<project>/envvar", summary="List environment variables (masked)", tags=TAGS)
def list_envvars(vcs: str, user: str, project: str):
    account = caller()
    found = project_of(account, vcs, user, project)
    return [views.envvar(item.name, item.hint) for item in envvars.list_all(account, found)]


@router.post("/project/<vcs>/<user>/<project>/envvar", summary="Add or replace an environment variable",
             tags=TAGS)
def add_envvar(vcs: str, user: str, project: str, body: Annotated[EnvvarIn, Body()]):
    account = caller()
    found = project_of(account, vcs, user, project)
    stored = envvars.put(account, found, body.name, body.value)
    return json_response(201, views.envvar(stored.name, stored.hint))


@router.get("/project/<vcs>/<user>/<project>/envvar/<name>", summary="One environment variable (masked)",
            tags=TAGS)
def get_envvar(vcs: str, user: str, project: str, name: str):
    account = caller()
    stored = envvars.get(account, project_of(account, vcs, user, project), name)
    return views.envvar(stored.name, stored.hint)


@router.delete("/project/<vcs>/<user>/<project>/envvar/<name>", summary="Delete an environment variable",
               tags=TAGS)
def delete_envvar(vcs: str, user: str, project: str, name: str):
    account = caller()
    envvars.delete(account, project_of(account, vcs, user, project), name)
    return {"message": "ok"}


@router.get("/project/<vcs>/<user>/<project>/tree/<branch+>", summary="A branch's builds, newest first",
            tags=TAGS)
def branch_builds(vcs: str, user: str, project: str, limit: Limit = 30, offset: Offset = 0,
                  status_filter: StatusFilter = None, shallow: Shallow = False):
    branch = path_parameter(router, "branch")
    return _builds(vcs, user, project, limit, offset, status_filter, shallow, branch=branch)


@router.post("/project/<vcs>/<user>/<project>/tree/<branch+>", summary="Trigger a build of a branch", tags=TAGS)
def trigger_branch(vcs: str, user: str, project: str, body: Annotated[TriggerIn | None, Body()] = None):
    return _trigger(vcs, user, project, body, path_parameter(router, "branch"))


# ---------------------------------------------------------------- one build


@router.get("/project/<vcs>/<user>/<project>/<build_num>/tests", summary="A build's test results", tags=TAGS)
def build_tests(vcs: str, user: str, project: str, build_num: str):
    _, _, job = _build(vcs, user, project, build_num)
    return views.tests(reports.list_items(job.id, "test"))


@router.get("/project/<vcs>/<user>/<project>/<build_num>/artifacts", summary="A build's artifacts", tags=TAGS)
def build_artifacts(vcs: str, user: str, project: str, build_num: str):
    _, found, job = _build(vcs, user, project, build_num)
    return views.artifacts(found, job, links())


@router.get("/project/<vcs>/<user>/<project>/<build_num>/artifacts/<path+>",
            summary="Download an artifact (a redirect to the file)", tags=TAGS)
def download_artifact(vcs: str, user: str, project: str, build_num: str):
    _, _, job = _build(vcs, user, project, build_num)
    node, _, path = path_parameter(router, "path").partition("/")
    for item in job.artifacts:
        if item.get("path") == path and str(item.get("node_index", job.node_index)) == node and item.get("key"):
            url = blobs.presigned_get(item["key"], filename=path.rsplit("/", 1)[-1])
            return json_response(302, {"message": "Found", "url": url}, headers={"Location": url})
    raise NotFound("Artifact not found")


@router.get("/project/<vcs>/<user>/<project>/<build_num>/output/<step>/<index>",
            summary="A step's console output (a token, or the signature of the build's output_url)", tags=TAGS)
def step_output(vcs: str, user: str, project: str, build_num: str, step: str, index: str,
                expires: Annotated[str, Query()] = "", signature: Annotated[str, Query()] = ""):
    job, _ = _output_job(vcs, user, project, build_num, step, index, expires, signature)
    number = int(step)
    if not 0 <= number < len(job.steps) or index != str(job.node_index):
        raise NotFound("Step not found")
    record = job.steps[number]
    if record.output_offset is None or record.output_bytes is None:
        return views.step_output("", record, truncated=False)
    length = min(record.output_bytes, MAX_OUTPUT_BYTES)
    data = blobs.get_range(blobs.console_key(job.id), record.output_offset, length) or b""
    text = data.decode("utf-8", "replace")
    return views.step_output(text, record, truncated=record.output_bytes > MAX_OUTPUT_BYTES)


def _output_job(vcs: str, user: str, project: str, build_num: str, step: str, index: str, expires: str,
                signature: str) -> tuple[Job, Project]:
    """The build whose output is asked for: by the signature of its `output_url`, or with a token as usual."""
    if not step.isdigit():
        raise NotFound("Step not found")
    provider = PROVIDERS.get(vcs.lower())
    signed_project = projects.find_by_repo(provider, f"{user}/{project}") if provider and signature else None
    if signed_project is not None:
        job = builds.find_build(signed_project, build_num)
        number = int(index) if index.isdigit() else -1
        if links().output_allowed(job, int(step), number, expires, signature):
            return job, signed_project
    _, found, job = _build(vcs, user, project, build_num)
    return job, found


@router.post("/project/<vcs>/<user>/<project>/<build_num>/retry", summary="Retry a build", tags=TAGS)
def retry_build(vcs: str, user: str, project: str, build_num: str):
    return _retry(vcs, user, project, build_num, ssh=False)


@router.post("/project/<vcs>/<user>/<project>/<build_num>/ssh", summary="Retry a build with SSH enabled",
             tags=TAGS)
def retry_build_ssh(vcs: str, user: str, project: str, build_num: str):
    return _retry(vcs, user, project, build_num, ssh=True)


def _retry(vcs: str, user: str, project: str, build_num: str, ssh: bool) -> dict[str, Any]:
    account, found, job = _build(vcs, user, project, build_num)
    _, new_job = retries.request(account, found, job, ssh=ssh)
    context = builds.Context([job, new_job])
    return render(new_job, found, context, retry_of=job.build_num)


@router.post("/project/<vcs>/<user>/<project>/<build_num>/cancel", summary="Cancel a build", tags=TAGS)
def cancel_build(vcs: str, user: str, project: str, build_num: str):
    account, found, job = _build(vcs, user, project, build_num)
    require_writable(found, account)
    run = runs.get_run(job.run_id)
    if run is None:
        raise NotFound("Build not found")
    cancel.request(run, [job.id])
    job = builds.find_build(found, job.build_num)
    return render(job, found, builds.Context([job]))


@router.get("/project/<vcs>/<user>/<project>/<build_num>", summary="A build in full, with its steps", tags=TAGS)
def build_info(vcs: str, user: str, project: str, build_num: str):
    _, found, job = _build(vcs, user, project, build_num)
    return render(job, found, builds.Context([job]), full=True)


# ---------------------------------------------------------------- the project itself (after every longer route)


@router.get("/project/<vcs>/<user>/<project>", summary="A project's builds, newest first", tags=TAGS)
def project_builds(vcs: str, user: str, project: str, limit: Limit = 30, offset: Offset = 0,
                   status_filter: StatusFilter = None, shallow: Shallow = False):
    return _builds(vcs, user, project, limit, offset, status_filter, shallow)


@router.post("/project/<vcs>/<user>/<project>", summary="Trigger a build (revision, tag, job, build_parameters)",
             tags=TAGS)
def trigger_project(vcs: str, user: str, project: str, body: Annotated[TriggerIn | None, Body()] = None):
    return _trigger(vcs, user, project, body, None)
