"""The CircleCI v1.1 jobs routes (seed 001) driven by the unmodified pycircleci client against `switchyard serve`."""

from __future__ import annotations

import base64
import time

import pytest
import requests
from pycircleci.api import Api

from tests.builds import wait_for
from tests.contract.circleci_helpers import (
    JUNIT,
    World,
    commit_on_branch,
    start_world,
    step_output,
    wait_finished,
)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    started = start_world(tmp_path_factory.mktemp("circleci"))
    yield started
    started.stack.stop()


def test_trigger_runs_the_build_to_success_with_its_parameters(world):
    api = world.api()
    answer = api.trigger_build(world.user, world.name, branch="main",
                               params={"build_parameters": {"GREETING": "hello-from-params"}, "EXTRA": "top"})
    assert answer["lifecycle"] == "not_running" and answer["status"] == "not_running" and answer["outcome"] is None
    assert answer["branch"] == "main" and answer["why"] == "api" and answer["retry_of"] is None
    assert answer["build_parameters"] == {"GREETING": "hello-from-params", "EXTRA": "top"}
    info = wait_finished(api, world, answer["build_num"])
    assert (info["lifecycle"], info["outcome"], info["status"]) == ("finished", "success", "success")
    assert info["vcs_revision"] == world.sha and info["subject"] == "first commit"
    assert info["committer_name"] == "Ada" and info["committer_email"] == "ada@example.com"
    assert info["build_time_millis"] >= 0 and info["start_time"] and info["stop_time"]
    assert info["vcs_url"] == f"https://github.com/{world.user}/{world.name}"
    assert info["build_url"].endswith(f"/{world.user}/{world.name}/{answer['build_num']}")
    names = [step["name"] for step in info["steps"]]
    assert names[0] == "Spin up environment" and "greet" in names
    greet = next(step for step in info["steps"] if step["name"] == "greet")["actions"][0]
    assert greet["status"] == "success" and greet["exit_code"] == 0 and "GREETING" in greet["bash_command"]
    assert "greeting is hello-from-params; branch is main" in step_output(info, "greet")


def test_branch_with_a_slash(world):
    sha = commit_on_branch(world.repo, "feature/x", {"feature.txt": "x"}, "feature work")
    api = world.api()
    answer = api.trigger_build(world.user, world.name, branch="feature/x")
    assert answer["branch"] == "feature/x"
    info = wait_finished(api, world, answer["build_num"])
    assert info["status"] == "success" and info["vcs_revision"] == sha and info["subject"] == "feature work"
    assert "branch is feature/x" in step_output(info, "greet")
    listed = api.get_project_build_summary(world.user, world.name, branch="feature/x")
    assert [b["build_num"] for b in listed] == [answer["build_num"]]


def test_test_metadata(world):
    api = world.api()
    build = api.trigger_build(world.user, world.name, branch="main")
    wait_finished(api, world, build["build_num"])
    metadata = api.get_test_metadata(world.user, world.name, build["build_num"])
    assert set(metadata) == {"tests", "exceptions"} and metadata["exceptions"] == []
    tests = sorted(metadata["tests"], key=lambda t: t["name"])
    assert [(t["classname"], t["name"], t["result"]) for t in tests] == [
        ("demo.Math", "adds", "success"), ("demo.Math", "subtracts", "success")]
    assert tests[0]["file"] == "tests/test_math.py" and tests[0]["run_time"] == 0.25
    assert JUNIT  # the report the build stored


def test_retry_and_ssh_retry(world):
    api = world.api()
    first = api.trigger_build(world.user, world.name, branch="main")
    wait_finished(api, world, first["build_num"])
    retried = api.retry_build(world.user, world.name, first["build_num"])
    assert retried["build_num"] > first["build_num"] and retried["retry_of"] == first["build_num"]
    assert retried["why"] == "retry" and retried["lifecycle"] in ("not_running", "queued")
    info = wait_finished(api, world, retried["build_num"])
    assert info["status"] == "success" and info["retry_of"] == first["build_num"]
    assert info["vcs_revision"] == world.sha
    ssh = api.retry_build(world.user, world.name, first["build_num"], ssh=True)
    assert ssh["ssh_enabled"] is True and ssh["retry_of"] == first["build_num"]
    info = wait_finished(api, world, ssh["build_num"])
    assert "cannot offer SSH access" in step_output(info, "Spin up environment")


def test_cancel_a_long_build(world):
    api = world.api()
    build = api.trigger_build(world.user, world.name, branch="main", params={"job": "slow"})
    number = build["build_num"]
    wait_for(lambda: api.get_build_info(world.user, world.name, number)["lifecycle"] == "running", timeout=60)
    time.sleep(1)
    started = time.monotonic()
    canceled = api.cancel_build(world.user, world.name, number)
    assert canceled["build_num"] == number and canceled["canceled"] is True and canceled["status"] == "canceled"
    info = wait_finished(api, world, number, timeout=30)
    assert (info["lifecycle"], info["outcome"], info["status"]) == ("finished", "canceled", "canceled")
    assert time.monotonic() - started < 20 and info["job_name"] == "slow"


def test_trigger_without_branch_and_with_a_job(world):
    answer = requests.post(world.project_url(), json={"job": "build", "build_parameters": {"GREETING": "bare"}},
                           headers={"Circle-Token": world.token}, timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["branch"] == "main" and body["job_name"] == "build"
    info = wait_finished(world.api(), world, body["build_num"])
    assert "greeting is bare" in step_output(info, "greet")


def test_a_missing_branch_fails_the_build_with_a_message(world):
    api = world.api()
    build = api.trigger_build(world.user, world.name)  # pycircleci's default branch, master, does not exist here
    info = wait_finished(api, world, build["build_num"])
    assert (info["lifecycle"], info["status"]) == ("finished", "failed")
    assert "master" in info["messages"][0]["message"]


def test_pipeline_build_route_answer(world):
    answer = requests.post(f"{world.project_url()}/build", json={"branch": "main"},
                           headers={"Circle-Token": world.token}, timeout=30)
    assert answer.status_code == 200 and answer.json() == {"status": 200, "body": "Build created"}


def test_other_auth_forms(world):
    basic = base64.b64encode(f"{world.token}:".encode()).decode()
    assert requests.get(world.project_url(), headers={"Authorization": f"Basic {basic}"}, timeout=30).status_code == 200
    assert requests.get(world.project_url(), params={"circle-token": world.token}, timeout=30).status_code == 200


def test_error_shapes(world):
    with pytest.raises(requests.HTTPError) as bad_token:
        world.api("not-a-token").get_build_info(world.user, world.name, 1)
    assert bad_token.value.response.status_code == 401
    assert bad_token.value.response.json() == {"message": "You must log in first."}
    no_token = requests.get(world.project_url(), timeout=30)
    assert no_token.status_code == 401 and no_token.json() == {"message": "You must log in first."}
    with pytest.raises(requests.HTTPError) as no_project:
        world.api().get_build_info(world.user, "missing", 1)
    assert no_project.value.response.status_code == 404
    assert no_project.value.response.json() == {"message": "Project not found"}
    with pytest.raises(requests.HTTPError) as no_build:
        world.api().get_build_info(world.user, world.name, 9999)
    assert no_build.value.response.status_code == 404
    assert no_build.value.response.json() == {"message": "Build not found"}
    unknown = requests.get(f"{world.stack.url}/api/v1.1/no/such/route", headers={"Circle-Token": world.token},
                           timeout=30)
    assert unknown.status_code == 404 and set(unknown.json()) == {"message"}


def test_private_project_of_another_account_is_invisible(world):
    other = world.stack.admin().post(f"{world.stack.url}/accounts", json={"login": "eve"}).json()["apiToken"]
    with pytest.raises(requests.HTTPError) as hidden:
        Api(token=other, url=f"{world.stack.url}/api").trigger_build(world.user, world.name, branch="main")
    assert hidden.value.response.status_code == 404
    assert hidden.value.response.json() == {"message": "Project not found"}
