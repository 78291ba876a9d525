"""CircleCI v1.1 beyond the seed with the unmodified pycircleci client: account, lists, artifacts, follows, envvars."""

from __future__ import annotations

import json

import pytest
import requests
from pycircleci.api import Api

from tests.builds import EVENTS, deliver_github, wait_for
from tests.contract.circleci_helpers import World, start_world, step_output, wait_finished

pytestmark = pytest.mark.stack
SECRET = "s3cr3t-deploy-value-9876"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    started = start_world(tmp_path_factory.mktemp("circleci-account"), login="bea", name="site")
    yield started
    started.stack.stop()


@pytest.fixture(scope="module")
def finished(world) -> list[dict]:
    """Two finished builds of main, oldest first."""
    api = world.api()
    builds = [api.trigger_build(world.user, world.name, branch="main") for _ in range(2)]
    return [wait_finished(api, world, b["build_num"]) for b in builds]


def test_me(world):
    me = world.api().get_user_info()
    assert me["login"] == world.user and me["basic_email_prefs"] == "smart"
    assert f"https://github.com/{world.user}/{world.name}" in me["projects"]


def test_projects_lists_followed_projects_with_branches(world, finished):
    [entry] = world.api().get_projects()
    assert (entry["vcs_url"], entry["username"], entry["reponame"]) == (
        f"https://github.com/{world.user}/{world.name}", world.user, world.name)
    assert entry["followed"] is True and entry["following"] is True
    main = entry["branches"]["main"]
    assert [b["build_num"] for b in main["recent_builds"]][:2] == [finished[1]["build_num"], finished[0]["build_num"]]
    assert main["last_success"]["build_num"] == finished[1]["build_num"] and main["running_builds"] == []


def test_build_lists_newest_first_with_paging_and_filters(world, finished):
    api = world.api()
    numbers = [b["build_num"] for b in finished]
    listed = api.get_project_build_summary(world.user, world.name, limit=100)
    assert [b["build_num"] for b in listed] == sorted((b["build_num"] for b in listed), reverse=True)
    assert [b["build_num"] for b in api.get_project_build_summary(world.user, world.name, limit=1)] == [numbers[1]]
    assert [b["build_num"] for b in api.get_project_build_summary(world.user, world.name, limit=1, offset=1)] == [
        numbers[0]]
    successful = api.get_project_build_summary(world.user, world.name, status_filter="successful")
    assert {b["status"] for b in successful} == {"success"}
    assert api.get_project_build_summary(world.user, world.name, status_filter="running") == []
    on_main = api.get_project_build_summary(world.user, world.name, branch="main", shallow=True)
    assert {b["branch"] for b in on_main} == {"main"} and "steps" not in on_main[0]
    recent = api.get_recent_builds(limit=2)
    assert [b["build_num"] for b in recent] == [numbers[1], numbers[0]] and recent[0]["reponame"] == world.name
    with pytest.raises(requests.HTTPError) as too_many:
        api.get_project_build_summary(world.user, world.name, limit=101)
    assert too_many.value.response.status_code == 400 and "limit" in too_many.value.response.json()["message"]


def test_artifacts_list_and_download(world, finished, tmp_path):
    api = world.api()
    artifacts = api.get_artifacts(world.user, world.name, finished[1]["build_num"])
    by_path = {a["path"]: a for a in artifacts}
    assert set(by_path) == {"out/report.txt", "out/logs/build.log"}
    report = by_path["out/report.txt"]
    assert report["pretty_path"] == report["path"] and report["node_index"] == 0
    saved = api.download_artifact(report["url"], destdir=str(tmp_path))
    assert saved == f"{tmp_path}/report.txt"
    assert (tmp_path / "report.txt").read_text() == "hello artifact\n"


def test_follow_a_public_project_of_another_account(world, finished):
    stack = world.stack
    token = stack.admin().post(f"{stack.url}/accounts", json={"login": "cal"}).json()["apiToken"]
    created = stack.session(token).post(f"{stack.url}/projects", json={
        "repositoryProvider": "github", "fullName": "cal/open", "cloneUrl": f"file://{world.repo}",
        "sourceDefaultBranch": "main", "isPrivate": False})
    assert created.status_code == 201, created.text
    api = world.api()
    assert api.follow_project("cal", "open") == {"following": True, "followed": True, "first_build": None}
    followed = {p["reponame"] for p in api.get_projects()}
    assert followed == {world.name, "open"}
    assert Api(token=token, url=f"{stack.url}/api").get_user_info()["login"] == "cal"


def test_envvars_are_masked_and_reach_builds_only_as_stars(world):
    api = world.api()
    added = api.add_envvar(world.user, world.name, "DEPLOY_KEY", SECRET)
    assert added == {"name": "DEPLOY_KEY", "value": "xxxx9876"}
    assert api.list_envvars(world.user, world.name) == [{"name": "DEPLOY_KEY", "value": "xxxx9876"}]
    assert api.get_envvar(world.user, world.name, "DEPLOY_KEY") == {"name": "DEPLOY_KEY", "value": "xxxx9876"}
    build = api.trigger_build(world.user, world.name, branch="main")
    info = wait_finished(api, world, build["build_num"])
    assert info["status"] == "success"
    printed = next(s for s in info["steps"] if s["name"].startswith("echo \"deploy key"))["name"]
    assert "deploy key is [********]" in step_output(info, printed)
    assert "DEPLOY_KEY" in step_output(info, "Spin up environment")
    assert SECRET not in json.dumps(info) and SECRET not in world.stack.log()
    for route in ("", "/envvar", f"/{build['build_num']}", f"/{build['build_num']}/tests"):
        answer = requests.get(world.project_url() + route, headers={"Circle-Token": world.token}, timeout=30)
        assert answer.ok and SECRET not in answer.text


def test_fork_pull_requests_get_no_secrets(world):
    api = world.api()
    api.add_envvar(world.user, world.name, "DEPLOY_KEY", SECRET)
    before = max((b["build_num"] for b in api.get_project_build_summary(world.user, world.name, limit=1)), default=0)
    doc = json.loads((EVENTS / "webhooks/github/pull_request.opened.fork.derived.json").read_text())
    doc["repository"]["full_name"] = f"{world.user}/{world.name}"
    doc["pull_request"]["base"]["repo"]["full_name"] = f"{world.user}/{world.name}"
    doc["pull_request"]["head"]["sha"] = world.sha
    body = json.dumps(doc).encode()
    delivered = deliver_github(world.stack.url, world.project["webhookSecret"], body, "fork-1", event="pull_request")
    assert delivered.status_code == 202, delivered.text
    build = wait_for(lambda: [b for b in api.get_project_build_summary(world.user, world.name, limit=1)
                              if b["build_num"] > before], timeout=60)[0]
    info = wait_finished(api, world, build["build_num"])
    assert info["status"] == "success" and info["why"] == "github" and info["pull_requests"]
    printed = next(s for s in info["steps"] if s["name"].startswith("echo \"deploy key"))["name"]
    assert "deploy key is [absent]" in step_output(info, printed)
    assert "pull request from a fork" in step_output(info, "Spin up environment")


def test_delete_envvar(world):
    api = world.api()
    api.add_envvar(world.user, world.name, "TEMPORARY", "value-to-delete")
    assert api.delete_envvar(world.user, world.name, "TEMPORARY") == {"message": "ok"}
    with pytest.raises(requests.HTTPError) as gone:
        api.get_envvar(world.user, world.name, "TEMPORARY")
    assert gone.value.response.status_code == 404 and set(gone.value.response.json()) == {"message"}
    other = world.stack.admin().post(f"{world.stack.url}/accounts", json={"login": "dan"}).json()["apiToken"]
    with pytest.raises(requests.HTTPError) as hidden:
        Api(token=other, url=f"{world.stack.url}/api").list_envvars(world.user, world.name)
    assert hidden.value.response.status_code == 404
