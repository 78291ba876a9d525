"""Commit statuses on moto: queued with the jobs, posted by the consumer to a fake SCM, retried, refused, settled."""

from __future__ import annotations

import json
import time

import pytest

from switchyard.domain.states import State
from tests.events import api_event, load, sqs_event, with_token
from tests.integration.handlers import Context, call, load_handler

SHA = "9f2c1e5b7a3d4c6e8f0a1b2c3d4e5f6a7b8c9d0e"
TOKEN = "ghp_status_token_for_tests_0123456789"
PUBLIC_URL = "http://switchyard.example"
ADMIN = "admin-test-token"


CONTEXT = Context("StatusesFunction", remaining_ms=120000)


@pytest.fixture
def env(aws, monkeypatch):
    from switchyard.settings import reset_settings

    monkeypatch.setenv("SWITCHYARD_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("SWITCHYARD_STATUS_RETRY_BASE_SECONDS", "0")
    monkeypatch.setenv("SWITCHYARD_STATUS_MAX_ATTEMPTS", "3")
    reset_settings()
    return aws


@pytest.fixture
def consumer(env):
    return load_handler("statuses")


def make_project(scm_url: str | None, token: str | None = TOKEN, provider: str = "github", login: str = "ada"):
    from switchyard.services import projects
    from switchyard.store import accounts

    account, api_token = accounts.create_account(login)
    new = projects.NewProject(provider, f"{login}/demo", "file:///nowhere", status_token=token, scm_api_url=scm_url)
    return projects.create(account, new), account, api_token


def queue_run(project, labels=("FLAVOR=one", "FLAVOR=two")):
    """A planned run of the project at SHA with one queued job per label, as the planner leaves it."""
    from switchyard.domain.ids import new_id
    from switchyard.domain.model import Commit, Trigger
    from switchyard.services import runs
    from switchyard.store import runs as run_store

    trigger = Trigger(id=new_id(), project_id=project.id, source="webhook", dialect="github", branch="main",
                      commit=Commit(sha=SHA))
    run, _ = runs.open_run(trigger, project)
    run = run_store.save_run(run)
    return run, runs.create_jobs(run, project, [{"label": label} for label in labels], 60)


def finish(job, state: State, message: str | None = None):
    from switchyard.services import statuses
    from switchyard.store import jobs

    job = jobs.get_job(job.id)
    job.move(State.PROCESSING)
    job.move(state)
    job.status_message = message
    jobs.save_job(job)
    statuses.notify([job])
    return job


def status_queue_counts() -> tuple[int, int]:
    from switchyard.aws import client
    from switchyard.settings import get_settings

    attributes = client("sqs").get_queue_attributes(
        QueueUrl=get_settings().status_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesDelayed"])


def drain(consumer) -> list[dict]:
    """Hand every visible status message to the consumer once, as the queue's event source would."""
    from switchyard.aws import client
    from switchyard.settings import get_settings

    sqs, url = client("sqs"), get_settings().status_queue_url
    handled = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        result = consumer(sqs_event([m["Body"] for m in messages]), CONTEXT)
        assert result == {"batchItemFailures": []}
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        handled += [json.loads(m["Body"]) for m in messages]
    return handled


def stored_project(project_id: str):
    from switchyard.store import projects

    return projects.get_project(project_id)


def test_one_pending_and_one_final_status_per_job(consumer, scm):
    project, _, _ = make_project(scm.url)
    run, (one, two) = queue_run(project)
    assert [m["state"] for m in drain(consumer)] == ["pending", "pending"]
    finish(one, State.SUCCESS)
    finish(two, State.FAILED, "exit code 3")
    drain(consumer)
    posts = scm.posts()
    assert {c.path for c in posts} == {f"/repos/ada/demo/statuses/{SHA}"}
    seen = sorted((c.context, c.state, c.target_url) for c in posts)
    assert seen == [
        ("switchyard/FLAVOR=one", "pending", f"{PUBLIC_URL}/jobs/{one.id}"),
        ("switchyard/FLAVOR=one", "success", f"{PUBLIC_URL}/jobs/{one.id}"),
        ("switchyard/FLAVOR=two", "failure", f"{PUBLIC_URL}/jobs/{two.id}"),
        ("switchyard/FLAVOR=two", "pending", f"{PUBLIC_URL}/jobs/{two.id}"),
    ]
    assert all(len(c.body["description"]) <= 140 for c in posts)
    assert [c.body["description"] for c in posts if c.state == "pending"] == [
        f"Job {run.number}.1 is queued", f"Job {run.number}.2 is queued"]


def test_a_project_without_token_sends_nothing(consumer, scm):
    project, _, _ = make_project(scm.url, token=None)
    _, (one, _two) = queue_run(project)
    finish(one, State.SUCCESS)
    assert status_queue_counts() == (0, 0)
    from switchyard.queues import StatusMessage

    event = sqs_event([StatusMessage(job_id=one.id, state="success").model_dump_json()])
    assert consumer(event, CONTEXT) == {"batchItemFailures": []}
    assert scm.posts() == []


def test_a_late_pending_never_overtakes_the_final_status(consumer, scm):
    project, _, _ = make_project(scm.url)
    _, (one,) = queue_run(project, labels=("build",))
    finish(one, State.SUCCESS)  # the job ended before its pending status was delivered
    drain(consumer)
    assert [c.state for c in scm.posts()] == ["success"]


def test_scm_errors_are_retried_with_backoff_then_dropped_and_recorded(consumer, scm):
    project, _, _ = make_project(scm.url)
    scm.answer(500, body={"message": "boom"})
    _, (one,) = queue_run(project, labels=("build",))
    handled = drain(consumer)
    assert [m["attempt"] for m in handled] == [0, 1, 2]  # SWITCHYARD_STATUS_MAX_ATTEMPTS=3
    assert len(scm.posts()) == 3 and status_queue_counts() == (0, 0)
    error = stored_project(project.id).last_status_error
    assert "gave up after 3 attempts" in error and "HTTP 500" in error and "switchyard/build" in error
    from switchyard.store import jobs

    assert jobs.get_job(one.id).state == State.QUEUED  # the build itself is untouched


def test_rate_limit_waits_as_long_as_the_scm_asks(consumer, scm):
    project, _, _ = make_project(scm.url, provider="bitbucket")
    scm.then(429, headers={"Retry-After": "2"})
    queue_run(project, labels=("build",))
    drain(consumer)
    assert status_queue_counts() == (0, 1)  # re-sent, delayed
    time.sleep(2.2)
    [message] = drain(consumer)
    assert message["attempt"] == 1
    assert [c.state for c in scm.posts()] == ["INPROGRESS", "INPROGRESS"]
    assert stored_project(project.id).last_status_error is None


def test_a_refused_token_is_recorded_on_the_project_and_not_retried(consumer, scm):
    from switchyard.api.shippable import views

    project, _, _ = make_project(scm.url, provider="gitlab")
    scm.answer(401, body={"message": "401 Unauthorized"})
    queue_run(project, labels=("build",))
    drain(consumer)
    assert len(scm.posts()) == 1 and status_queue_counts() == (0, 0)
    view = views.project_detail(stored_project(project.id), None)
    assert "HTTP 401" in view["lastStatusError"] and "401 Unauthorized" in view["lastStatusError"]
    assert TOKEN not in json.dumps(view)


def test_reaper_settles_the_status_of_a_job_whose_runner_died(consumer, scm):
    from switchyard.services import reaper
    from switchyard.store import jobs

    project, _, _ = make_project(scm.url)
    _, (one,) = queue_run(project, labels=("build",))
    drain(consumer)
    job = jobs.get_job(one.id)
    job.move(State.PROCESSING)
    job.runner_id, job.attempts, job.lease_expires = "dead-runner", reaper.MAX_ATTEMPTS, int(time.time()) - 5
    jobs.save_job(job)
    assert reaper.reap_expired_leases() == 1
    drain(consumer)
    pending, final = scm.posts()
    assert (pending.state, final.state) == ("pending", "error")
    assert "stopped renewing its lease" in final.body["description"]


def test_cancelling_a_queued_job_posts_its_final_status(consumer, scm):
    from switchyard.queues import CancelMessage
    from switchyard.services import cancel

    project, _, _ = make_project(scm.url)
    run, _ = queue_run(project, labels=("build",))
    cancel.apply(CancelMessage(run_id=run.id))
    drain(consumer)
    assert [c.state for c in scm.posts()] == ["error"]  # GitHub knows no "canceled"; the pending was overtaken
    assert "canceled" in scm.posts()[0].body["description"]


# ---- PUT /projects/{projectId}/statusToken through the Shippable function


@pytest.fixture
def shippable(env):
    return load_handler("shippable_api")


def put_token(handler, project_id: str, api_token: str, body) -> tuple[int, dict | None]:
    event = load("api/put_projects_status_token.json")
    event = api_event("PUT", f"/projects/{project_id}/statusToken", resource=event["resource"],
                      path_params={"projectId": project_id}, body=body)
    return call(handler, with_token(event, api_token) if api_token else event, CONTEXT)


def test_put_status_token_stores_it_encrypted_and_clears_the_last_error(shippable, scm):
    from switchyard.services import secrets
    from switchyard.store import projects

    project, _, api_token = make_project(None, token=None)
    projects.record_status_error(project.id, "old trouble")
    status, body = put_token(shippable, project.id, api_token, {"statusToken": TOKEN, "scmApiUrl": scm.url})
    assert (status, body) == (204, None)
    stored = stored_project(project.id)
    assert stored.has_status_token and stored.scm_api_url == scm.url and stored.last_status_error is None
    ciphertext = projects.get_status_token_ciphertext(project.id)
    assert TOKEN not in ciphertext and secrets.decrypt(ciphertext, context=project.id) == TOKEN

    assert put_token(shippable, project.id, api_token, {"statusToken": None})[0] == 204
    stored = stored_project(project.id)
    assert not stored.has_status_token and stored.scm_api_url is None
    queue_run(stored, labels=("build",))
    assert status_queue_counts() == (0, 0)


def test_put_status_token_rules(shippable):
    from switchyard.services import projects

    project, _, owner_token = make_project(None, token=None)
    _, other, other_token = make_project(None, token=None, login="eve")
    good = {"statusToken": TOKEN}
    assert put_token(shippable, project.id, "", good)[0] == 401
    assert put_token(shippable, project.id, other_token, good) == (404, {"id": 4001, "message": "project not found"})
    public = projects.create(other, projects.NewProject("github", "eve/public", "file:///x", is_private=False))
    assert put_token(shippable, public.id, owner_token, good)[0] == 403
    assert put_token(shippable, "0" * 24, owner_token, good)[0] == 404
    assert put_token(shippable, "nope", owner_token, good)[0] == 400
    for bad in ({}, {"statusToken": 5}, {"statusToken": "has space"}, {"statusToken": TOKEN, "scmApiUrl": "ftp://x"}):
        status, body = put_token(shippable, project.id, owner_token, bad)
        assert status == 400 and set(body) == {"id", "message"}, bad
    assert not stored_project(project.id).has_status_token


def test_post_projects_takes_the_token_and_never_shows_it(shippable):
    from switchyard.store import accounts

    _, api_token = accounts.create_account("zed")
    event = load("api/post_projects.json")
    body = json.loads(event["body"]) | {"statusToken": TOKEN, "scmApiUrl": "https://ghe.example.com/api/v3"}
    response = shippable(with_token(event | {"body": json.dumps(body)}, api_token), CONTEXT)
    assert response["statusCode"] == 201
    answer = json.loads(response["body"])
    assert answer["hasStatusToken"] is True and answer["scmApiUrl"] == "https://ghe.example.com/api/v3"
    assert TOKEN not in response["body"]
