"""Commit statuses without a network: what each job state shows, and the request each provider gets."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest

from switchyard.domain import commit_status as cs
from switchyard.domain.model import Job, Project
from switchyard.domain.states import FINAL, State, StateEntry
from switchyard.scm_status import PROVIDERS, api_base
from switchyard.scm_status.http import CommitStatus, retry_after

SHA = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"


def job(state: State, label: str = "FLAVOR=one", message: str | None = None, **kw) -> Job:
    history = [StateEntry(State.QUEUED, "2024-05-01T10:00:00.000Z")]
    if state not in (State.QUEUED, State.WAITING):
        history.append(StateEntry(State.PROCESSING, "2024-05-01T10:00:01.000Z"))
    if state in FINAL:
        history.append(StateEntry(state, "2024-05-01T10:00:13.000Z"))
    return Job(state=state, history=history, id="a" * 24, number=2, label=label, status_message=message, **kw)


@pytest.mark.parametrize(
    ("state", "message", "expected"),
    [
        (State.QUEUED, None, "pending"),
        (State.PROCESSING, None, "pending"),
        (State.SUCCESS, None, "success"),
        (State.SKIPPED, None, "success"),
        (State.FAILED, "exit code 3", "failure"),
        (State.UNSTABLE, None, "failure"),
        (State.TIMEOUT, "timed out after 60 s", "error"),
        (State.STOPPED, None, "error"),
        (State.CANCELED, "canceled", "canceled"),
        (State.FAILED, f"{cs.RUNNER_ERROR}: OSError: disk full", "error"),
        (State.FAILED, f"{cs.LEASE_LOST} (it died or lost the network)", "error"),
    ],
)
def test_state_of_every_job_state(state, message, expected):
    assert cs.state_of(job(state, message=message)) == expected


def test_context_names_the_job_and_survives_odd_labels():
    assert cs.context_of(job(State.QUEUED)) == "switchyard/FLAVOR=one"
    assert cs.context_of(job(State.QUEUED, label="")) == "switchyard/job 2"
    assert cs.context_of(job(State.QUEUED, label="a\n  b")) == "switchyard/a b"
    assert len(cs.context_of(job(State.QUEUED, label="x" * 500))) == len("switchyard/") + 100


def test_descriptions_say_what_happened_in_at_most_140_characters():
    assert cs.description_of(job(State.QUEUED), "pending", 7) == "Job 7.2 is queued"
    assert cs.description_of(job(State.SUCCESS), "success", 7) == "Job 7.2 passed in 12 s"
    assert cs.description_of(job(State.UNSTABLE), "failure", 7) == "Job 7.2 has failing tests in 12 s"
    allowed = job(State.FAILED, allow_failure=True)
    assert cs.description_of(allowed, "failure", 7) == "Job 7.2 failed in 12 s (failure allowed)"
    assert cs.description_of(job(State.CANCELED), "canceled", 7) == "Job 7.2 was canceled"
    long = job(State.FAILED, message=f"{cs.RUNNER_ERROR}: " + "x" * 400)
    text = cs.description_of(long, "error", 7)
    assert len(text) == cs.DESCRIPTION_LIMIT and text.startswith("Job 7.2 errored: runner error") and text[-1] == "…"


def test_target_url_is_the_job_route():
    assert cs.target_url("http://127.0.0.1:3000/", "abc") == "http://127.0.0.1:3000/jobs/abc"


def project(provider: str, full_name: str = "octo/hello-world", api: str | None = None) -> Project:
    return Project(id="p" * 24, owner_id="o", provider=provider, full_name=full_name, clone_url="file:///x",
                   default_branch="main", is_private=True, auto_build=True, created_at="", updated_at="",
                   scm_api_url=api)


STATUS = CommitStatus(SHA, "canceled", "switchyard/build", "http://ci/jobs/1", "Job 1.1 was canceled")


@pytest.mark.parametrize(
    ("provider", "full_name", "api", "url", "state", "auth"),
    [
        ("github", "octo/hello-world", None, f"https://api.github.com/repos/octo/hello-world/statuses/{SHA}",
         "error", ("Authorization", "Bearer tok")),
        ("github", "octo/hello-world", "https://ghe.example.com/api/v3/",
         f"https://ghe.example.com/api/v3/repos/octo/hello-world/statuses/{SHA}", "error",
         ("Authorization", "Bearer tok")),
        ("gitlab", "group/sub/app", None, f"https://gitlab.com/api/v4/projects/group%2Fsub%2Fapp/statuses/{SHA}",
         "canceled", ("PRIVATE-TOKEN", "tok")),
        ("bitbucket", "team/app", None,
         f"https://api.bitbucket.org/2.0/repositories/team/app/commit/{SHA}/statuses/build", "STOPPED",
         ("Authorization", "Bearer tok")),
        ("bitbucket", "team/app", "http://127.0.0.1:9/2.0",
         f"http://127.0.0.1:9/2.0/repositories/team/app/commit/{SHA}/statuses/build", "STOPPED",
         ("Authorization", "Bearer tok")),
        ("bitbucket", "team/app", "https://bitbucket.example.com/rest",
         f"https://bitbucket.example.com/rest/build-status/1.0/commits/{SHA}", "FAILED",
         ("Authorization", "Bearer tok")),
    ],
)
def test_each_provider_gets_its_own_request(provider, full_name, api, url, state, auth):
    target = project(provider, full_name, api)
    request = PROVIDERS[provider].build(api_base(target), full_name, "tok", STATUS)
    assert request.url == url
    assert request.body["state"] == state
    assert request.headers[auth[0]] == auth[1]
    assert STATUS.description in json.dumps(request.body) and STATUS.target_url in json.dumps(request.body)


@pytest.mark.parametrize(
    ("provider", "states"),
    [
        ("github", ["pending", "success", "failure", "error", "error"]),
        ("gitlab", ["pending", "success", "failed", "failed", "canceled"]),
        ("bitbucket", ["INPROGRESS", "SUCCESSFUL", "FAILED", "FAILED", "STOPPED"]),
    ],
)
def test_state_vocabulary_of_each_provider(provider, states):
    assert [PROVIDERS[provider].STATES[s] for s in cs.STATES] == states


def test_retry_after_reads_seconds_dates_and_github_reset():
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"Retry-After": formatdate(1000.0 + 30, usegmt=True)}, now=1000.0) == 30.0
    assert retry_after({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1060"}, now=1000.0) == 60.0
    assert retry_after({"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "1060"}, now=1000.0) is None
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_doubles_honours_retry_after_and_stays_within_sqs_limit(monkeypatch):
    from switchyard.services.statuses import backoff_seconds
    from switchyard.settings import reset_settings

    monkeypatch.setenv("SWITCHYARD_STATUS_RETRY_BASE_SECONDS", "2")
    reset_settings()
    try:
        assert [backoff_seconds(n) for n in range(1, 6)] == [2, 4, 8, 16, 32]
        assert backoff_seconds(1, retry_after=9.2) == 10
        assert backoff_seconds(20) == 900 and backoff_seconds(1, retry_after=86400) == 900
    finally:
        monkeypatch.delenv("SWITCHYARD_STATUS_RETRY_BASE_SECONDS")
        reset_settings()
