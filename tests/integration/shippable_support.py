"""Helpers for the Shippable route tests on moto: a client with a token, accounts, projects and stored builds."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import asdict
from typing import Any

from tests.events import api_event, load, with_token
from tests.integration.handlers import Context

ADMIN = "admin-test-token"
SHA = "4bec06511580963fa011e07bf467732a6d562b29"
CONTEXT = Context("ShippableApiFunction")


class Client:
    """Calls the handler as API Gateway would, with one account's token."""

    def __init__(self, handler, token: str | None):
        self.handler, self.token = handler, token

    def raw(self, method: str, path: str, *, resource: str | None = None, body: Any = None,
            query: dict[str, str | list[str]] | None = None, headers: dict[str, str] | None = None) -> dict:
        multi = {k: v if isinstance(v, list) else [v] for k, v in (query or {}).items()}
        event = api_event(method, path, resource=resource, body=body, query=multi or None, headers=headers)
        if self.token:
            event = with_token(event, self.token)
        return self.handler(event, CONTEXT)

    def call(self, method: str, path: str, **kwargs) -> tuple[int, Any]:
        response = self.raw(method, path, **kwargs)
        body = response.get("body")
        content_type = header(response, "Content-Type")
        if body and "json" in content_type:
            body = json.loads(body)
        return response["statusCode"], body

    def get(self, path: str, **kwargs) -> tuple[int, Any]:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> tuple[int, Any]:
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs) -> tuple[int, Any]:
        return self.call("DELETE", path, **kwargs)


def header(response: dict, name: str) -> str:
    """A header of a proxy response, from `headers` or `multiValueHeaders`."""
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return values[-1]
    return ""


def make_account(handler, login: str) -> tuple[dict, Client]:
    event = with_token(load("api/post_accounts.json") | {"body": json.dumps({"login": login})}, ADMIN)
    response = handler(event, CONTEXT)
    assert response["statusCode"] == 201, response["body"]
    account = json.loads(response["body"])
    return account, Client(handler, account["apiToken"])


def make_project(client: Client, full_name: str, private: bool = True, clone_url: str | None = None) -> dict:
    status, body = client.post("/projects", body={
        "repositoryProvider": "github", "fullName": full_name, "isPrivate": private,
        "cloneUrl": clone_url or f"https://github.com/{full_name}.git", "sourceDefaultBranch": "main",
    })
    assert status == 201, body
    return body


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def stored_build(project_id: str, envs: tuple[str, ...] = ("FOO=one", "FOO=two"), *, final: str = "success",
                 branch: str = "main", reports_too: bool = True, is_pull_request: bool = False) -> dict[str, Any]:
    """A run with one job per env entry, driven through the states a runner would, with console,
    reports and archive stored as the runner stores them. Returns the run and its jobs."""
    from switchyard import blobs
    from switchyard.domain import ids
    from switchyard.domain.buildconfig import JobPlan
    from switchyard.domain.model import Commit, StepResult, Trigger
    from switchyard.domain.states import State
    from switchyard.services import runs
    from switchyard.store import jobs, projects, reports
    from switchyard.store import runs as run_store

    project = projects.get_project(project_id)
    commit = Commit(sha=SHA, message="Fix the widget\n\nLonger text", author_name="Ada Lovelace",
                    author_login="ada", author_email="ada@example.com", committer_name="Grace Hopper",
                    committer_login="grace", committer_email="grace@example.com")
    trigger = Trigger(id=ids.new_id(), project_id=project_id, source="webhook", dialect="github", branch=branch,
                      commit=commit, triggered_by="ada", is_pull_request=is_pull_request,
                      pull_request_number=7 if is_pull_request else None)
    run, _ = runs.open_run(trigger, project)
    run.commit_sha = SHA
    run = run_store.save_run(run)
    steps = [{"name": "checkout", "kind": "checkout", "phase": "ci"},
             {"name": "make test", "kind": "run", "command": "make test", "phase": "ci"},
             {"name": "echo ok", "kind": "run", "command": "echo ok", "phase": "on_success"}]
    plans = [asdict(JobPlan(label=e, env=[e], steps=steps, archive=True)) for e in envs]
    job_list = runs.create_jobs(run, project, plans, 3600)
    run = runs.mark_queued(run, len(job_list))
    if final == "queued":
        return {"run": run, "jobs": job_list}
    for job in job_list:
        job.move(State.PROCESSING)
        job.runner_host = "runner-1"
        job.steps = [StepResult(name="checkout", kind="checkout", started_at=job.started_at,
                                ended_at=job.started_at, status="success")]
        if final != "processing":
            job.steps.append(StepResult(name="make test", kind="run", command="make test",
                                        started_at=job.started_at, ended_at=job.started_at, exit_code=0,
                                        status="success"))
            job.move(State(final))
            job.log_bytes, job.log_lines = 12, 2
            blobs.put_bytes(blobs.console_key(job.id), f"console of {job.label}\nbye\n".encode())
            if reports_too:
                job.tests = {"total": 3, "passed": 1, "failed": 1, "errors": 1, "skipped": 0}
                job.coverage = {"line_rate": 0.75, "branch_rate": 0.5, "lines_valid": 4, "lines_covered": 3,
                                "branches_valid": 2, "branches_covered": 1}
                reports.put_items(job.id, "test", [
                    {"classname": "t.A", "name": "ok", "file": "t.py", "time": 0.1, "result": "success",
                     "message": None},
                    {"classname": "t.A", "name": "bad", "file": "t.py", "time": 0.2, "result": "failure",
                     "message": "assert 1 == 2"},
                    {"classname": "t.B", "name": "boom", "file": None, "time": 0.0, "result": "error",
                     "message": "RuntimeError"},
                ])
                reports.put_items(job.id, "cov", [
                    {"name": "widget", "filename": "widget.py", "line_rate": 0.75, "branch_rate": 0.5},
                ])
            job.archive_key = blobs.artifact_prefix(job.id) + "shippable.tar.gz"
            blobs.put_bytes(job.archive_key, tarball({"testresults/junit.xml": b"<testsuite/>"}), "application/gzip")
        else:
            blobs.put_bytes(blobs.log_chunk_key(job.id, 0), b"first chunk\n")
            blobs.put_bytes(blobs.log_chunk_key(job.id, 1), b"second chunk\n")
        jobs.save_job(job)
    runs.finalize(run.id)
    return {"run": run_store.get_run(run.id), "jobs": jobs.list_run_jobs(run.id)}
