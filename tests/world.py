"""A populated local stack for the gates: accounts owning a private project with a finished build, and the
real value of every path parameter a dialect may name, so route-generic tests reach real resources."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import requests

from switchyard.api.openapi import dialect_of
from switchyard.local.template import Route, load
from tests.builds import deliver_github, github_push, make_repo, wait_for

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_ROUTES = ("/health", "/openapi.json", "/docs")
SHIPPABLE_YML = "build:\n  ci:\n    - echo hello from the build\n    - env | sort\n"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# A path parameter's name (lower case, letters and digits only) → what it names. Per-dialect entries win:
# the same word means different things in different dialects.
PARAMETERS: dict[str, str] = {
    "projectid": "project_id", "accountid": "account_id", "subscriptionid": "account_id",
    "runid": "run_id", "buildid": "run_id", "buildgroupid": "run_id",
    "jobid": "job_id", "id": "job_id", "number": "run_number", "runnumber": "run_number",
    "buildnum": "build_num", "buildnumber": "build_num",
    "vcs": "provider", "vcstype": "provider", "provider": "provider",
    "username": "owner", "user": "owner", "org": "owner", "orgname": "owner", "owner": "owner",
    "project": "repo", "projectname": "repo", "repo": "repo", "reponame": "repo",
    "branch": "branch", "builditemnumber": "job_number", "jobnumber": "job_number",
    "name": "envvar_name", "path": "artifact_path",
}
DIALECT_PARAMETERS: dict[str, dict[str, str]] = {
    "orchestrator": {"jobid": "run_seq", "id": "run_seq"},  # a Puppet job is a run, by its global number
    "kernelci": {"jobid": "run_id", "id": "run_id", "field": "distinct_field"},  # a KernelCI job document is a run
    "circleci": {"step": "step_index", "index": "step_index"},
}
# The meanings that name something an account owns (the others only select within it: a branch, a field …).
OWNED = frozenset({"project_id", "account_id", "run_id", "job_id", "run_number", "run_seq", "build_num", "owner",
                   "repo", "job_number", "envvar_name"})
ENVVAR = "SECRET_OF_THE_TENANT"


@dataclass
class Tenant:
    """One account and what it owns, with the ids by which every dialect names them."""

    login: str
    token: str
    account_id: str
    project: dict[str, Any]
    values: dict[str, str] = field(default_factory=dict)

    @property
    def secret(self) -> str:
        return self.project["webhookSecret"]


def template_routes() -> list[Route]:
    return sorted(load(ROOT / "template.yaml").routes, key=lambda r: (r.path, r.method))


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+?)\+?\}", path)


def meaning(path: str, name: str) -> str | None:
    """What a path parameter names (project_id, run_id …), or None when the gates do not know the word."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    scheme = dialect_of(path).scheme
    return DIALECT_PARAMETERS.get(scheme, {}).get(key) or PARAMETERS.get(key)


def unknown_parameters(route: Route) -> list[str]:
    return [name for name in path_parameters(route.path) if meaning(route.path, name) is None]


def fill(path: str, values: dict[str, str], default: str | None = None) -> str:
    """The path with each parameter replaced by the tenant's value of what it names (or `default`)."""
    def value(match: re.Match[str]) -> str:
        known = meaning(path, match.group(1))
        found = values.get(known, default) if known is not None else default
        if found is None:
            raise KeyError(f"no value for path parameter {match.group(1)} of {path}")
        return requests.utils.quote(found, safe="/" if match.group(2) else "")  # a greedy {x+} spans segments

    return re.sub(r"\{([^}]+?)(\+?)\}", value, path)


def auth_headers(path: str, token: str) -> dict[str, str]:
    """The header each dialect reads the token from (CONTRACT.md)."""
    scheme = dialect_of(path).scheme
    if scheme == "circleci":
        return {"Circle-Token": token}
    if scheme == "orchestrator":
        return {"X-Authentication": token}
    if scheme == "kernelci":
        return {"Authorization": token}
    return {"Authorization": f"apiToken {token}"}


def is_public(route: Route) -> bool:
    return route.path in PUBLIC_ROUTES or route.path.startswith("/hooks/")


def create_tenant(stack: Any, login: str, workdir: Path) -> Tenant:
    """An account with a private project whose push built to the end; needs `attach_store` for the ids."""
    from switchyard.store import jobs, runs

    created = stack.admin().post(f"{stack.url}/accounts", json={"login": login})
    assert created.status_code == 201, created.text
    account = created.json()
    repo = workdir / f"{login}-repo"
    sha = make_repo(repo, {"shippable.yml": SHIPPABLE_YML})
    full_name = f"{login}/app"
    project = stack.session(account["apiToken"]).post(
        f"{stack.url}/projects",
        json={"repositoryProvider": "github", "fullName": full_name, "cloneUrl": f"file://{repo}",
              "sourceDefaultBranch": "main", "isPrivate": True},
    )
    assert project.status_code == 201, project.text
    body = project.json()
    answer = deliver_github(stack.url, body["webhookSecret"], github_push(full_name, sha), uuid.uuid4().hex)
    assert answer.status_code == 202, answer.text
    run_id = answer.json()["runs"][0]
    run = wait_for(lambda: (r := runs.get_run(run_id)) is not None and r.is_final and r, timeout=120)
    job = jobs.list_run_jobs(run_id)[0]
    owner, repo_name = full_name.split("/")
    values = {
        "project_id": body["id"], "account_id": account["id"], "run_id": run.id, "job_id": job.id,
        "run_number": str(run.number), "run_seq": str(run.seq), "build_num": str(job.build_num),
        "provider": "github", "owner": owner, "repo": repo_name, "branch": "main", "sha": sha,
        "job_number": str(job.number), "envvar_name": ENVVAR, "artifact_path": "shippable/none.txt",
        "distinct_field": "kernel", "step_index": "0",
    }
    envvar = f"{stack.url}/api/v1.1/project/github/{full_name}/envvar"
    if any(r.path.endswith("/envvar") and r.method == "POST" for r in template_routes()):
        added = requests.post(envvar, json={"name": ENVVAR, "value": f"{login}-envvar-value"}, timeout=30,
                              headers={"Circle-Token": account["apiToken"]})
        assert added.status_code in (200, 201), added.text
    return Tenant(login, account["apiToken"], account["id"], body, values)


def names_owned(route: Route) -> bool:
    """Whether the route's path names something an account owns (else it only selects, like a list)."""
    return any(meaning(route.path, name) in OWNED for name in path_parameters(route.path))


# What each named thing would be if it did not exist: same shapes, nobody's values.
NOBODYS = {"project_id": "0123456789abcdef01234567", "account_id": "0123456789abcdef01234567",
           "run_id": "0123456789abcdef01234567", "job_id": "0123456789abcdef01234567", "run_number": "999999",
           "run_seq": "999999", "build_num": "999999", "owner": "nobody", "repo": "nothing"}


def nobodys(values: dict[str, str]) -> dict[str, str]:
    return {**values, **NOBODYS}


def table_snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every item of every table of the attached stack (tests only: request paths never Scan)."""
    from switchyard.aws import client
    from switchyard.settings import get_settings

    settings = get_settings()
    dynamodb = client("dynamodb")
    snapshot = {}
    for name, value in settings.model_dump().items():
        if name.endswith("_table") and name != "idempotency_table":
            items = []
            for page in dynamodb.get_paginator("scan").paginate(TableName=value):
                items.extend(page["Items"])
            snapshot[name] = sorted(items, key=repr)
    return snapshot



@cache
def _document() -> dict[str, Any]:
    from switchyard.api.openapi import document

    return json.loads(document())


def documented_operation(route: Route) -> dict[str, Any]:
    """The operation /openapi.json documents for a template route ({} if none: the OpenAPI test fails then)."""
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    for path, item in _document()["paths"].items():
        if shape(path) == shape(route.path):
            return item.get(route.method.lower(), {})
    return {}


def body_properties(route: Route) -> dict[str, dict[str, Any]]:
    """The documented JSON body's top-level properties (name → schema), a $ref resolved."""
    media = documented_operation(route).get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = media.get("schema", {})
    if "$ref" in schema:
        schema = _document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


def query_parameters(route: Route) -> list[str]:
    return [p["name"] for p in documented_operation(route).get("parameters", []) if p.get("in") == "query"]
