"""Puppet orchestrator on moto: seed 003's examples against a real finished run, and every documented error."""

from __future__ import annotations

import re

import pytest

from tests.events import api_event
from tests.integration import builds
from tests.integration.handlers import call, load_handler

HOST = "orchestrator.example.com:8143"
BASE = f"https://{HOST}/orchestrator/v1"
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def orchestrator(aws):
    return load_handler("orchestrator_api")


@pytest.fixture
def alice(orchestrator, tmp_path):
    """alice with a project whose repository builds FLAVOR=one (passes, 2 tests) and FLAVOR=two (fails)."""
    return builds.flavors_owner("alice", tmp_path / "repo", "Deploy the flavors\n\nBody")


@pytest.fixture
def world(alice):
    """alice's finished run, built for real by the planner and the runner."""
    alice.run = builds.build(alice.project)
    assert alice.run.state == "failed" and alice.run.job_count == 2
    return alice


@pytest.fixture
def recorded(alice):
    """alice with a finished run recorded without building (for tests about ids and errors)."""
    [alice.run] = _external_runs(alice, ["master"])
    return alice


def get(handler, path: str, token: str | None, query: dict[str, list[str]] | None = None, **headers: str):
    sent = {"Host": HOST, "X-Forwarded-Proto": "https", **headers}
    if token is not None:
        sent["X-Authentication"] = token
    return call(handler, api_event("GET", path, headers=sent, query=query))


def test_seed_examples_against_a_finished_run(orchestrator, world):
    check_list(orchestrator, world)
    check_job(orchestrator, world)
    check_nodes(orchestrator, world)
    check_report(orchestrator, world)


def check_list(orchestrator, world):
    status, body = get(orchestrator, "/orchestrator/v1/jobs", world.token, {"limit": ["20"]})
    assert status == 200
    [item] = body["items"]
    seq = world.run.seq
    assert item["id"] == f"{BASE}/jobs/{seq}" and item["name"] == str(seq)
    assert item["state"] == "failed"
    assert item["options"] == {"noop": False, "concurrency": None, "environment": "master",
                               "target": "alice/flavors", "description": "Deploy the flavors"}
    assert item["owner"] == {"id": world.account.id, "login": "alice"}
    assert ISO_SECONDS.match(item["timestamp"])
    assert item["environment"] == {"name": "master"} and item["node_count"] == 2
    assert item["nodes"] == {"id": f"{BASE}/jobs/{seq}/nodes"} and item["report"] == {"id": f"{BASE}/jobs/{seq}/report"}
    assert body["pagination"] == {"limit": 20, "offset": 0, "total": 1, "order": "desc", "order_by": "timestamp"}


def check_job(orchestrator, world):
    status, body = get(orchestrator, f"/orchestrator/v1/jobs/{world.run.seq}", world.token)
    assert status == 200
    assert {"id", "name", "owner", "environment", "options", "status", "nodes", "report", "state"} <= set(body)
    assert [s["state"] for s in body["status"]] == ["new", "ready", "running", "failed"]
    for earlier, later in zip(body["status"], body["status"][1:], strict=False):
        assert earlier["exit_time"] == later["enter_time"] and ISO_SECONDS.match(earlier["enter_time"])
    assert body["status"][-1]["exit_time"] is None
    assert body["node_states"] == {"failed": 1, "finished": 1}
    assert body["nodes"]["id"] == f"{BASE}/jobs/{world.run.seq}/nodes"


def check_nodes(orchestrator, world):
    """Nodes of a finished job have metrics and the console URL."""
    status, body = get(orchestrator, f"/orchestrator/v1/jobs/{world.run.seq}/nodes", world.token)
    assert status == 200
    passed, failed = body["items"]
    assert (passed["name"], passed["state"]) == ("local: FLAVOR=one", "finished")
    assert (failed["name"], failed["state"]) == ("local: FLAVOR=two", "failed")
    for node in (passed, failed):
        assert re.match(rf"^https://{HOST}/jobs/[0-9a-f]{{24}}/consoles/download$", node["details"]["report-url"])
        assert ISO_SECONDS.match(node["timestamp"]) and node["transaction_uuid"]
    assert passed["details"]["metrics"]["total"] == 2 and passed["details"]["metrics"]["failed"] == 0
    assert passed["message"] == "Finished FLAVOR=one on local - Success!"
    assert failed["details"]["message"].startswith("Failed FLAVOR=two on local: ")
    assert failed["details"]["message"].endswith("exited with 1")


def check_report(orchestrator, world):
    """The report lists each node with its events."""
    status, body = get(orchestrator, f"/orchestrator/v1/jobs/{world.run.seq}/report", world.token)
    assert status == 200
    assert [(i["node"], i["state"]) for i in body["items"]] == [("local: FLAVOR=one", "finished"),
                                                                 ("local: FLAVOR=two", "failed")]
    assert [e["type"] for e in body["items"][1]["events"]] == ["node_running", "node_failed"]
    assert all(ISO_SECONDS.match(i["timestamp"]) for i in body["items"])


def test_a_job_in_flight_shows_ready_running_and_stopping(orchestrator, alice):
    world = alice
    from switchyard.queues import JobMessage
    from switchyard.runner import job as job_runner
    from switchyard.store import jobs

    run = builds.plan_only(world.project)
    _, body = get(orchestrator, f"/orchestrator/v1/jobs/{run.seq}", world.token)
    assert body["state"] == "ready" and body["node_states"] == {"ready": 2}
    first, second = jobs.list_run_jobs(run.id)
    assert job_runner.claim(JobMessage(job_id=first.id, run_id=run.id), "r-1", host="build-7") is not None
    _, nodes = get(orchestrator, f"/orchestrator/v1/jobs/{run.seq}/nodes", world.token)
    assert [(n["name"], n["state"]) for n in nodes["items"]] == [("build-7: FLAVOR=one", "running"),
                                                                 ("FLAVOR=two", "ready")]
    assert isinstance(nodes["items"][0]["details"]["run-time"], int)
    assert get(orchestrator, f"/orchestrator/v1/jobs/{run.seq}", world.token)[1]["state"] == "running"
    jobs.request_cancel(second.id)
    assert get(orchestrator, f"/orchestrator/v1/jobs/{run.seq}", world.token)[1]["state"] == "stopping"
    _, listed = get(orchestrator, "/orchestrator/v1/jobs", world.token, {"limit": ["1"]})
    assert listed["items"][0]["state"] == "stopping"


def _external_runs(world, branches):
    from switchyard.domain.states import State
    from switchyard.services import runs

    states = [State.SUCCESS, State.FAILED, State.PROCESSING]
    return [runs.record_external_run(world.project, branch=b, kernel=f"k{i}", state=states[i % 3],
                                     external_status="PASS") for i, b in enumerate(branches)]


def test_limit_offset_and_ordering(orchestrator, recorded):
    world = recorded
    made = [world.run, *_external_runs(world, ["zeta", "alpha", "mid"])]
    seqs = [r.seq for r in made]

    def names(query):
        status, body = get(orchestrator, "/orchestrator/v1/jobs", world.token, query)
        assert status == 200, body
        return [int(i["name"]) for i in body["items"]], body["pagination"]

    assert names({"limit": ["2"]}) == (seqs[::-1][:2], {"limit": 2, "offset": 0, "total": 4, "order": "desc",
                                                        "order_by": "timestamp"})
    assert names({"limit": ["1"], "offset": ["1"]})[0] == [seqs[2]]
    assert names({"order": ["asc"]})[0] == seqs
    assert names({"order_by": ["name"], "order": ["desc"]})[0] == seqs[::-1]
    by_environment, page = names({"order_by": ["environment"]})
    assert by_environment == [seqs[2], seqs[0], seqs[3], seqs[1]] and page["order"] == "asc"
    by_state, _ = names({"order_by": ["state"], "order": ["desc"]})
    assert by_state == [seqs[3], seqs[1], seqs[0], seqs[2]]  # running, finished (higher id first), failed
    assert names({"offset": ["10"]})[0] == []


def test_absolute_urls_keep_the_stage_of_an_execute_api_host(orchestrator, recorded):
    world = recorded
    event = api_event("GET", "/orchestrator/v1/jobs", headers={"X-Authentication": world.token,
                                                                 "Host": "abc.execute-api.us-east-1.amazonaws.com",
                                                                 "X-Forwarded-Proto": "https"})
    event["requestContext"].update(stage="v1", path="/v1/orchestrator/v1/jobs")
    _, body = call(orchestrator, event)
    assert body["items"][0]["id"] == f"https://abc.execute-api.us-east-1.amazonaws.com/v1/orchestrator/v1/jobs/" \
                                     f"{world.run.seq}"


@pytest.mark.parametrize("path", ["/orchestrator/v1/jobs", "/orchestrator/v1/jobs/1", "/orchestrator/v1/jobs/x/nodes",
                                  "/orchestrator/v1/jobs/1/report"])
def test_no_token_is_401_route_requires_authentication(orchestrator, path):
    status, body = get(orchestrator, path, None)
    assert status == 401
    assert body["kind"] == "puppetlabs.rbac/user-unauthenticated" and body["msg"] == "Route requires authentication"


def test_unknown_token_is_401_invalid_token(orchestrator):
    status, body = get(orchestrator, "/orchestrator/v1/jobs", "sy_not_a_token")
    assert status == 401 and body["kind"] == "puppetlabs.rbac/invalid-token" and set(body) == {"kind", "msg", "details"}


@pytest.mark.parametrize("query", [{"limit": ["twenty"]}, {"limit": ["2.5"]}, {"offset": ["-3"]},
                                   {"order_by": ["colour"]}, {"order": ["random"]}])
def test_bad_list_parameters_are_400_validation_errors(orchestrator, alice, query):
    status, body = get(orchestrator, "/orchestrator/v1/jobs", alice.token, query)
    assert status == 400 and body["kind"] == "puppetlabs.orchestrator/validation-error"
    assert body["msg"] and body["details"]["parameter"] == next(iter(query))


@pytest.mark.parametrize("suffix", ["", "/nodes", "/report"])
def test_job_routes_validate_the_id_and_hide_unknown_and_foreign_jobs(orchestrator, recorded, suffix):
    world = recorded
    status, body = get(orchestrator, f"/orchestrator/v1/jobs/abc{suffix}", world.token)
    assert status == 400 and body["kind"] == "puppetlabs.orchestrator/validation-error"
    status, body = get(orchestrator, f"/orchestrator/v1/jobs/999999{suffix}", world.token)
    assert status == 404 and body["kind"] == "puppetlabs.orchestrator/unknown-job"
    _, bob_token = builds.make_account("bob")
    status, body = get(orchestrator, f"/orchestrator/v1/jobs/{world.run.seq}{suffix}", bob_token)
    assert status == 404 and body["kind"] == "puppetlabs.orchestrator/unknown-job"
    assert get(orchestrator, "/orchestrator/v1/jobs", bob_token)[1]["items"] == []


def test_the_sample_event_of_events_api(orchestrator, recorded):
    from tests.events import load

    event = load("api/get_orchestrator_jobs.json")
    event["headers"]["X-Authentication"] = event["multiValueHeaders"]["X-Authentication"][0] = recorded.token
    status, body = call(orchestrator, event)
    assert status == 200 and body["pagination"]["limit"] == 20
    assert body["items"][0]["id"] == f"https://abc123.execute-api.us-east-1.amazonaws.com/v1/orchestrator/v1/jobs/" \
                                     f"{recorded.run.seq}"
