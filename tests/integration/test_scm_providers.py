"""Each provider against a fake SCM on 127.0.0.1: the request it receives, and how its failures are sorted."""

from __future__ import annotations

import pytest

from switchyard.domain.model import Project
from switchyard.scm_status import ScmRejected, ScmUnavailable, post_status
from tests.conftest import free_port

SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
TOKEN = "tok_s3cret_value_123"


def project(provider: str, api: str, full_name: str = "octo/hello-world") -> Project:
    return Project(id="p" * 24, owner_id="o", provider=provider, full_name=full_name, clone_url="file:///x",
                   default_branch="main", is_private=True, auto_build=True, created_at="", updated_at="",
                   scm_api_url=api)


def post(target: Project, state: str = "success", timeout: float = 5.0) -> None:
    post_status(target, TOKEN, SHA, state, "switchyard/build", "http://ci/jobs/j1", "Job 1.1 passed in 3 s",
                timeout=timeout)


def test_github_request(scm):
    post(project("github", scm.url), "pending")
    [call] = scm.posts()
    assert call.path == f"/repos/octo/hello-world/statuses/{SHA}"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.body == {"state": "pending", "context": "switchyard/build", "target_url": "http://ci/jobs/j1",
                         "description": "Job 1.1 passed in 3 s"}


def test_gitlab_request_encodes_the_project_path(scm):
    post(project("gitlab", f"{scm.url}/api/v4", "group/sub/app"), "failure")
    [call] = scm.posts()
    assert call.path == f"/api/v4/projects/group%2Fsub%2Fapp/statuses/{SHA}"
    assert call.headers["PRIVATE-TOKEN"] == TOKEN and "Authorization" not in call.headers
    assert call.body == {"state": "failed", "name": "switchyard/build", "target_url": "http://ci/jobs/j1",
                         "description": "Job 1.1 passed in 3 s"}


def test_bitbucket_request(scm):
    post(project("bitbucket", scm.url, "team/app"), "pending")
    [call] = scm.posts()
    assert call.path == f"/2.0/repositories/team/app/commit/{SHA}/statuses/build"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.body == {"state": "INPROGRESS", "key": "switchyard/build", "name": "switchyard/build",
                         "url": "http://ci/jobs/j1", "description": "Job 1.1 passed in 3 s"}


@pytest.mark.parametrize("status", [401, 403, 404, 422])
def test_refusals_are_not_retried(scm, status):
    scm.answer(status, body={"message": "Bad credentials"})
    with pytest.raises(ScmRejected) as caught:
        post(project("github", scm.url))
    assert caught.value.status == status and "Bad credentials" in caught.value.message


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (500, {}, None),
        (503, {"Retry-After": "12"}, 12.0),
        (429, {"Retry-After": "3"}, 3.0),
        (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9999999999"}, None),
    ],
)
def test_failures_and_rate_limits_are_retryable(scm, status, headers, wait):
    scm.answer(status, headers=headers, body={"message": "try later"})
    with pytest.raises(ScmUnavailable) as caught:
        post(project("gitlab", scm.url))
    assert caught.value.status == status
    if wait is not None:
        assert caught.value.retry_after == wait
    elif status == 403:
        assert caught.value.retry_after > 3600


def test_timeout_and_refused_connection_are_retryable(scm):
    scm.answer(201, delay=2.0)
    with pytest.raises(ScmUnavailable, match=r"within 0\.3 s"):
        post(project("bitbucket", scm.url), timeout=0.3)
    with pytest.raises(ScmUnavailable, match="could not reach"):
        post(project("github", f"http://127.0.0.1:{free_port()}"))


def test_the_token_never_appears_in_an_error(scm):
    scm.answer(401, body={"message": f"token {TOKEN} is revoked"})
    with pytest.raises(ScmRejected) as caught:
        post(project("github", scm.url))
    assert TOKEN not in str(caught.value) and "[token]" in caught.value.message
