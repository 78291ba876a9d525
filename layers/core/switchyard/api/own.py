"""Switchyard's own routes at the root (Shippable auth): health, accounts, projects, job retries."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from ..auth import authenticate, shippable_token
from ..domain.model import Account
from ..services import accounts as account_service
from ..services import jobs as job_service
from ..services import projects as project_service
from ..services import retries
from .common import json_response
from .shippable import views

router = Router()


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    login: StrictStr = Field(min_length=1, max_length=63)
    name: StrictStr = ""
    email: StrictStr = ""


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    repositoryProvider: Literal["github", "gitlab", "bitbucket"]
    fullName: StrictStr = Field(min_length=3, max_length=200)
    cloneUrl: StrictStr = Field(min_length=1, max_length=2000)
    sourceDefaultBranch: StrictStr = Field(default="main", min_length=1, max_length=250)
    isPrivate: StrictBool = True
    autoBuild: StrictBool = True
    statusToken: StrictStr | None = Field(default=None, max_length=4000)
    scmApiUrl: StrictStr | None = Field(default=None, max_length=2000)


class AccountOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    login: str
    apiToken: str = Field(description="shown this once; only its hash is stored")


class ProjectOut(BaseModel):
    """The project in Shippable's shape (only the fields this route adds or a client needs are spelled out)."""

    model_config = ConfigDict(extra="allow")
    id: str
    fullName: str
    repositoryProvider: str
    webhookUrl: str = Field(description="the path to give the SCM as webhook URL")
    webhookSecret: str = Field(description="the secret the SCM signs deliveries with")


def created(model: type[BaseModel], what: str) -> dict[int, dict]:
    return {201: {"description": what, "content": {"application/json": {"model": model}}}}


class StatusTokenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    statusToken: StrictStr | None = Field(max_length=4000, description="null or empty removes the token")
    scmApiUrl: StrictStr | None = Field(default=None, max_length=2000, description="omitted: the public API")


def caller() -> Account:
    return authenticate(shippable_token(router.current_event.headers))


@router.get("/health", summary="Liveness", tags=["switchyard"],
            responses={200: {"description": "up", "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}}})
def health():
    return {"status": "ok"}


@router.post("/accounts", summary="Create an account (admin only); the token is shown once", tags=["switchyard"],
             responses=created(AccountOut, "the account and its token"))
def create_account(body: Annotated[AccountIn, Body()]):
    account, token = account_service.create(caller(), body.login, body.name, body.email)
    return json_response(201, {"id": account.id, "login": account.login, "apiToken": token})


@router.post("/projects", summary="Register a repository as a project owned by the caller", tags=["switchyard"],
             responses=created(ProjectOut, "the project, its webhook path and secret"))
def create_project(body: Annotated[ProjectIn, Body()]):
    account = caller()
    project = project_service.create(
        account,
        project_service.NewProject(
            repository_provider=body.repositoryProvider,
            full_name=body.fullName,
            clone_url=body.cloneUrl,
            default_branch=body.sourceDefaultBranch,
            is_private=body.isPrivate,
            auto_build=body.autoBuild,
            status_token=body.statusToken,
            scm_api_url=body.scmApiUrl,
        ),
    )
    view = views.project_detail(project, most_recent_build=None)
    view["webhookUrl"] = project_service.webhook_path(project)
    view["webhookSecret"] = project_service.secret_for(project)
    return json_response(201, view)


@router.put(
    "/projects/<projectId>/statusToken",
    summary="Set the SCM token (and API base) used to post commit statuses (owner only); never shown again",
    tags=["switchyard"],
    responses={204: {"description": "stored encrypted"}},
)
def put_status_token(projectId: str, body: Annotated[StatusTokenIn, Body()]):
    project_service.set_status_token(caller(), projectId, body.statusToken, body.scmApiUrl)
    return Response(status_code=204, body="")


@router.post("/jobs/<jobId>/retry", summary="Run a job again (owner only): a new build of the same commit and "
             "config; answers the new job, with its BuildId", tags=["switchyard"])
def retry_job(jobId: str):
    account = caller()
    job, _, project = job_service.readable_job(account, jobId)
    run, new_job = retries.request(account, project, job)
    return json_response(201, {**views.job_detail(new_job, run, project), "BuildId": run.id})
