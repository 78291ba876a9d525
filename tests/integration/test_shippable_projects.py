"""Shippable's overview routes (seed 002) on moto: projects, workflow, builds, Docker Hub, accounts."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import free_port
from tests.dockerhub import PASSWORD, USERNAME, fake_docker_hub
from tests.integration.handlers import load_handler
from tests.integration.shippable_support import (
    ADMIN,
    Client,
    make_account,
    make_project,
    stored_build,
)

SEED_PROJECT_LIST_FIELDS = {
    "mostRecentBuild", "id", "language", "autoBuild", "fullName", "name", "repositoryProvider", "branches",
    "sourceDefaultBranch",
}
SEED_MOST_RECENT_FIELDS = {"createdDate", "buildGroupNumber", "id", "status", "durationCumulative", "commitSha",
                           "branch"}


@pytest.fixture(scope="module")
def world(aws_module):
    handler = load_handler("shippable_api")
    alice, alice_client = make_account(handler, "alice")
    bob, bob_client = make_account(handler, "bob")
    project = make_project(alice_client, "alice/demo")
    done = stored_build(project["id"], final="success")
    running = stored_build(project["id"], ("FOO=r",), final="processing")
    queued = stored_build(project["id"], ("FOO=q",), final="queued")
    # tests that add builds or flip settings use the scratch project, so `project` stays as built here
    scratch = make_project(alice_client, "alice/scratch")
    return {"handler": handler, "alice": alice_client, "bob": bob_client, "alice_id": alice["id"],
            "bob_id": bob["id"], "project": project, "scratch": scratch, "done": done, "running": running,
            "queued": queued}


def test_projects_list_own_with_most_recent_build(world):
    status, body = world["alice"].get("/projects")
    assert status == 200
    [entry] = [p for p in body if p["id"] == world["project"]["id"]]
    assert set(entry) >= SEED_PROJECT_LIST_FIELDS and set(entry["mostRecentBuild"]) == SEED_MOST_RECENT_FIELDS
    newest = world["queued"]["run"]
    assert entry["mostRecentBuild"]["id"] == newest.id and entry["mostRecentBuild"]["status"] == 10
    assert entry["mostRecentBuild"]["buildGroupNumber"] == 3 and entry["mostRecentBuild"]["branch"] == "main"
    assert world["bob"].get("/projects") == (200, [])


def test_project_detail_and_visibility(world):
    project_id = world["project"]["id"]
    status, body = world["alice"].get(f"/projects/{project_id}")
    assert status == 200 and body["id"] == project_id and body["mostRecentBuild"]["buildGroupNumber"] == 3
    assert world["bob"].get(f"/projects/{project_id}")[0] == 404
    assert world["alice"].get("/projects/nope")[0] == 400
    assert world["alice"].get(f"/projects/{'a' * 24}")[0] == 404


def test_running_queued_and_recent_builds(world):
    project_id = world["project"]["id"]
    alice = world["alice"]
    ids = {name: world[name]["run"].id for name in ("done", "running", "queued")}
    assert [b["id"] for b in alice.get(f"/projects/{project_id}/runningBuilds")[1]] == [ids["running"]]
    assert [b["id"] for b in alice.get(f"/projects/{project_id}/queuedBuilds")[1]] == [ids["queued"]]
    recent = alice.get(f"/projects/{project_id}/recentBuilds")[1]
    assert [b["id"] for b in recent] == [ids["queued"], ids["running"], ids["done"]]
    assert [b["id"] for b in alice.get(f"/projects/{project_id}/recentBuilds/2")[1]] == [ids["queued"], ids["running"]]
    assert len(alice.get(f"/projects/{project_id}/runningBuilds/1")[1]) == 1
    assert len(alice.get(f"/projects/{project_id}/queuedBuilds/5")[1]) == 1
    for bad in ("0", "51", "many"):
        status, body = alice.get(f"/projects/{project_id}/recentBuilds/{bad}")
        assert status == 400 and "number" in body["message"]
    assert world["bob"].get(f"/projects/{project_id}/recentBuilds")[0] == 404


def test_build_group(world):
    run = world["done"]["run"]
    status, body = world["alice"].get(f"/builds/{run.id}")
    assert status == 200 and body["id"] == run.id and body["status"] == 30 and body["statusMessage"] == "SUCCESS"
    assert [b["matrixValues"] for b in body["builds"]] == [
        [{"id": body["builds"][0]["matrixValues"][0]["id"], "value": "one", "name": "FOO"}],
        [{"id": body["builds"][1]["matrixValues"][0]["id"], "value": "two", "name": "FOO"}],
    ]
    assert body["totalTests"] == 6 and body["testsPassed"] == 2 and body["testsFailed"] == 2
    assert body["committer"]["login"] == "grace" and body["lastAuthor"]["email"] == "ada@example.com"
    assert body["triggeredBy"]["login"] == "ada" and body["lastCommitShortDescription"] == "Fix the widget"
    assert world["bob"].get(f"/builds/{run.id}")[0] == 404
    assert world["alice"].get("/builds/123")[0] == 400


def test_artifacts_url_downloads_the_tarball(world):
    run = world["done"]["run"]
    status, url = world["alice"].get(f"/builds/{run.id}/1/artifacts")
    assert status == 200 and isinstance(url, str) and url.startswith("https://")
    job = world["done"]["jobs"][0]
    assert f"artifacts/{job.id}/shippable.tar.gz" in url
    tarball = requests.get(url, timeout=10)
    assert tarball.status_code == 200 and tarball.content[:2] == b"\x1f\x8b"
    text = world["alice"].raw("GET", f"/builds/{run.id}/1/artifacts", headers={"Accept": "text/plain"})
    assert text["body"].startswith("https://")
    assert world["alice"].get(f"/builds/{run.id}/9/artifacts")[0] == 404
    running = world["running"]["run"]
    status, body = world["alice"].get(f"/builds/{running.id}/1/artifacts")
    assert status == 404 and "archive" in body["message"]
    assert world["bob"].get(f"/builds/{run.id}/1/artifacts")[0] == 404


def test_disable_and_enable_accept_json_query_and_form(world):
    from switchyard.store import projects

    alice, project_id = world["alice"], world["scratch"]["id"]
    status, body = alice.post("/workflow/disableBuild", body={"projectId": project_id})
    assert status == 200 and body["autoBuild"] is False and projects.get_project(project_id).auto_build is False
    status, body = alice.post("/workflow/enableRepoBuild", query={"projectId": project_id})
    assert status == 200 and body["autoBuild"] is True
    status, body = alice.post("/workflow/disableBuild", body=f"projectId={project_id}",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and body["autoBuild"] is False
    alice.post("/workflow/enableRepoBuild", body={"projectId": project_id})
    assert world["bob"].post("/workflow/disableBuild", body={"projectId": project_id})[0] == 404
    for bad in ({}, {"projectId": 5}, {"projectId": "short"}):
        assert alice.post("/workflow/disableBuild", body=bad)[0] == 400


def test_trigger_build(world):
    from switchyard.store import runs

    alice, project_id = world["alice"], world["scratch"]["id"]
    status, body = alice.post("/workflow/triggerBuild", body={"projectId": project_id})
    assert status == 200 and set(body) == {"BuildId"}
    run = runs.get_run(body["BuildId"])
    assert run.branch == "main" and run.project_id == project_id and run.state.value == "waiting"
    status, body = alice.post("/workflow/triggerBuild", query={"projectId": project_id, "branchName": "dev"})
    assert status == 200 and runs.get_run(body["BuildId"]).branch == "dev"
    assert world["bob"].post("/workflow/triggerBuild", body={"projectId": project_id})[0] == 404


def test_cancel_build_cancels_every_job(world):
    alice = world["alice"]
    build = stored_build(world["scratch"]["id"], ("FOO=c1", "FOO=c2"), final="queued")
    run_id = build["run"].id
    assert world["bob"].post("/workflow/cancelBuild", body={"BuildId": run_id})[0] == 404
    status, body = alice.post("/workflow/cancelBuild", body={"BuildId": run_id})
    assert status == 200 and body["BuildId"] == run_id and body["id"] == run_id
    assert [b["status"] for b in body["builds"]] == [70, 70] and body["status"] == 70
    assert alice.post("/workflow/cancelBuild", body={"BuildId": "x"})[0] == 400


def test_public_project_writes_are_for_the_owner(world):
    public = make_project(world["alice"], "alice/open", private=False)
    bob = world["bob"]
    assert bob.get(f"/projects/{public['id']}")[0] == 200
    assert public["id"] in [p["id"] for p in bob.get("/projects")[1]]
    for route in ("disableBuild", "enableRepoBuild", "triggerBuild"):
        status, body = bob.post(f"/workflow/{route}", body={"projectId": public["id"]})
        assert status == 403 and body["id"] == 2001


@pytest.fixture
def docker_hub(monkeypatch):
    from switchyard.settings import reset_settings

    with fake_docker_hub() as url:
        monkeypatch.setenv("SWITCHYARD_DOCKERHUB_LOGIN_URL", url)
        reset_settings()
        yield url
    monkeypatch.delenv("SWITCHYARD_DOCKERHUB_LOGIN_URL")
    reset_settings()


def test_docker_hub_credentials_are_checked_with_docker_hub(world, docker_hub):
    alice = world["alice"]
    status, body = alice.post("/workflow/validateDockerHubCredentials",
                              body={"username": USERNAME, "password": PASSWORD, "email": "d@example.com"})
    assert status == 200 and body["valid"] is True
    status, body = alice.post("/workflow/validateDockerHubCredentials",
                              query={"username": USERNAME, "password": "wrong"})
    assert status == 400 and "rejected" in body["message"] and "Incorrect authentication" in body["message"]
    status, body = alice.post("/workflow/validateDockerHubCredentials", body={"username": USERNAME})
    assert status == 400 and "password" in body["message"]


def test_docker_hub_out_of_reach_is_424_failed_dependency(world, monkeypatch):
    from switchyard.settings import reset_settings

    monkeypatch.setenv("SWITCHYARD_DOCKERHUB_LOGIN_URL", f"http://127.0.0.1:{free_port()}/v2/users/login")
    reset_settings()
    try:
        status, body = world["alice"].post("/workflow/validateDockerHubCredentials",
                                           body={"username": "u", "password": "p"})
    finally:
        monkeypatch.delenv("SWITCHYARD_DOCKERHUB_LOGIN_URL")
        reset_settings()
    assert status == 424 and "could not reach Docker Hub" in body["message"]


def test_accounts(world):
    alice, bob = world["alice"], world["bob"]
    assert alice.get("/accounts") == (200, [world["alice_id"]])
    admin = Client(world["handler"], ADMIN)
    assert {world["alice_id"], world["bob_id"]} <= set(admin.get("/accounts")[1])
    status, body = alice.get(f"/accounts/{world['alice_id']}")
    assert status == 200 and body["id"] == world["alice_id"] and body["identities"][0]["userName"] == "alice"
    assert alice.get(f"/accounts/{world['bob_id']}")[0] == 404
    assert alice.get("/accounts/alice")[0] == 400
    status, body = alice.delete(f"/accounts/{world['alice_id']}")
    assert status == 409 and "projects" in body["message"]
    assert bob.delete(f"/accounts/{world['alice_id']}")[0] == 404


def test_deleting_an_account_removes_its_tokens(world):
    dave, dave_client = make_account(world["handler"], "dave")
    status, body = dave_client.delete(f"/accounts/{dave['id']}")
    assert status == 200 and body["id"] == dave["id"]
    assert dave_client.get("/accounts")[0] == 401
    admin = Client(world["handler"], ADMIN)
    assert admin.get(f"/accounts/{dave['id']}")[0] == 404


def test_every_route_needs_a_token(world):
    anonymous = Client(world["handler"], None)
    run_id, project_id = world["done"]["run"].id, world["project"]["id"]
    for method, path in [("GET", "/jobs"), ("GET", "/projects"), ("GET", f"/projects/{project_id}/recentBuilds"),
                         ("GET", f"/builds/{run_id}"), ("GET", f"/builds/{run_id}/1/artifacts"),
                         ("POST", "/workflow/triggerBuild"), ("POST", "/workflow/validateDockerHubCredentials"),
                         ("GET", "/accounts"), ("DELETE", f"/accounts/{world['alice_id']}")]:
        status, body = anonymous.call(method, path)
        assert status == 401 and body["id"] == 2000, (method, path)


def test_openapi_documents_the_shippable_routes(world):
    status, doc = Client(world["handler"], None).get("/openapi.json")
    assert status == 200
    assert {"/jobs", "/jobs/{jobId}/consoles/download", "/workflow/triggerBuild",
            "/builds/{buildId}/{buildItemNumber}/artifacts", "/accounts/{accountId}"} <= set(doc["paths"])
    assert set(doc["paths"]["/jobs/{jobId}"]) == {"get", "delete"}
