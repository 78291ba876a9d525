"""A matrix build driven only through Shippable's routes with `requests`, as a new user would, against serve."""

from __future__ import annotations

import io
import tarfile

import pytest
import requests

from tests.builds import cobertura, deliver_github, github_push, make_repo, wait_for
from tests.conftest import Stack
from tests.dockerhub import PASSWORD, USERNAME, fake_docker_hub

SHIPPABLE_YML = """\
env:
  - FLAVOR=one
  - FLAVOR=two
build:
  ci:
    - echo "building $FLAVOR on $BRANCH"
    - mkdir -p shippable/testresults shippable/codecoverage
    - cp junit.xml shippable/testresults/junit-$FLAVOR.xml
    - cp coverage.xml shippable/codecoverage/coverage.xml
archive: true
"""
SLOW_YML = "build:\n  ci:\n    - echo started slowly\n    - sleep 300\n"
JUNIT = ('<testsuite name="demo"><testcase classname="demo.T" name="adds"/>'
         '<testcase classname="demo.T" name="subtracts"/><testcase classname="demo.T" name="skips">'
         '<skipped/></testcase></testsuite>')
COBERTURA = cobertura("demo", "widget", "widget.py")


@pytest.fixture
def served(tmp_path):
    with fake_docker_hub() as login_url:
        stack = Stack(tmp_path / "data", runners=2, env={"SWITCHYARD_DOCKERHUB_LOGIN_URL": login_url}).start()
        try:
            yield stack
        finally:
            stack.stop()


def _jobs(api, url, run_id):
    answer = api.get(f"{url}/jobs", params={"runIds": run_id})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _finished_jobs(api, url, run_id, count, timeout=90):
    return wait_for(lambda: (jobs := _jobs(api, url, run_id)) and len(jobs) == count
                    and all(j["isCompleted"] for j in jobs) and jobs, timeout=timeout)


@pytest.mark.stack
def test_a_matrix_build_through_shippable_routes(served, tmp_path):
    url = served.url
    repo = tmp_path / "repo"
    make_repo(repo, {"shippable.yml": SHIPPABLE_YML, "junit.xml": JUNIT, "coverage.xml": COBERTURA})
    alice_account = served.admin().post(f"{url}/accounts", json={"login": "alice"}).json()
    alice = Stack.session(alice_account["apiToken"])
    project = alice.post(f"{url}/projects", json={"repositoryProvider": "github", "fullName": "alice/demo",
                                                  "cloneUrl": f"file://{repo}", "sourceDefaultBranch": "main"}).json()

    # trigger, then watch the jobs of the build until both matrix entries finished
    answer = alice.post(f"{url}/workflow/triggerBuild", json={"projectId": project["id"]})
    assert answer.status_code == 200, answer.text
    build_id = answer.json()["BuildId"]
    jobs = _finished_jobs(alice, url, build_id, 2)
    assert sorted(j["env"] for j in jobs) == [["FLAVOR=one"], ["FLAVOR=two"]]
    assert {j["statusCode"] for j in jobs} == {30} and {j["branchName"] for j in jobs} == {"main"}

    # the build is derived from its jobs just after the last one ends: wait for it as a client would
    build = wait_for(lambda: (b := alice.get(f"{url}/builds/{build_id}").json())["isCompleted"] and b, timeout=30)
    assert build["status"] == 30 and build["statusMessage"] == "SUCCESS" and build["totalTests"] == 6
    assert sorted(b["matrixValues"][0]["value"] for b in build["builds"]) == ["one", "two"]
    assert all(b["isArchiveAvailable"] for b in build["builds"])
    project_view = alice.get(f"{url}/projects/{project['id']}").json()
    assert project_view["mostRecentBuild"]["id"] == build_id and project_view["mostRecentBuild"]["status"] == 30

    job = next(j for j in jobs if j["env"] == ["FLAVOR=one"])
    console = alice.get(f"{url}/jobs/{job['id']}/consoles/download")
    assert console.status_code == 200 and console.headers["Content-Type"].startswith("text/plain")
    assert "building one on main" in console.text

    tests = alice.get(f"{url}/jobs/{job['id']}/jobTestReports").json()
    assert (tests["total"], tests["totalPassing"], tests["totalSkipped"], tests["totalFailures"]) == (3, 2, 1, 0)
    coverage = alice.get(f"{url}/jobs/{job['id']}/jobCoverageReports").json()
    assert coverage["lineCoverage"] == {"lineRate": 0.75, "validLines": 4, "coveredLines": 3}
    assert [(c["name"], c["fileName"]) for c in coverage["classes"]] == [("widget", "widget.py")]

    # the artifact URL downloads the job's shippable/ folder as a real tar.gz
    item = next(b for b in build["builds"] if b["id"] == job["id"])
    tarball_url = alice.get(f"{url}/builds/{build_id}/{item['buildNumber']}/artifacts").json()
    tarball = requests.get(tarball_url, timeout=30)
    assert tarball.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(tarball.content), mode="r:gz") as tar:
        names = tar.getnames()
    assert "testresults/junit-one.xml" in names and "codecoverage/coverage.xml" in names

    # cancel a build that would sleep for five minutes; its console streams while it runs
    make_repo(repo, {"shippable.yml": SLOW_YML}, branch="slow", message="slow")
    slow_id = alice.post(f"{url}/workflow/triggerBuild",
                         json={"projectId": project["id"], "branchName": "slow"}).json()["BuildId"]
    [running] = wait_for(lambda: [j for j in _jobs(alice, url, slow_id) if j["statusCode"] == 20], timeout=60)
    wait_for(lambda: "started slowly" in alice.get(f"{url}/jobs/{running['id']}/consoles/download").text,
             timeout=30)
    assert [b["id"] for b in alice.get(f"{url}/projects/{project['id']}/runningBuilds").json()] == [slow_id]
    canceled = alice.post(f"{url}/workflow/cancelBuild", json={"BuildId": slow_id})
    assert canceled.status_code == 200 and canceled.json()["BuildId"] == slow_id
    wait_for(lambda: alice.get(f"{url}/builds/{slow_id}").json()["status"] == 70, timeout=30)
    assert _jobs(alice, url, slow_id)[0]["statusCode"] == 70

    # delete one job: it is gone with its console
    deleted = alice.delete(f"{url}/jobs/{job['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == job["id"]
    assert alice.get(f"{url}/jobs/{job['id']}").status_code == 404
    assert alice.get(f"{url}/jobs/{job['id']}/consoles/download").status_code == 404
    assert [j["id"] for j in _jobs(alice, url, build_id)] == [j["id"] for j in jobs if j["id"] != job["id"]]

    # with builds disabled a signed push queues nothing; enabled again, it builds
    assert alice.post(f"{url}/workflow/disableBuild", json={"projectId": project["id"]}).json()["autoBuild"] is False
    sha = make_repo(repo, {"shippable.yml": SHIPPABLE_YML, "README.md": "more"}, branch="main", message="more")
    pushed = deliver_github(url, project["webhookSecret"], github_push("alice/demo", sha), "push-1")
    assert pushed.status_code == 200 and "disabled" in pushed.json()["ignored"]
    assert len(alice.get(f"{url}/projects/{project['id']}/recentBuilds").json()) == 2
    assert alice.post(f"{url}/workflow/enableRepoBuild", json={"projectId": project["id"]}).json()["autoBuild"]
    pushed = deliver_github(url, project["webhookSecret"], github_push("alice/demo", sha), "push-2")
    assert pushed.status_code == 202

    # Docker Hub credentials are checked with (a stand-in for) Docker Hub
    good = alice.post(f"{url}/workflow/validateDockerHubCredentials",
                      json={"username": USERNAME, "password": PASSWORD, "email": "a@example.com"})
    assert good.status_code == 200 and good.json()["valid"] is True
    bad = alice.post(f"{url}/workflow/validateDockerHubCredentials", params={"username": USERNAME, "password": "x"})
    assert bad.status_code == 400 and bad.json()["id"] == 4002

    # accounts
    assert alice.get(f"{url}/accounts").json() == [alice_account["id"]]
    assert alice.get(f"{url}/accounts/{alice_account['id']}").json()["identities"][0]["userName"] == "alice"
    assert alice.delete(f"{url}/accounts/{alice_account['id']}").status_code == 409

    # another account's token sees none of it
    bob_account = served.admin().post(f"{url}/accounts", json={"login": "bob"}).json()
    bob = Stack.session(bob_account["apiToken"])
    other = next(j for j in jobs if j["id"] != job["id"])
    for path in (f"/jobs/{other['id']}", f"/jobs/{other['id']}/consoles/download",
                 f"/jobs/{other['id']}/jobTestReports", f"/jobs/{other['id']}/jobCoverageReports",
                 f"/builds/{build_id}", f"/builds/{build_id}/1/artifacts", f"/projects/{project['id']}",
                 f"/projects/{project['id']}/recentBuilds", f"/accounts/{alice_account['id']}"):
        answer = bob.get(f"{url}{path}")
        assert answer.status_code == 404 and answer.json()["id"] == 4001, path
    assert bob.get(f"{url}/jobs", params={"runIds": build_id}).json() == []
    assert bob.get(f"{url}/jobs").json() == [] and bob.get(f"{url}/projects").json() == []
    for route, body in (("cancelBuild", {"BuildId": build_id}), ("triggerBuild", {"projectId": project["id"]}),
                        ("disableBuild", {"projectId": project["id"]})):
        assert bob.post(f"{url}/workflow/{route}", json=body).status_code == 404
    assert bob.delete(f"{url}/jobs/{other['id']}").status_code == 404
    assert bob.delete(f"{url}/accounts/{bob_account['id']}").status_code == 200
    assert bob.get(f"{url}/accounts").status_code == 401


@pytest.mark.stack
def test_deleting_a_running_job_stops_it_and_leaves_nothing_behind(tmp_path, monkeypatch):
    from switchyard import blobs
    from tests.builds import attach_store

    stack = Stack(tmp_path / "data", runners=1).start()
    try:
        attach_store(stack.data_dir, monkeypatch)
        repo = tmp_path / "repo"
        make_repo(repo, {"shippable.yml": SLOW_YML})
        token = stack.admin().post(f"{stack.url}/accounts", json={"login": "erin"}).json()["apiToken"]
        erin = Stack.session(token)
        project = erin.post(f"{stack.url}/projects", json={"repositoryProvider": "github", "fullName": "erin/slow",
                                                           "cloneUrl": f"file://{repo}"}).json()
        build_id = erin.post(f"{stack.url}/workflow/triggerBuild", json={"projectId": project["id"]}).json()["BuildId"]
        [job] = wait_for(lambda: [j for j in _jobs(erin, stack.url, build_id) if j["statusCode"] == 20], timeout=60)
        wait_for(lambda: list(blobs.list_keys(blobs.log_prefix(job["id"]))), timeout=30)
        deleted = erin.delete(f"{stack.url}/jobs/{job['id']}")
        assert deleted.status_code == 200 and deleted.json()["statusCode"] == 70
        # the runner notices on its next heartbeat and stops the build; with one runner, a second build
        # can only finish once the first execution has ended and removed what it uploaded meanwhile
        make_repo(repo, {"shippable.yml": "build:\n  ci:\n    - echo quick\n"}, branch="quick", message="quick")
        quick = erin.post(f"{stack.url}/workflow/triggerBuild",
                          json={"projectId": project["id"], "branchName": "quick"}).json()["BuildId"]
        _finished_jobs(erin, stack.url, quick, 1, timeout=60)
        assert erin.get(f"{stack.url}/builds/{build_id}").json()["status"] == 70
        assert list(blobs.list_keys(blobs.log_prefix(job["id"]))) == []
        assert erin.get(f"{stack.url}/jobs/{job['id']}").status_code == 404
    finally:
        stack.stop()
