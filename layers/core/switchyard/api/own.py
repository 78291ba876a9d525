"""Switchyard's own routes at the root (Shippable auth): health, accounts, projects, job retries."""

from __future__ import annotations

from typing import Annotated, Literal

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


def caller() -> Account:
    return authenticate(shippable_token(router.current_event.headers))


@router.get("/health", summary="Liveness", tags=["switchyard"])
def health():
    return {"status": "ok"}


@router.post("/accounts", summary="Create an account (admin only); the token is shown once", tags=["switchyard"])
def create_account(body: Annotated[AccountIn, Body()]):
    account, token = account_service.create(caller(), body.login, body.name, body.email)
    return json_response(201, {"id": account.id, "login": account.login, "apiToken": token})


@router.post("/projects", summary="Register a repository as a project owned by the caller", tags=["switchyard"])
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


@router.post("/jobs/<jobId>/retry", summary="Run a job again (owner only): a new build of the same commit and "
             "config; answers the new job, with its BuildId", tags=["switchyard"])
def retry_job(jobId: str):
    account = caller()
    job, _, project = job_service.readable_job(account, jobId)
    run, new_job = retries.request(account, project, job)
    return json_response(201, {**views.job_detail(new_job, run, project), "BuildId": run.id})
