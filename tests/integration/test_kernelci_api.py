"""KernelCI on moto: seed 004's examples against a real finished run, filters, POST and DELETE, every error."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests.events import api_event
from tests.integration import builds
from tests.integration.handlers import call_raw, load_handler

JSON_UTF8 = "application/json; charset=UTF-8"


@pytest.fixture
def kernelci(aws):
    return load_handler("kernelci_api")


@pytest.fixture
def alice(kernelci, tmp_path):
    """alice with the project `flavors`: FLAVOR=one passes (2 tests), FLAVOR=two prints an error and fails."""
    return builds.flavors_owner("alice", tmp_path / "repo")


@pytest.fixture
def world(alice):
    alice.run = builds.build(alice.project)
    assert alice.run.state == "failed" and alice.run.job_count == 2
    return alice


def record(owner, kernel: str, *, branch: str = "master", status: str = "PASS", age: timedelta | None = None):
    """A run recorded through the service, as POST /job records one; `age` moves its creation back."""
    from switchyard.api.kernelci.views import STATE_OF_STATUS
    from switchyard.domain import clock
    from switchyard.services import runs
    from switchyard.store import runs as run_store

    run = runs.record_external_run(owner.project, branch=branch, kernel=kernel, state=STATE_OF_STATUS[status],
                                   external_status=status)
    if age is not None:
        run.created_at = clock.iso(clock.now() - age)
        run = run_store.save_run(run)
    return run


def request(handler, method: str, path: str, token: str | None, *, query=None, body=None, content_type=None,
            scheme: str | None = None):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"{scheme} {token}" if scheme else token
    if content_type is not None:
        headers["Content-Type"] = content_type
    event = api_event(method, path, headers=headers, query=query, body=body)
    response = call_raw(handler, event)
    content = response["multiValueHeaders"].get("Content-Type") or [response.get("headers", {}).get("Content-Type")]
    assert content == [JSON_UTF8], response
    return response["statusCode"], json.loads(response["body"]), response["body"]


def get(handler, path, token, **query):
    status, body, _ = request(handler, "GET", path, token, query={k: v if isinstance(v, list) else [v]
                                                                  for k, v in query.items()} or None)
    return status, body


def test_seed_get_examples_against_a_finished_run(kernelci, world):
    run = world.run
    status, body = get(kernelci, f"/kernelci/job/{run.id}/", world.token)
    assert status == 200 and set(body) == {"code", "result"}
    [document] = body["result"]
    assert document["_id"] == {"$oid": run.id} and isinstance(document["created_on"]["$date"], int)
    assert (document["job"], document["kernel"], document["git_branch"]) == ("flavors", run.commit_sha[:12], "master")
    assert document["git_commit"] == run.commit_sha and document["git_url"] == world.repo.url
    assert document["status"] == "FAIL"

    status, body = get(kernelci, "/kernelci/job", world.token, date_range="12", job="flavors",
                       field=["status", "kernel"])
    assert (status, body["code"], body["count"], body["limit"], body["skip"]) == (200, 200, 1, 0, 0)
    assert body["result"] == [{"_id": {"$oid": run.id}, "status": "FAIL", "kernel": run.commit_sha[:12]}]

    assert get(kernelci, "/kernelci/job/distinct/job", world.token)[1] == {"code": 200, "count": 1,
                                                                          "result": ["flavors"]}
    status, body = get(kernelci, "/kernelci/jobs/distinct/kernel", world.token, job="flavors", date_range="5")
    assert (status, body["result"]) == (200, [run.commit_sha[:12]])


def test_seed_logs_examples_summarise_the_build_consoles(kernelci, world):
    run = world.run
    status, body = get(kernelci, f"/kernelci/job/{run.id}/logs", world.token)
    assert status == 200
    [summary] = body["result"]
    assert summary["job_id"] == {"$oid": run.id} and summary["job"] == "flavors"
    assert summary["kernel"] == run.commit_sha[:12]
    assert summary["errors"] == [[1, "main.c:1: error: flavor two is broken"]]
    assert summary["warnings"] == [[1, "warning: flavor two is experimental"],
                                   [1, "warning: flavor one is experimental"]]
    assert summary["mismatches"] == [[2, "drivers/foo.o: warning: Section mismatch in reference"]]
    status, body = get(kernelci, "/kernelci/jobs/logs", world.token, job="flavors", field="errors")
    assert (status, body["count"]) == (200, 1)
    assert body["result"] == [{"_id": summary["_id"], "errors": summary["errors"]}]
    assert get(kernelci, "/kernelci/job/logs", world.token, job_id=run.id)[1]["count"] == 1
    assert get(kernelci, "/kernelci/job/logs", world.token, job="other")[1]["count"] == 0


def test_seed_post_and_delete_examples_on_a_finished_run(kernelci, world):
    run = world.run
    kernel = run.commit_sha[:12]
    update = {"job": "flavors", "kernel": kernel, "git_branch": "master", "status": "PASS"}
    status, body, raw = request(kernelci, "POST", "/kernelci/job", world.token, body=update,
                                content_type="application/json")
    assert status == 200 and body == {"code": 200, "reason": f"Job 'flavors-{kernel}' (branch master) marked as 'PASS'"}
    assert raw == json.dumps(body, separators=(",", ":"))
    assert get(kernelci, f"/kernelci/job/{run.id}", world.token)[1]["result"][0]["status"] == "PASS"
    assert get(kernelci, "/kernelci/job", world.token)[1]["count"] == 1  # updated, not created

    from switchyard import blobs
    from switchyard.store import jobs, runs

    job_ids = [j.id for j in jobs.list_run_jobs(run.id)]
    assert all(blobs.get_bytes(blobs.console_key(j)) for j in job_ids)
    status, body, _ = request(kernelci, "DELETE", f"/kernelci/job/{run.id}", world.token,
                              content_type="application/json")
    assert (status, body) == (200, {"code": 200, "reason": f"Resource '{run.id}' deleted"})
    assert runs.get_run(run.id) is None and jobs.list_run_jobs(run.id) == []
    assert not any(blobs.get_bytes(blobs.console_key(j)) for j in job_ids)
    assert get(kernelci, f"/kernelci/job/{run.id}", world.token)[0] == 404


def test_post_records_a_job_that_does_not_exist_then_updates_it(kernelci, alice):
    update = {"job": "flavors", "kernel": "next-20140801", "git_branch": "master", "status": "FAIL"}
    status, body, _ = request(kernelci, "POST", "/kernelci/job", alice.token, body=update,
                              content_type="application/json")
    assert (status, body["reason"]) == (200, "Job 'flavors-next-20140801' (branch master) marked as 'FAIL'")
    status, body = get(kernelci, "/kernelci/job", alice.token, kernel="next-20140801")
    [document] = body["result"]
    assert (document["status"], document["git_branch"], document["job"]) == ("FAIL", "master", "flavors")
    request(kernelci, "POST", "/kernelci/jobs", alice.token, body={**update, "status": "PASS"},
            content_type="application/json")
    _, body = get(kernelci, "/kernelci/job", alice.token, kernel="next-20140801")
    assert body["count"] == 1 and body["result"][0]["status"] == "PASS"
    from switchyard.store import runs

    stored = runs.get_run(document["_id"]["$oid"])
    assert (stored.external_status, stored.state, stored.job_count) == ("PASS", "failed", 0)


def test_post_without_status_is_pass_and_reports_ignored_keys(kernelci, alice):
    update = {"job": "alice/flavors", "kernel": "v1", "git_branch": "main", "version": "1.0", "foo": 1}
    status, body, _ = request(kernelci, "POST", "/kernelci/job", alice.token, body=update,
                              content_type="application/json; charset=UTF-8")
    assert status == 200 and body["reason"].endswith("marked as 'PASS'")
    assert body["errors"] == ["Found non recognizable keys, they will not be considered: version, foo"]


def test_post_for_a_project_the_caller_does_not_have_is_404(kernelci, alice):
    _, bob_token = builds.make_account("bob")
    update = {"job": "flavors", "kernel": "k", "git_branch": "master"}
    status, body, _ = request(kernelci, "POST", "/kernelci/job", bob_token, body=update,
                              content_type="application/json")
    assert status == 404 and body["code"] == 404 and "'flavors' not found" in body["reason"]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "reason"),
    [
        ("text/plain", '{"job":"flavors","kernel":"k","git_branch":"b"}', 415,
         "Wrong content type defined: Use application/json as the content type"),
        ("application/x-www-form-urlencoded", "job=flavors", 415,
         "Wrong content type defined: Use application/json as the content type"),
        ("application/json", "{not json", 422, "No JSON data found in the POST request"),
        ("application/json", "", 422, "No JSON data found in the POST request"),
        ("application/json", '{"job": "flavors"}', 400, "Provided JSON is not valid"),
        ("application/json", "[1, 2]", 400, "Provided JSON is not valid"),
        ("application/json", '{"job":"flavors","kernel":"k","git_branch":"b","status":"GREEN"}', 400,
         "Status value 'GREEN' is not valid, should be one of: ['BUILD', 'FAIL', 'PASS', 'UNKNOWN']"),
    ],
)
def test_post_errors(kernelci, alice, content_type, body, status, reason):
    got_status, got, _ = request(kernelci, "POST", "/kernelci/job", alice.token, body=body, content_type=content_type)
    assert (got_status, got["code"], got["reason"]) == (status, status, reason)
    if reason == "Provided JSON is not valid":
        assert got["errors"] and isinstance(got["errors"][0], str)
    assert get(kernelci, "/kernelci/job", alice.token)[1]["count"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/kernelci/job"), ("GET", "/kernelci/jobs/" + "a" * 24), ("GET", "/kernelci/job/distinct/job"),
     ("GET", "/kernelci/job/logs"), ("GET", "/kernelci/job/" + "a" * 24 + "/logs"), ("POST", "/kernelci/job"),
     ("DELETE", "/kernelci/job/" + "a" * 24), ("DELETE", "/kernelci/job")],
)
def test_missing_or_wrong_token_is_403_on_every_route(kernelci, alice, method, path):
    for token in (None, "sy_wrong", f"Bearer {alice.token}"):
        status, body, _ = request(kernelci, method, path, token, body="{}", content_type="application/json")
        assert (status, body) == (403, {"code": 403,
                                        "reason": "Operation not permitted: provided token is not authorized"})


def test_token_scheme_is_optional(kernelci, alice):
    assert get(kernelci, "/kernelci/job", alice.token)[0] == 200
    status, _, _ = request(kernelci, "GET", "/kernelci/job", alice.token, scheme="token")
    assert status == 200


def test_single_job_errors(kernelci, alice):
    assert get(kernelci, "/kernelci/job/abcdefghilmnopqrstuvwxyz", alice.token) == (
        400, {"code": 400, "reason": "Wrong ID value provided"})
    unknown = "0123456789abcdef01234567"
    assert get(kernelci, f"/kernelci/job/{unknown}", alice.token) == (
        404, {"code": 404, "reason": f"Resource '{unknown}' not found"})
    assert get(kernelci, f"/kernelci/job/{unknown}/logs", alice.token)[0] == 404
    status, _, raw = request(kernelci, "GET", "/kernelci/job/abc", alice.token)
    assert (status, raw) == (404, '{"code": 404, "message": "Resource not found"}')
    bobs = record(SimpleNamespace(project=_bob_project()), "bob-1")
    assert get(kernelci, f"/kernelci/job/{bobs.id}", alice.token)[0] == 404


def _bob_project():
    account, _ = builds.make_account("bob")
    return builds.make_project(account, "bob/tree", "file:///nowhere")


def test_delete_errors_and_only_the_owner_deletes(kernelci, alice):
    status, body, _ = request(kernelci, "DELETE", "/kernelci/job", alice.token)
    assert (status, body) == (400, {"code": 400, "reason": "No ID value specified"})
    status, body, _ = request(kernelci, "DELETE", "/kernelci/job/abcdefghilmnopqrstuvwxyz", alice.token)
    assert (status, body) == (400, {"code": 400, "reason": "Wrong ID specified"})
    status, body, _ = request(kernelci, "DELETE", "/kernelci/jobs/0123456789abcdef01234567", alice.token)
    assert (status, body) == (404, {"code": 404, "reason": "Resource not found"})
    bobs = record(SimpleNamespace(project=_bob_project()), "bob-1")
    assert request(kernelci, "DELETE", f"/kernelci/job/{bobs.id}", alice.token)[0] == 404
    from switchyard.store import runs

    assert runs.get_run(bobs.id) is not None


def test_distinct_of_a_field_not_allowed_is_400(kernelci, alice):
    assert get(kernelci, "/kernelci/job/distinct/status", alice.token) == (
        400, {"code": 400, "reason": "No field specified or field not valid"})


def test_filters_sorting_paging_and_date_windows(kernelci, alice):
    old = record(alice, "v4.1", status="FAIL", age=timedelta(days=10))
    record(alice, "v4.2", branch="next", age=timedelta(hours=1))
    new = record(alice, "v4.3", status="BUILD")
    record(SimpleNamespace(project=_bob_project()), "bobs")

    def kernels(**query):
        status, body = get(kernelci, "/kernelci/job", alice.token, **query)
        assert status == 200, body
        return [d["kernel"] for d in body["result"]], body["count"]

    assert kernels() == (["v4.1", "v4.2", "v4.3"], 3)  # natural order: oldest first
    assert kernels(sort="created_on") == (["v4.3", "v4.2", "v4.1"], 3)  # sort_order defaults to -1
    assert kernels(sort="kernel", sort_order="1", limit="2") == (["v4.1", "v4.2"], 3)
    assert kernels(sort="kernel", skip="1", limit="1") == (["v4.2"], 3)
    assert kernels(limit="1", skip="1") == (["v4.2"], 3)
    assert kernels(status=["PASS", "FAIL"]) == (["v4.1", "v4.2"], 2)
    assert kernels(git_branch="next") == (["v4.2"], 1)
    assert kernels(_id=[new.id, old.id, "not-an-id"]) == (["v4.1", "v4.3"], 2)
    assert kernels(date_range="1") == (["v4.2", "v4.3"], 2)
    assert kernels(time_range="30") == (["v4.3"], 1)
    assert kernels(created_on=old.created_at[:10]) == (["v4.1"], 1)
    assert kernels(created_on=old.created_at[:10].replace("-", ""), date_range="0") == (["v4.1"], 1)
    status, body = get(kernelci, "/kernelci/job", alice.token, nfield=["_id", "git_url"], limit="1")
    assert "_id" not in body["result"][0] and "git_url" not in body["result"][0] and "kernel" in body["result"][0]
    assert get(kernelci, "/kernelci/job/distinct/git_branch", alice.token)[1]["result"] == ["master", "next"]
    for bad in ({"limit": "ten"}, {"skip": "-1"}, {"sort_order": "up"}):
        status, body = get(kernelci, "/kernelci/job", alice.token, **bad)
        assert status == 400 and body["code"] == 400 and next(iter(bad)) in body["reason"]


def test_the_sample_event_of_events_api(kernelci, alice):
    from tests.events import load

    event = load("api/get_kernelci_job.json")
    event["headers"]["Authorization"] = event["multiValueHeaders"]["Authorization"][0] = alice.token
    record(alice, "v5.0")
    status, body, _ = request_event(kernelci, event)
    assert (status, body["count"], body["result"]) == (200, 0, [])  # the sample asks for job=arm-soc


def request_event(handler, event):
    response = call_raw(handler, event)
    return response["statusCode"], json.loads(response["body"]), response["body"]
