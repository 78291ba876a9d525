"""A small client of the public API (Shippable dialect + our routes) for the CLI: trigger, runs, logs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from .domain.ids import is_object_id

FINAL_CODES = {30: 0, 40: 0, 50: 2, 60: 3, 70: 4, 80: 1, 90: 5}  # Shippable status -> exit code
STATUS_NAMES = {0: "waiting", 10: "queued", 20: "processing", 30: "success", 40: "skipped", 50: "unstable",
                60: "timeout", 70: "canceled", 80: "failed", 90: "stopped"}


class ApiError(RuntimeError):
    pass


@dataclass
class Client:
    url: str
    token: str
    timeout: float = 30

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = requests.request(method, f"{self.url.rstrip('/')}{path}", timeout=self.timeout,
                                    headers={"Authorization": f"apiToken {self.token}"}, **kwargs)
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise ApiError(f"{method} {path}: {response.status_code} {message}")
        return response

    def project_id(self, name_or_id: str) -> str:
        if is_object_id(name_or_id):
            return name_or_id
        for project in self._call("GET", "/projects").json():
            if project.get("fullName", "").lower() == name_or_id.lower():
                return project["id"]
        raise ApiError(f"no project named {name_or_id} is visible to this token")

    def trigger(self, project: str, branch: str | None = None) -> str:
        body: dict[str, str] = {"projectId": self.project_id(project)}
        if branch:
            body["branchName"] = branch
        return self._call("POST", "/workflow/triggerBuild", json=body).json()["BuildId"]

    def runs(self, project: str, limit: int = 20) -> list[dict[str, Any]]:
        return self._call("GET", f"/projects/{self.project_id(project)}/recentBuilds/{limit}").json()

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/jobs/{job_id}").json()

    def console(self, job_id: str) -> bytes:
        return self._call("GET", f"/jobs/{job_id}/consoles/download").content


def follow(client: Client, job_id: str, out: Callable[[bytes], None] | None = None, poll: float = 1.0,
           progress: Callable[[str], None] | None = None) -> int:
    """Stream a job's console until it ends; returns an exit code from its outcome (0 = success)."""
    write = out or (lambda data: (sys.stdout.buffer.write(data), sys.stdout.buffer.flush()))
    shown = 0
    waited = 0.0
    while True:
        job = client.job(job_id)
        console = client.console(job_id)
        if len(console) > shown:
            write(console[shown:])
            shown = len(console)
            waited = 0.0
        code = int(job.get("statusCode", 0))
        if job.get("isCompleted") or code in FINAL_CODES:
            return FINAL_CODES.get(code, 1)
        waited += poll
        if progress and waited >= 5 and int(waited) % 5 == 0:
            progress(f"[{STATUS_NAMES.get(code, code)}] waiting for output ({int(waited)} s)")
        time.sleep(poll)
