"""Helpers for end-to-end build tests: real git repositories in temp dirs and signed webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import requests
from dulwich import porcelain
from dulwich.repo import Repo

from tests.events import EVENTS


def make_repo(path: Path, files: dict[str, str], branch: str = "main", message: str = "first commit") -> str:
    """A real git repository with the files committed on `branch`; returns the commit sha."""
    path.mkdir(parents=True, exist_ok=True)
    repo = porcelain.init(str(path)) if not (path / ".git").exists() else Repo(str(path))
    if branch != "master" and not (path / ".git" / "refs" / "heads" / branch).exists():
        repo.refs.set_symbolic_ref(b"HEAD", f"refs/heads/{branch}".encode())
    return commit(path, files, message)


def cobertura(package: str, class_name: str, filename: str) -> str:
    """A Cobertura report of one class: 3 of its 4 lines (75%) and 1 of its 2 branches (50%) covered."""
    return f"""<?xml version="1.0" ?>
<coverage line-rate="0.75" branch-rate="0.5" lines-valid="4" lines-covered="3" branches-valid="2"
          branches-covered="1" version="1" timestamp="0">
  <packages><package name="{package}" line-rate="0.75" branch-rate="0.5"><classes>
    <class name="{class_name}" filename="{filename}" line-rate="0.75" branch-rate="0.5"><methods/><lines>
      <line number="1" hits="1"/><line number="2" hits="1"/><line number="3" hits="1"/><line number="4" hits="0"/>
    </lines></class>
  </classes></package></packages>
</coverage>
"""


def commit(path: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        porcelain.add(str(path), [str(target)])
    sha = porcelain.commit(str(path), message=message.encode(), author=b"Ada <ada@example.com>",
                           committer=b"Ada <ada@example.com>")
    return sha.decode() if isinstance(sha, bytes) else sha


def github_push(full_name: str, sha: str, branch: str = "main", message: str = "first commit") -> bytes:
    doc = json.loads((EVENTS / "webhooks/github/push.branch.json").read_text())
    doc["ref"] = f"refs/heads/{branch}"
    doc["after"] = sha
    doc["repository"]["full_name"] = full_name
    doc["head_commit"]["id"] = sha
    doc["head_commit"]["message"] = message
    return json.dumps(doc).encode()


def deliver_github(url: str, secret: str, body: bytes, delivery: str, event: str = "push") -> requests.Response:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
               "X-Hub-Signature-256": f"sha256={signature}"}
    return requests.post(f"{url}/hooks/github", data=body, headers=headers, timeout=30)


def account_and_project(stack: Any, login: str, full_name: str, clone_url: str) -> tuple[str, dict]:
    token = stack.admin().post(f"{stack.url}/accounts", json={"login": login}).json()["apiToken"]
    project = stack.session(token).post(
        f"{stack.url}/projects",
        json={"repositoryProvider": "github", "fullName": full_name, "cloneUrl": clone_url,
              "sourceDefaultBranch": "main"},
    )
    assert project.status_code == 201, project.text
    return token, project.json()


def wait_for(predicate, timeout: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def attach_store(data_dir: Path, monkeypatch: Any) -> None:
    """Point this test process's store and blobs at a running local stack (what `runner.env` says)."""
    from switchyard import aws
    from switchyard.settings import reset_settings
    from switchyard.store import models

    for line in (data_dir / "runner.env").read_text().splitlines():
        name, _, value = line.partition("=")
        monkeypatch.setenv(name, value)
    reset_settings()
    aws.reset()
    models.configure()
