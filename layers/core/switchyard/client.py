"""A small client of the public API (Shippable dialect + our routes) for the CLI: trigger, runs, logs --follow."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from .domain.ids import is_object_id

FINAL_CODES = {30: 0, 40: 0, 50: 2, 60: 3, 70: 4, 80: 1, 90: 5}  # Shippable status -> exit code
STATUS_NAMES = {0: "waiting", 10: "queued", 20: "processing", 30: "success", 40: "skipped", 50: "unstable",
                60: "timeout", 70: "canceled", 80: "failed", 90: "stopped"}
UNREACHABLE = 0  # ApiError.status when no answer came back at all
OUTAGE_SECONDS = 120.0  # how long --follow rides out a stack that does not answer before giving up
FIRST_PROGRESS = 5.0  # seconds without output before --follow says it is still waiting
PROGRESS_EVERY = 10.0
TAIL_BYTES = 4096


class ApiError(RuntimeError):
    def __init__(self, message: str, status: int = UNREACHABLE):
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        return self.status == UNREACHABLE or self.status >= 500


@dataclass
class Client:
    url: str
    token: str
    timeout: float = 30
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, f"{self.url.rstrip('/')}{path}", timeout=self.timeout,
                                            headers={"Authorization": f"apiToken {self.token}"}, **kwargs)
        except requests.RequestException as err:
            raise ApiError(f"cannot reach the Switchyard API at {self.url}: {type(err).__name__}") from err
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except (ValueError, AttributeError):
                message = response.text
            raise ApiError(f"{method} {path}: {response.status_code} {message}", response.status_code)
        return response

    def project_id(self, name_or_id: str) -> str:
        if is_object_id(name_or_id):
            return name_or_id
        for project in self._call("GET", "/projects", params={"projectFullNames": name_or_id}).json():
            if project.get("fullName", "").lower() == name_or_id.lower():
                return project["id"]
        raise ApiError(f"no project named {name_or_id} is visible to this token", 404)

    def trigger(self, project: str, branch: str | None = None) -> str:
        body: dict[str, str] = {"projectId": self.project_id(project)}
        if branch:
            body["branchName"] = branch
        return self._call("POST", "/workflow/triggerBuild", json=body).json()["BuildId"]

    def runs(self, project: str, limit: int = 20) -> list[dict[str, Any]]:
        return self._call("GET", f"/projects/{self.project_id(project)}/recentBuilds/{limit}").json()

    def build(self, build_id: str) -> dict[str, Any]:
        return self._call("GET", f"/builds/{build_id}").json()

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/jobs/{job_id}").json()

    def console(self, job_id: str) -> bytes:
        return self._call("GET", f"/jobs/{job_id}/consoles/download").content

    def is_build(self, some_id: str) -> bool:
        """Whether an id names a build rather than a job (the CLI takes either)."""
        try:
            self.job(some_id)
            return False
        except ApiError as err:
            if err.status != 404:
                raise
        self.build(some_id)  # a 404 here says neither exists
        return True


Write = Callable[[bytes], None]
Say = Callable[[str], None]


@dataclass
class Follower:
    """Streams consoles as they grow; the exit code follows the outcome (0 success, 1 failed, 2 unstable…)."""

    client: Client
    write: Write
    progress: Say = lambda _text: None
    poll: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def job(self, job_id: str) -> int:
        shown, tail, head = 0, b"", b""
        quiet_since = self.clock()
        next_note = quiet_since + FIRST_PROGRESS
        while True:
            job = self._ask(lambda: self.client.job(job_id))
            # read after the job: the last read of a finished job is its whole console
            console = self._ask(lambda: self.client.console(job_id))
            fresh = _new_part(console, shown, head, tail)
            if fresh:
                self.write(fresh)
                shown, head, tail = len(console), console[:256], console[-TAIL_BYTES:]
                quiet_since = self.clock()
                next_note = quiet_since + FIRST_PROGRESS
            code = int(job.get("statusCode", 0))
            if job.get("isCompleted") or code in FINAL_CODES:
                return FINAL_CODES.get(code, 1)
            now = self.clock()
            if now >= next_note:
                next_note = now + PROGRESS_EVERY
                self.progress(_waiting(code, now - quiet_since))
            self.sleep(self.poll)

    def build(self, build_id: str) -> int:
        """Every job of a build in turn (they may run at once; each console is shown whole, in order)."""
        started = self.clock()
        next_note = started + FIRST_PROGRESS
        followed: set[str] = set()
        while True:
            build = self._ask(lambda: self.client.build(build_id))
            pending = sorted((b for b in build.get("builds", []) if b["id"] not in followed),
                             key=lambda b: b.get("buildNumber", 0))
            for item in pending:
                self.progress(f"==> job {build.get('buildGroupNumber')}.{item.get('buildNumber')}"
                              + "".join(f" {m['name']}={m['value']}" for m in item.get("matrixValues", [])))
                self.job(item["id"])
                followed.add(item["id"])
            if pending:
                continue  # a retried or late-planned build may have more jobs by now
            if build.get("isCompleted"):
                for message in build.get("errorMsgs") or []:
                    self.progress(f"[switchyard] {message}")
                code = int(build.get("status", 80))
                self.progress(f"==> build {build.get('buildGroupNumber')}: {STATUS_NAMES.get(code, code)}")
                return FINAL_CODES.get(code, 1)
            now = self.clock()
            if now >= next_note:
                next_note = now + PROGRESS_EVERY
                self.progress(f"[{STATUS_NAMES.get(build.get('status'), '?')}] waiting for the build to be planned "
                              f"({int(now - started)} s)")
            self.sleep(self.poll)

    def _ask(self, call: Callable[[], Any]) -> Any:
        """One API call, retried while the stack is briefly unreachable (a restart, a deploy)."""
        down_since: float | None = None
        while True:
            try:
                return call()
            except ApiError as err:
                if not err.transient:
                    raise
                now = self.clock()
                down_since = now if down_since is None else down_since
                if now - down_since > OUTAGE_SECONDS:
                    raise
                self.progress(f"[switchyard] {err}; retrying")
                self.sleep(max(self.poll, 2.0))


def _new_part(console: bytes, shown: int, head: bytes, tail: bytes) -> bytes:
    """What `console` adds to what was shown. A running console past the inline limit is only its newest
    part, so when it no longer starts as before, continue after the last bytes shown, if they are still there."""
    if console.startswith(head) and len(console) >= shown:
        return console[shown:]
    at = console.rfind(tail) if tail else -1
    return console[at + len(tail):] if at >= 0 else console


def _waiting(code: int, quiet: float) -> str:
    what = {0: "waiting to be planned", 10: "queued, waiting for a runner"}.get(code, "running, no new output")
    return f"[{STATUS_NAMES.get(code, code)}] {what} ({int(quiet)} s)"


def follow(client: Client, job_id: str, out: Write, poll: float = 1.0, progress: Say | None = None) -> int:
    """Stream a job's console until it ends; returns an exit code from its outcome (0 = success)."""
    return Follower(client, out, progress or (lambda _text: None), poll).job(job_id)
