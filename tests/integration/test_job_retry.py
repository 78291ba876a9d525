"""POST /jobs/:id/retry on moto (a new build of the same commit, owner only), and the CORS the dashboard needs."""

from __future__ import annotations

import json

import pytest

from tests.integration.handlers import load_handler
from tests.integration.shippable_support import Client, make_account, make_project, stored_build
from tests.integration.test_shippable_jobs import SEED_JOB_LIST_FIELDS


@pytest.fixture(scope="module")
def world(aws_module):
    handler = load_handler("shippable_api")
    _, alice = make_account(handler, "alice")
    _, bob = make_account(handler, "bob")
    private = make_project(alice, "alice/demo")
    public = make_project(alice, "alice/open", private=False)
    return {"handler": handler, "alice": alice, "bob": bob, "private": private, "public": public,
            "failed": stored_build(private["id"], ("FOO=one", "FOO=two"), final="failed"),
            "open": stored_build(public["id"], ("FOO=p",))}


def _retry_messages() -> list[dict]:
    from switchyard.aws import client
    from switchyard.settings import get_settings

    sqs, url = client("sqs"), get_settings().retry_queue_url
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_owner_retries_one_job_of_a_matrix_as_a_new_build(world):
    from switchyard.queues import RetryMessage
    from switchyard.services import retries
    from switchyard.store import jobs

    original_run = world["failed"]["run"]
    original = world["failed"]["jobs"][1]
    _retry_messages()
    status, body = world["alice"].post(f"/jobs/{original.id}/retry")
    assert status == 201, body
    assert set(body) > SEED_JOB_LIST_FIELDS and body["id"] != original.id
    assert body["BuildId"] == body["runId"] != original_run.id
    assert body["runNumber"] == original_run.number + 1 and body["jobNumber"] == 1
    assert body["statusCode"] == 0 and body["isCompleted"] is False
    assert body["commitSha"] == original_run.commit_sha and body["branchName"] == "main"

    # the retry queue's consumer gives the reserved job the original job's plan and queues it
    [message] = _retry_messages()
    assert message["job_id"] == original.id and message["requested_by"] == "alice"
    retries.apply(RetryMessage(**message))
    [job] = jobs.list_run_jobs(body["BuildId"])
    assert job.id == body["id"] and job.state.value == "queued"
    assert job.env == ["FOO=two"] and job.plan == original.plan
    status, build = world["alice"].get(f"/builds/{body['BuildId']}")
    assert status == 200 and build["isReRun"] is True and build["status"] == 10


def test_only_the_owner_may_retry(world):
    private_job = world["failed"]["jobs"][0]
    public_job = world["open"]["jobs"][0]
    status, body = world["bob"].post(f"/jobs/{private_job.id}/retry")
    assert (status, body["id"]) == (404, 4001)
    status, body = world["bob"].post(f"/jobs/{public_job.id}/retry")
    assert (status, body["id"]) == (403, 2001) and "owner" in body["message"]
    assert Client(world["handler"], None).post(f"/jobs/{public_job.id}/retry")[0] == 401


def test_bad_and_unknown_ids(world):
    status, body = world["alice"].post("/jobs/not-a-job/retry")
    assert status == 400 and "jobId" in body["message"]
    status, body = world["alice"].post(f"/jobs/{'0' * 23}1/retry")
    assert (status, body["id"]) == (404, 4001)


def test_a_build_that_never_started_has_nothing_to_retry(world):
    from switchyard.services import triggers
    from switchyard.store import accounts, projects

    owner = accounts.get_account(world["private"]["subscriptionId"])
    _, reserved = triggers.start(owner, projects.get_project(world["private"]["id"]), dialect="shippable",
                                 reserve_job=True)
    status, body = world["alice"].post(f"/jobs/{reserved.id}/retry")
    assert status == 400 and "trigger a new build" in body["message"]


def test_answers_allow_the_dashboard_on_another_origin(world):
    from tests.integration.shippable_support import header

    origin = {"Origin": "https://dashboard.example"}
    ok = world["alice"].raw("GET", "/projects", headers=origin)
    refused = world["bob"].raw("POST", f"/jobs/{world['failed']['jobs'][0].id}/retry", headers=origin)
    assert ok["statusCode"] == 200 and refused["statusCode"] == 404
    assert header(ok, "Access-Control-Allow-Origin") == "*" == header(refused, "Access-Control-Allow-Origin")
    assert "Authorization" in header(ok, "Access-Control-Allow-Headers")
