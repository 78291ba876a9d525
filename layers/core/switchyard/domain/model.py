"""The one model every dialect renders: Account, Token, Project, Run, Job, Step."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .states import FINAL, State, StateEntry, check_move

PROVIDERS = ("github", "gitlab", "bitbucket")
# A Shippable build's command phases, in the order they run (StepResult.phase holds one of them).
PHASES = ("ci", "on_success", "on_failure", "post_ci")
FULL_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")  # no ".." anywhere
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def is_valid_full_name(value: str) -> bool:
    return bool(FULL_NAME.match(value))


def is_valid_login(value: str) -> bool:
    return bool(_LOGIN.match(value))


def repo_key(provider: str, full_name: str) -> str:
    """The natural key of a repository: provider and full name, case-insensitive as the SCMs treat them."""
    return f"{provider}:{full_name.lower()}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "sy_" + secrets.token_urlsafe(30)


def webhook_secret(secret_key: str, project_id: str) -> str:
    """A project's webhook secret, derived from the service key so it never has to be stored."""
    return hmac.new(secret_key.encode(), f"webhook:{project_id}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Account:
    id: str
    login: str
    created_at: str
    name: str = ""
    email: str = ""
    is_admin: bool = False


@dataclass
class Project:
    id: str
    owner_id: str
    provider: str
    full_name: str
    clone_url: str
    default_branch: str
    is_private: bool
    auto_build: bool
    created_at: str
    updated_at: str
    language: str | None = None
    scm_api_url: str | None = None
    has_status_token: bool = False
    last_status_error: str | None = None
    enabled_at: str | None = None

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]

    @property
    def owner_name(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def repo_key(self) -> str:
        return repo_key(self.provider, self.full_name)

    def readable_by(self, account: Account | None) -> bool:
        if account is not None and (account.is_admin or account.id == self.owner_id):
            return True
        return not self.is_private

    def writable_by(self, account: Account | None) -> bool:
        return account is not None and (account.is_admin or account.id == self.owner_id)


@dataclass
class Commit:
    sha: str | None = None
    message: str = ""
    author_name: str = ""
    author_email: str = ""
    author_login: str = ""
    committer_name: str = ""
    committer_email: str = ""
    committer_login: str = ""
    timestamp: str | None = None
    url: str | None = None

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def body(self) -> str:
        parts = self.message.split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass
class Trigger:
    """Why a run exists: one message on the trigger queue, whatever dialect or SCM sent it."""

    id: str
    project_id: str
    source: str  # webhook | api | retry
    dialect: str  # shippable | circleci | orchestrator | kernelci | github | gitlab | bitbucket
    branch: str | None = None
    tag: str | None = None
    revision: str | None = None
    commit: Commit = field(default_factory=Commit)
    is_pull_request: bool = False
    pull_request_number: int | None = None
    pull_request_base_branch: str | None = None
    head_repo_full_name: str | None = None
    is_fork: bool = False
    parameters: dict[str, str] = field(default_factory=dict)
    job_name: str | None = None
    parallel: int | None = None
    triggered_by: str | None = None
    before_sha: str | None = None
    compare_url: str | None = None
    retry_of_job_id: str | None = None
    ssh_enabled: bool = False
    event: str | None = None


@dataclass
class StepResult:
    """One executed step of a job: a command, a checkout, a report upload."""

    name: str
    kind: str
    command: str | None = None
    phase: str = "ci"
    started_at: str | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    status: str = "pending"
    # Where the step's output sits in the job's stored console (bytes), for per-step output.
    output_offset: int | None = None
    output_bytes: int | None = None

    @property
    def duration_ms(self) -> int | None:
        return clock.millis_between(self.started_at, self.ended_at)


@dataclass
class Stateful:
    """State with entry times, moved only along the canonical machine."""

    state: State
    history: list[StateEntry]

    def move(self, target: State, at: str | None = None) -> None:
        check_move(self.state, target)
        self.state = State(target)
        self.history.append(StateEntry(self.state, at or clock.now_iso()))

    def entered(self, state: State) -> str | None:
        for entry in reversed(self.history):
            if entry.state == state:
                return entry.entered_at
        return None

    @property
    def started_at(self) -> str | None:
        return self.entered(State.PROCESSING)

    @property
    def ended_at(self) -> str | None:
        if self.state in FINAL and self.history:
            return self.history[-1].entered_at
        return None

    @property
    def is_final(self) -> bool:
        return self.state in FINAL


@dataclass
class Run(Stateful):
    id: str = ""
    project_id: str = ""
    owner_id: str = ""
    number: int = 0
    seq: int = 0
    created_at: str = ""
    updated_at: str = ""
    trigger: Trigger | None = None
    commit_sha: str | None = None
    config_kind: str | None = None
    job_count: int = 0
    error: str | None = None
    version: int = 0
    kernel: str | None = None
    external_status: str | None = None

    @property
    def branch(self) -> str | None:
        return self.trigger.branch if self.trigger else None


@dataclass
class Job(Stateful):
    id: str = ""
    run_id: str = ""
    project_id: str = ""
    owner_id: str = ""
    number: int = 1
    build_num: int = 0
    created_at: str = ""
    updated_at: str = ""
    label: str = ""
    env: list[str] = field(default_factory=list)
    allow_failure: bool = False
    timeout_seconds: int = 3600
    plan: list[dict[str, Any]] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    node_index: int = 0
    node_total: int = 1
    runner_id: str | None = None
    runner_host: str | None = None
    lease_expires: int | None = None
    cancel_requested: bool = False
    status_message: str | None = None
    tests: dict[str, int] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    log_bytes: int = 0
    log_lines: int = 0
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    archive_key: str | None = None
    retry_of: str | None = None
    attempts: int = 0
    version: int = 0
