"""`switchyard serve` as a user runs it: accounts and projects survive a restart and a kill -9."""

from __future__ import annotations

import pytest

from tests.conftest import Stack

PROJECT = {"repositoryProvider": "github", "fullName": "alice/demo", "cloneUrl": "file:///tmp/demo.git",
           "sourceDefaultBranch": "main"}


@pytest.mark.stack
@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_state_survives_restart(tmp_path, kill):
    stack = Stack(tmp_path / "data").start()
    try:
        assert stack.admin().get(f"{stack.url}/health").json() == {"status": "ok"}
        created = stack.admin().post(f"{stack.url}/accounts", json={"login": "alice"})
        assert created.status_code == 201
        token = created.json()["apiToken"]
        project = stack.session(token).post(f"{stack.url}/projects", json=PROJECT)
        assert project.status_code == 201
    finally:
        stack.stop(kill=kill)

    again = Stack(tmp_path / "data").start()
    try:
        # the token still authenticates, and both the login and the repository are still taken
        duplicate = again.session(token).post(f"{again.url}/projects", json=PROJECT)
        assert duplicate.status_code == 409, duplicate.text
        assert again.admin().post(f"{again.url}/accounts", json={"login": "alice"}).status_code == 409
        assert again.session("not-a-token").post(f"{again.url}/projects", json=PROJECT).status_code == 401
    finally:
        again.stop()


@pytest.mark.stack
def test_serve_prints_url_and_admin_token(stack):
    log = stack.log()
    assert stack.url in log and "admin token: " in log


@pytest.mark.stack
def test_second_serve_on_same_data_dir_is_refused(stack):
    with pytest.raises(RuntimeError, match="another `switchyard serve`"):
        Stack(stack.data_dir).start(timeout=30)
