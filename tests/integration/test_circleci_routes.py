"""The CircleCI function on moto: auth forms, triggers, ownership, envvars at rest, views of builds, downloads."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from tests.events import api_event
from tests.integration import handlers

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "/api/v1.1/project/{vcs}/{user}/{project}"
CONTEXT = handlers.Context("CircleciApiFunction")


@pytest.fixture
def circle(aws):
    handler = handlers.load_handler("circleci_api")

    def call(method, resource, token=None, params=None, body=None, query=None, headers=None):
        params = {"vcs": "gh", "user": "alice", "project": "demo", **(params or {})}
        names = re.findall(r"\{(\w+)\+?\}", resource)
        path = re.sub(r"\{(\w+)\+?\}", lambda m: params[m.group(1)], resource)
        headers = dict(headers or {})
        if token:
            headers["Circle-Token"] = token
        event = api_event(method, path, resource=resource, headers=headers, body=body,
                          path_params={n: params[n] for n in names} or None,
                          query={k: [str(v)] for k, v in (query or {}).items()} or None)
        return handlers.call(handler, event, CONTEXT)

    return call


@pytest.fixture
def people(aws):
    """alice owns a private `alice/demo` and a public `alice/open`; bob owns nothing."""
    from switchyard.services import projects
    from switchyard.store import accounts

    alice, alice_token = accounts.create_account("alice")
    _, bob_token = accounts.create_account("bob")
    made = {}
    for name, private in (("demo", True), ("open", False)):
        made[name] = projects.create(alice, projects.NewProject(
            repository_provider="github", full_name=f"alice/{name}", clone_url="file:///nowhere", is_private=private))
    return {"alice": alice_token, "bob": bob_token, "alice_account": alice, **made}


def _queued_triggers(aws) -> list[dict]:
    from switchyard.aws import client

    sqs = client("sqs")
    messages = sqs.receive_message(QueueUrl=aws["SWITCHYARD_TRIGGER_QUEUE_URL"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"])["trigger"] for m in messages.get("Messages", [])]


def test_every_token_form_and_the_401_shape(circle, people):
    assert circle("GET", "/api/v1.1/me") == (401, {"message": "You must log in first."})
    assert circle("GET", "/api/v1.1/me", token="wrong") == (401, {"message": "You must log in first."})
    basic = "Basic " + base64.b64encode(f"{people['alice']}:".encode()).decode()
    assert circle("GET", "/api/v1.1/me", headers={"Authorization": basic})[1]["login"] == "alice"
    assert circle("GET", "/api/v1.1/me", query={"circle-token": people["alice"]})[1]["login"] == "alice"
    status, body = circle("POST", f"{PROJECT}/envvar", body={"name": 5})
    assert status == 401 and body == {"message": "You must log in first."}  # before validating the body


def test_trigger_reserves_numbered_builds_and_queues_triggers(circle, people, aws):
    body = {"parallel": None, "revision": None, "tag": None, "build_parameters": {"A": "1"}, "EXTRA": "x"}
    status, first = circle("POST", f"{PROJECT}/tree/{{branch+}}", people["alice"], {"branch": "feature%2Fx"}, body)
    assert status == 200 and first["build_num"] == 1 and first["branch"] == "feature/x"
    assert (first["lifecycle"], first["status"], first["outcome"]) == ("not_running", "not_running", None)
    status, second = circle("POST", PROJECT, people["alice"], body={"job": "deploy", "tag": "v1"})
    assert status == 200 and second["build_num"] == 2 and second["vcs_tag"] == "v1"
    triggers = sorted(_queued_triggers(aws), key=lambda t: t["branch"] or "")
    assert [(t["branch"], t["tag"], t["job_name"]) for t in triggers] == [(None, "v1", "deploy"),
                                                                          ("feature/x", None, None)]
    assert triggers[1]["parameters"] == {"A": "1", "EXTRA": "x"} and triggers[1]["dialect"] == "circleci"
    assert circle("POST", f"{PROJECT}/build", people["alice"], body={"branch": "main"}) == (
        200, {"status": 200, "body": "Build created"})


@pytest.mark.parametrize("body", [{"tag": "v1", "revision": "abc"}, {"parallel": 0},
                                  {"build_parameters": {"1X": "y"}}, "{not json"])
def test_bad_trigger_bodies_are_400_and_start_nothing(circle, people, aws, body):
    status, answer = circle("POST", PROJECT, people["alice"], body=body)
    assert status == 400 and set(answer) == {"message"}
    assert _queued_triggers(aws) == [] and circle("GET", PROJECT, people["alice"])[1] == []


def test_reads_for_public_projects_writes_for_owners(circle, people):
    bob = people["bob"]
    assert circle("GET", PROJECT, bob) == (404, {"message": "Project not found"})
    assert circle("POST", PROJECT, bob)[0] == 404
    assert circle("GET", PROJECT, bob, {"project": "open"}) == (200, [])
    status, body = circle("POST", PROJECT, bob, {"project": "open"})
    assert status == 403 and set(body) == {"message"}
    assert circle("GET", f"{PROJECT}/envvar", bob, {"project": "open"})[0] == 403
    assert circle("GET", PROJECT, bob, {"vcs": "svn"}) == (404, {"message": "Project not found"})
    assert circle("GET", f"{PROJECT}/{{build_num}}", people["alice"], {"build_num": "abc"}) == (
        404, {"message": "Build not found"})


def test_envvars_are_encrypted_at_rest_and_never_shown(circle, people):
    from switchyard.services import secrets
    from switchyard.store.models import SecretModel

    value = "correct-horse-battery-9876"
    status, added = circle("POST", f"{PROJECT}/envvar", people["alice"], body={"name": "KEY", "value": value})
    assert status == 201 and added == {"name": "KEY", "value": "xxxx9876"}
    item = SecretModel.get(people["demo"].id, "KEY")
    assert value not in json.dumps(item.attribute_values)
    assert secrets.decrypt(item.ciphertext, context=people["demo"].id) == value
    with pytest.raises(Exception):  # noqa: B017 - KMS refuses another project's context
        secrets.decrypt(item.ciphertext, context=people["open"].id)
    circle("POST", f"{PROJECT}/envvar", people["alice"], body={"name": "KEY", "value": "replaced-value-0000"})
    assert circle("GET", f"{PROJECT}/envvar", people["alice"])[1] == [{"name": "KEY", "value": "xxxx0000"}]
    assert circle("DELETE", f"{PROJECT}/envvar/{{name}}", people["alice"], {"name": "KEY"}) == (200, {"message": "ok"})
    assert circle("DELETE", f"{PROJECT}/envvar/{{name}}", people["alice"], {"name": "KEY"})[0] == 404
    assert circle("POST", f"{PROJECT}/envvar", people["alice"], body={"name": "BAD-NAME", "value": "v"})[0] == 400


def test_failures_of_writes_are_never_5xx(circle, people, monkeypatch):
    from switchyard.api.circleci import routes

    def broken(*_args, **_kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(routes.triggers, "start", broken)
    status, body = circle("POST", PROJECT, people["alice"])
    assert status == 409 and "not be resent" in body["message"]
    monkeypatch.setattr(routes.builds, "followed_projects", broken)
    assert circle("GET", "/api/v1.1/me", people["alice"])[0] == 500


def _started_build(circle, people, **job_fields):
    """Build 1 of alice/demo, planned and in the state the fields say."""
    from switchyard.store import jobs, runs

    circle("POST", PROJECT, people["alice"])
    job = jobs.get_job_by_build_num(people["demo"].id, 1)
    run = runs.get_run(job.run_id)
    run.commit_sha = "c" * 40
    runs.save_run(run)
    job.plan = [{"label": "build", "steps": [], "job_name": "build"}]
    for name, value in job_fields.items():
        setattr(job, name, value)
    return jobs.save_job(job)


def test_cancel_and_retry(circle, people):
    from switchyard.domain.states import State

    job = _started_build(circle, people)
    job.move(State.QUEUED)
    job.move(State.PROCESSING)
    from switchyard.store import jobs

    jobs.save_job(job)
    build = f"{PROJECT}/{{build_num}}"
    assert circle("GET", build, people["alice"], {"build_num": "1"})[1]["lifecycle"] == "running"
    status, canceled = circle("POST", f"{build}/cancel", people["alice"], {"build_num": "1"})
    assert status == 200 and canceled["canceled"] is True and canceled["status"] == "canceled"
    status, retried = circle("POST", f"{build}/ssh", people["alice"], {"build_num": "1"})
    assert status == 200 and retried["build_num"] == 2 and retried["retry_of"] == 1 and retried["ssh_enabled"]
    assert retried["why"] == "retry" and retried["previous"]["build_num"] == 1
    assert circle("POST", f"{build}/retry", people["bob"], {"build_num": "1"})[0] == 404


def test_retrying_a_build_that_never_started_is_a_400(circle, people):
    circle("POST", PROJECT, people["alice"])
    status, body = circle("POST", f"{PROJECT}/{{build_num}}/retry", people["alice"], {"build_num": "1"})
    assert status == 400 and "never started" in body["message"]


def test_artifact_download_redirects_and_step_output_is_signed(circle, people):
    from switchyard import blobs
    from switchyard.domain.model import StepResult

    blobs.put_bytes("artifacts/x/out/report.txt", b"report")
    steps = [StepResult(name="make", kind="run", command="make", status="success", output_offset=6,
                        output_bytes=6)]
    job = _started_build(circle, people, steps=steps,
                         artifacts=[{"path": "out/report.txt", "key": "artifacts/x/out/report.txt", "node_index": 0}])
    blobs.put_bytes(blobs.console_key(job.id), b"setup\nmade!\ntail\n")
    build = f"{PROJECT}/{{build_num}}"
    [artifact] = circle("GET", f"{build}/artifacts", people["alice"], {"build_num": "1"})[1]
    assert artifact["url"].endswith("/api/v1.1/project/github/alice/demo/1/artifacts/0/out/report.txt")
    status, body = circle("GET", f"{build}/artifacts/{{path+}}", people["alice"],
                          {"build_num": "1", "path": "0/out/report.txt"})
    assert status == 302 and "report.txt" in body["url"]
    missing = {"build_num": "1", "path": "0/nope"}
    assert circle("GET", f"{build}/artifacts/{{path+}}", people["alice"], missing)[0] == 404
    info = circle("GET", build, people["alice"], {"build_num": "1"})[1]
    url = info["steps"][0]["actions"][0]["output_url"]
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    output = f"{build}/output/{{step}}/{{index}}"
    params = {"build_num": "1", "step": "0", "index": "0"}
    assert circle("GET", output, params=params, query=query)[1][0]["message"] == "made!\n"
    assert circle("GET", output, people["alice"], params)[1][0]["message"] == "made!\n"
    forged = {**query, "signature": "0" * 64}
    assert circle("GET", output, params=params, query=forged) == (401, {"message": "You must log in first."})


def test_follows_and_recent_builds_across_projects(circle, people):
    bob = people["bob"]
    assert circle("POST", f"{PROJECT}/follow", bob, {"project": "open"})[1]["following"] is True
    assert circle("POST", f"{PROJECT}/follow", bob)[0] == 404  # private: invisible
    circle("POST", PROJECT, people["alice"], {"project": "open"})
    circle("POST", PROJECT, people["alice"])
    recent = circle("GET", "/api/v1.1/recent-builds", bob)[1]
    assert [(b["reponame"], b["build_num"]) for b in recent] == [("open", 1)]
    mine = circle("GET", "/api/v1.1/recent-builds", people["alice"], query={"limit": 1, "shallow": "True"})[1]
    assert [(b["reponame"], b["build_num"]) for b in mine] == [("demo", 1)] and "previous" not in mine[0]
    assert [p["reponame"] for p in circle("GET", "/api/v1.1/projects", bob)[1]] == ["open"]
    assert circle("GET", "/api/v1.1/me", bob)[1]["num_projects_followed"] == 1


def test_every_sample_event_reaches_its_route(aws):
    """events/api/circleci holds one event per route (for `sam local invoke`); each reaches a handler's auth."""
    handler = handlers.load_handler("circleci_api")
    samples = sorted((ROOT / "events/api/circleci").glob("*.json"))
    assert len(samples) == 21
    for sample in samples:
        response = handler(json.loads(sample.read_text()), CONTEXT)
        assert (response["statusCode"], json.loads(response["body"])) == (
            401, {"message": "You must log in first."}), sample.name
