"""A pushed repository built by `switchyard serve`, then read with `requests` as orchestrator jobs and KernelCI jobs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import requests

from tests.conftest import Stack
from tests.events import EVENTS
from tests.integration import builds


def _push(stack: Stack, project: dict, repo: builds.Repo, message: str) -> None:
    payload = json.loads((EVENTS / "webhooks/github/push.branch.json").read_text())
    payload["repository"]["full_name"] = project["fullName"]
    payload["after"] = payload["head_commit"]["id"] = repo.sha
    payload["head_commit"]["message"] = message
    body = json.dumps(payload).encode()
    signature = hmac.new(project["webhookSecret"].encode(), body, hashlib.sha256).hexdigest()
    answer = requests.post(f"{stack.url}/hooks/github", data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": f"d-{repo.sha}",
        "X-Hub-Signature-256": f"sha256={signature}"})
    assert answer.status_code == 202, answer.text


def _wait_for_final_job(stack: Stack, headers: dict[str, str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = requests.get(f"{stack.url}/orchestrator/v1/jobs", headers=headers, timeout=30).json()["items"]
        if items and items[0]["state"] in ("finished", "failed"):
            return items[0]
        time.sleep(0.5)
    raise AssertionError(f"the build did not finish:\n{stack.log()[-4000:]}")


@pytest.mark.stack
def test_a_pushed_build_as_orchestrator_job_and_kernelci_document(tmp_path):
    repo = builds.make_repo(tmp_path / "repo", {"shippable.yml": builds.FLAVORS_YML}, "Two flavors")
    stack = Stack(tmp_path / "data", runners=2).start()
    try:
        token = stack.admin().post(f"{stack.url}/accounts", json={"login": "alice"}, timeout=30).json()["apiToken"]
        project = stack.session(token).post(f"{stack.url}/projects", timeout=30, json={
            "repositoryProvider": "github", "fullName": "alice/flavors", "cloneUrl": repo.url,
            "sourceDefaultBranch": "master"}).json()
        _push(stack, project, repo, "Two flavors")
        orchestrator = {"X-Authentication": token}
        job = _wait_for_final_job(stack, orchestrator)
        assert job["state"] == "failed" and job["id"] == f"{stack.url}/orchestrator/v1/jobs/{job['name']}"
        assert job["environment"] == {"name": "master"} and job["options"]["target"] == "alice/flavors"

        nodes = requests.get(job["nodes"]["id"], headers=orchestrator, timeout=30).json()["items"]
        assert sorted((n["state"], n["name"].split(": ")[1]) for n in nodes) == [("failed", "FLAVOR=two"),
                                                                                 ("finished", "FLAVOR=one")]
        assert all(n["details"]["report-url"].startswith(f"{stack.url}/jobs/") for n in nodes)
        report = requests.get(job["report"]["id"], headers=orchestrator, timeout=30).json()
        assert {e["type"] for i in report["items"] for e in i["events"]} == {"node_running", "node_finished",
                                                                             "node_failed"}
        assert requests.get(f"{stack.url}/orchestrator/v1/jobs", timeout=30).status_code == 401

        kernelci = {"Authorization": f"token {token}"}
        listed = requests.get(f"{stack.url}/kernelci/job?job=flavors&field=status&field=kernel", headers=kernelci,
                              timeout=30)
        assert listed.headers["Content-Type"] == "application/json; charset=UTF-8"
        [document] = listed.json()["result"]
        assert document["status"] == "FAIL" and document["kernel"] == repo.sha[:12]
        job_id = document["_id"]["$oid"]
        logs = requests.get(f"{stack.url}/kernelci/jobs/{job_id}/logs", headers=kernelci, timeout=30).json()
        assert logs["result"][0]["errors"] == [[1, "main.c:1: error: flavor two is broken"]]
        marked = requests.post(f"{stack.url}/kernelci/job", headers=kernelci, timeout=30,
                               json={"job": "flavors", "kernel": repo.sha[:12], "git_branch": "master"})
        assert marked.status_code == 200 and marked.json()["reason"].endswith("marked as 'PASS'")
        assert requests.get(f"{stack.url}/kernelci/job/{job_id}/", headers=kernelci,
                            timeout=30).json()["result"][0]["status"] == "PASS"
        assert requests.post(f"{stack.url}/kernelci/job", headers=kernelci, data="job=flavors",
                             timeout=30).status_code == 415
        assert requests.delete(f"{stack.url}/kernelci/job/{job_id}", headers=kernelci, timeout=30).status_code == 200
        assert requests.get(f"{stack.url}/kernelci/job/{job_id}", headers=kernelci, timeout=30).status_code == 404
        assert requests.get(f"{stack.url}/kernelci/job", timeout=30).status_code == 403
    finally:
        stack.stop()
