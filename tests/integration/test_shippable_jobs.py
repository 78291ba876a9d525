"""Shippable's job routes (seed 000) on moto: lists and filters, detail, console, reports, delete, visibility."""

from __future__ import annotations

import pytest

from tests.integration.handlers import load_handler
from tests.integration.shippable_support import (
    ADMIN,
    Client,
    header,
    make_account,
    make_project,
    stored_build,
)

SEED_JOB_LIST_FIELDS = {
    "version", "jobNumber", "runNumber", "runId", "subscriptionId", "subscriptionOrgName", "projectId",
    "projectName", "statusCode", "startedAt", "endedAt", "jobLengthInMS", "timeoutMS", "branchName",
    "isPullRequest", "pullRequestNumber", "createdBy", "commitSha", "isPrivateRepository", "createdAt",
    "allowFailure", "branchCoveragePercent", "sequenceCoveragePercent", "testsErrors", "testsSkipped",
    "testsPassed", "testsFailed", "totalTests", "env", "isCompleted", "id",
}


@pytest.fixture(scope="module")
def world(aws_module):
    """alice owns a private project with two finished builds; bob owns nothing; carol's builds are the
    ones tests add or delete, so alice's stay as they are for every test."""
    handler = load_handler("shippable_api")
    _, alice_client = make_account(handler, "alice")
    _, bob_client = make_account(handler, "bob")
    _, carol_client = make_account(handler, "carol")
    project = make_project(alice_client, "alice/demo")
    main = stored_build(project["id"], final="success")
    feature = stored_build(project["id"], ("FOO=x",), final="failed", branch="feature", is_pull_request=True)
    return {"handler": handler, "alice": alice_client, "bob": bob_client, "carol": carol_client,
            "carol_project": make_project(carol_client, "carol/demo"),
            "project": project, "main": main, "feature": feature}


def ids_of(body):
    return [item["id"] for item in body]


def test_list_is_the_callers_jobs_newest_first(world):
    status, body = world["alice"].get("/jobs")
    assert status == 200
    assert all(set(item) == SEED_JOB_LIST_FIELDS for item in body)
    expected = [j.id for j in world["feature"]["jobs"]] + [j.id for j in reversed(world["main"]["jobs"])]
    assert ids_of(body) == expected
    assert world["bob"].get("/jobs") == (200, [])


@pytest.mark.parametrize(
    ("query", "which"),
    [
        ({"status": "success"}, "main"),
        ({"status": "30"}, "main"),
        ({"status": "failed,timeout,unstable"}, "feature"),
        ({"status": ["failed", "success"]}, "both"),
        ({"branch": "feature"}, "feature"),
        ({"branch": "main,feature"}, "both"),
        ({"isPullRequest": "true"}, "feature"),
        ({"isPullRequest": "false"}, "main"),
        ({"status": "canceled"}, "none"),
    ],
)
def test_filters(world, query, which):
    main = {j.id for j in world["main"]["jobs"]}
    feature = {j.id for j in world["feature"]["jobs"]}
    expected = {"main": main, "feature": feature, "both": main | feature, "none": set()}[which]
    status, body = world["alice"].get("/jobs", query={**query, "projectIds": world["project"]["id"]})
    assert status == 200 and set(ids_of(body)) == expected


def test_run_ids_and_project_ids(world):
    run_id = world["main"]["run"].id
    status, body = world["alice"].get("/jobs", query={"runIds": run_id})
    assert status == 200 and {item["runId"] for item in body} == {run_id} and len(body) == 2
    both = f"{run_id},{world['feature']['run'].id}"
    assert len(world["alice"].get("/jobs", query={"runIds": both})[1]) == 3
    assert len(world["alice"].get("/jobs", query={"projectIds": world["project"]["id"]})[1]) == 3
    # someone else's private run or project lists nothing
    assert world["bob"].get("/jobs", query={"runIds": run_id}) == (200, [])
    assert world["bob"].get("/jobs", query={"projectIds": world["project"]["id"]}) == (200, [])


def test_pages(world):
    everything = ids_of(world["alice"].get("/jobs")[1])
    first = ids_of(world["alice"].get("/jobs", query={"limit": "2"})[1])
    rest = ids_of(world["alice"].get("/jobs", query={"limit": "2", "skip": "2"})[1])
    assert first + rest == everything and len(first) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"runIds": "nothex"}, "runIds"),
        ({"projectIds": "abc"}, "projectIds"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"skip": "-1"}, "skip"),
        ({"isPullRequest": "maybe"}, "isPullRequest"),
    ],
)
def test_bad_list_parameters_are_400(world, query, field):
    status, body = world["alice"].get("/jobs", query=query)
    assert status == 400 and set(body) == {"id", "message"} and field in body["message"]


def test_job_detail(world):
    job = world["main"]["jobs"][0]
    status, body = world["alice"].get(f"/jobs/{job.id}")
    assert status == 200
    assert set(body) > SEED_JOB_LIST_FIELDS
    assert body["build"]["ci"] == ["make test"] and body["build"]["on_success"] == ["echo ok"]
    assert body["scmURL"] == "https://github.com/alice/demo.git" and body["node"] == "runner-1"
    assert [s["scriptType"] for s in body["steps"]] == ["checkout", "run"]
    assert body["statusCode"] == 30 and body["isCompleted"] is True and body["jobErrorMsgs"] == []


def test_unknown_bad_and_invisible_jobs(world):
    job = world["main"]["jobs"][0]
    for suffix in ("", "/consoles/download", "/jobTestReports", "/jobCoverageReports"):
        assert world["alice"].get(f"/jobs/{'0' * 23}1{suffix}")[0] == 404
        assert world["alice"].get(f"/jobs/not-an-id{suffix}")[0] == 400
        status, body = world["bob"].get(f"/jobs/{job.id}{suffix}")
        assert status == 404 and body["id"] == 4001
        assert Client(world["handler"], None).get(f"/jobs/{job.id}{suffix}")[0] == 401
    assert world["bob"].delete(f"/jobs/{job.id}")[0] == 404


def test_console_of_a_finished_job(world):
    job = world["main"]["jobs"][0]
    response = world["alice"].raw("GET", f"/jobs/{job.id}/consoles/download")
    assert response["statusCode"] == 200 and header(response, "Content-Type").startswith("text/plain")
    assert response["body"] == f"console of {job.label}\nbye\n"


def test_large_console_redirects_to_a_presigned_url(world, monkeypatch):
    from switchyard import blobs

    monkeypatch.setattr(blobs, "INLINE_LIMIT", 10)
    job = world["main"]["jobs"][0]
    response = world["alice"].raw("GET", f"/jobs/{job.id}/consoles/download")
    assert response["statusCode"] == 302
    location = header(response, "Location")
    assert f"logs/{job.id}/console.log" in location and "Signature" in location


def test_console_of_a_running_job_is_its_chunks_so_far(world):
    running = stored_build(world["carol_project"]["id"], ("FOO=r",), final="processing")
    job = running["jobs"][0]
    response = world["carol"].raw("GET", f"/jobs/{job.id}/consoles/download")
    assert response["statusCode"] == 200 and response["body"] == "first chunk\nsecond chunk\n"


def test_reports(world):
    job = world["main"]["jobs"][0]
    status, tests = world["alice"].get(f"/jobs/{job.id}/jobTestReports")
    assert status == 200
    assert (tests["total"], tests["totalPassing"], tests["totalFailures"], tests["totalErrors"]) == (3, 1, 1, 1)
    assert [d["name"] for d in tests["failureDetails"]] == ["bad"]
    assert tests["failureDetails"][0]["message"] == "assert 1 == 2"
    assert [d["name"] for d in tests["errorDetails"]] == ["boom"]
    status, coverage = world["alice"].get(f"/jobs/{job.id}/jobCoverageReports")
    assert status == 200 and coverage["lineCoverage"] == {"lineRate": 0.75, "validLines": 4, "coveredLines": 3}
    assert [(c["fileName"], c["lineRate"]) for c in coverage["classes"]] == [("widget.py", "0.75")]


def test_a_job_without_reports_answers_404(world):
    bare = stored_build(world["carol_project"]["id"], ("FOO=bare",), reports_too=False)
    job = bare["jobs"][0]
    for route in ("jobTestReports", "jobCoverageReports"):
        status, body = world["carol"].get(f"/jobs/{job.id}/{route}")
        assert status == 404 and "no" in body["message"]


def test_delete_removes_the_job_and_everything_it_left(world):
    from switchyard import blobs
    from switchyard.store import jobs, reports

    build = stored_build(world["carol_project"]["id"])
    job, other = build["jobs"]
    assert list(blobs.list_keys(blobs.log_prefix(job.id))) and reports.list_items(job.id, "test")
    status, body = world["carol"].delete(f"/jobs/{job.id}")
    assert status == 200 and body["id"] == job.id and set(body) > SEED_JOB_LIST_FIELDS
    assert jobs.get_job(job.id) is None
    assert list(blobs.list_keys(blobs.log_prefix(job.id))) == []
    assert list(blobs.list_keys(blobs.artifact_prefix(job.id))) == []
    assert reports.list_items(job.id, "test") == [] and reports.list_items(job.id, "cov") == []
    assert world["carol"].get(f"/jobs/{job.id}")[0] == 404
    assert world["carol"].delete(f"/jobs/{job.id}")[0] == 404
    assert world["carol"].get(f"/jobs/{other.id}")[0] == 200


def test_deleting_a_running_job_cancels_it_first(world):
    from switchyard.store import runs

    running = stored_build(world["carol_project"]["id"], ("FOO=r",), final="processing")
    job = running["jobs"][0]
    status, body = world["carol"].delete(f"/jobs/{job.id}")
    assert status == 200 and body["statusCode"] == 70 and body["isCompleted"] is True
    run = runs.get_run(running["run"].id)
    assert run.state.value == "canceled" and "deleted" in run.error


def test_public_project_jobs_are_readable_but_only_the_owner_deletes(world):
    public = make_project(world["carol"], "carol/open", private=False)
    build = stored_build(public["id"], ("FOO=p",))
    job = build["jobs"][0]
    assert world["bob"].get(f"/jobs/{job.id}")[0] == 200
    assert world["bob"].get(f"/jobs/{job.id}/consoles/download")[0] == 200
    assert len(world["bob"].get("/jobs", query={"projectIds": public["id"]})[1]) == 1
    status, body = world["bob"].delete(f"/jobs/{job.id}")
    assert status == 403 and body["id"] == 2001


def test_admin_reads_any_job(world):
    job = world["main"]["jobs"][0]
    admin = Client(world["handler"], ADMIN)
    assert admin.get(f"/jobs/{job.id}")[0] == 200
