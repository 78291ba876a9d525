"""Webhooks on moto: real SCM payloads, signatures, redelivery, unknown repositories, disabled projects."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tests.events import EVENTS, api_event
from tests.integration.handlers import Context, load_handler

CONTEXT = Context("WebhooksFunction", memory_limit_in_mb=1024)


@pytest.fixture
def hooks(aws):
    return load_handler("webhooks")


def make_project(full_name: str, provider: str = "github", auto_build: bool = True):
    from switchyard.domain.ids import new_id
    from switchyard.services import projects
    from switchyard.store import accounts

    account, _ = accounts.create_account(f"owner-{new_id()[-8:]}")
    new = projects.NewProject(provider, full_name, "file:///nowhere", auto_build=auto_build)
    project = projects.create(account, new)
    return project, projects.secret_for(project)


def payload(name: str) -> bytes:
    return (EVENTS / "webhooks" / name).read_bytes()


def deliver(hooks, provider, body: bytes, headers: dict[str, str]):
    event = api_event("POST", f"/hooks/{provider}", body=body.decode(), headers={"Content-Type": "application/json",
                                                                                 **headers})
    response = hooks(event, CONTEXT)
    return response["statusCode"], json.loads(response["body"])


def github_headers(secret: str, body: bytes, event: str, delivery: str = "d-1") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": f"sha256={digest}"}


def queued_triggers() -> list[dict]:
    from switchyard.aws import client
    from switchyard.settings import get_settings

    sqs = client("sqs")
    found = sqs.receive_message(QueueUrl=get_settings().trigger_queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


def test_signed_push_queues_a_run(hooks):
    body = payload("github/push.branch.json")
    repo = json.loads(body)["repository"]["full_name"]
    project, secret = make_project(repo)
    status, answer = deliver(hooks, "github", body, github_headers(secret, body, "push"))
    assert status == 202 and len(answer["runs"]) == 1
    from switchyard.store import runs

    run = runs.get_run(answer["runs"][0])
    assert run.project_id == project.id and run.number == 1
    assert run.commit_sha == json.loads(body)["after"]
    [message] = queued_triggers()
    assert message["trigger"]["project_id"] == project.id


def test_redelivery_gets_the_first_answer_and_queues_nothing(hooks):
    body = payload("github/push.branch.json")
    _, secret = make_project(json.loads(body)["repository"]["full_name"])
    first = deliver(hooks, "github", body, github_headers(secret, body, "push", "same"))
    second = deliver(hooks, "github", body, github_headers(secret, body, "push", "same"))
    assert first == second and first[0] == 202
    assert len(queued_triggers()) == 1


def test_redelivery_of_an_interrupted_delivery_is_refused_while_it_is_marked(hooks, monkeypatch):
    from switchyard.services import webhooks

    body = payload("github/push.branch.json")
    _, secret = make_project(json.loads(body)["repository"]["full_name"])

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # like a kill: the delivery stays marked in progress until the mark expires

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(webhooks, "_queue", killed)
        deliver(hooks, "github", body, github_headers(secret, body, "push", delivery="d-cut"))
    status, answer = deliver(hooks, "github", body, github_headers(secret, body, "push", delivery="d-cut"))
    assert status == 409 and "already being processed" in answer["message"], answer
    assert queued_triggers() == []


@pytest.mark.parametrize("mangle", ["missing", "wrong-secret", "tampered", "sha1-only"])
def test_bad_signature_is_401_and_stores_nothing(hooks, mangle):
    body = payload("github/push.branch.json")
    _, secret = make_project(json.loads(body)["repository"]["full_name"])
    headers = github_headers(secret, body, "push")
    if mangle == "missing":
        del headers["X-Hub-Signature-256"]
    elif mangle == "wrong-secret":
        headers = github_headers("nope", body, "push")
    elif mangle == "tampered":
        body = body.replace(b'"master"', b'"evil"', 1)
    else:
        del headers["X-Hub-Signature-256"]
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    status, _ = deliver(hooks, "github", body, headers)
    assert status == 401
    assert queued_triggers() == []
    from switchyard.store.models import RunModel

    assert list(RunModel.scan()) == []


@pytest.mark.parametrize("provider, event_header", [("github", "X-GitHub-Event"), ("gitlab", "X-Gitlab-Event"),
                                                     ("bitbucket", "X-Event-Key")])
@pytest.mark.parametrize("body", [b"{}", b"null", b'{"repository": {"full_name": "nobody/nothing"}}'])
def test_a_delivery_without_its_proof_is_401_whatever_it_holds(hooks, provider, event_header, body):
    status, answer = deliver(hooks, provider, body, {event_header: "some-event"})

    assert status == 401 and "carries no" in answer["message"]
    assert queued_triggers() == []


def test_unknown_repository_is_404(hooks):
    body = payload("github/push.branch.json")
    status, answer = deliver(hooks, "github", body, github_headers("x", body, "push"))
    assert status == 404 and "no project" in answer["message"]


def test_disabled_project_is_ignored(hooks):
    body = payload("github/push.branch.json")
    _, secret = make_project(json.loads(body)["repository"]["full_name"], auto_build=False)
    status, answer = deliver(hooks, "github", body, github_headers(secret, body, "push"))
    assert status == 200 and "disabled" in answer["ignored"]
    assert queued_triggers() == []


def test_ping_and_closed_pull_request_are_ignored(hooks):
    for name, event in (("github/ping.json", "ping"), ("github/pull_request.closed.json", "pull_request")):
        body = payload(name)
        repo = json.loads(body)["repository"]["full_name"]
        from switchyard.services.projects import secret_for
        from switchyard.store import projects as project_store

        known = project_store.find_by_repo("github", repo)
        secret = secret_for(known) if known else make_project(repo)[1]
        status, answer = deliver(hooks, "github", body, github_headers(secret, body, event, name))
        assert status == 200 and "ignored" in answer
    assert queued_triggers() == []


def test_gitlab_token_and_bitbucket_signature(hooks):
    gitlab = payload("gitlab/push.json")
    _, secret = make_project(json.loads(gitlab)["project"]["path_with_namespace"], provider="gitlab")
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret, "X-Gitlab-Event-UUID": "g-1"}
    assert deliver(hooks, "gitlab", gitlab, headers)[0] == 202
    assert deliver(hooks, "gitlab", gitlab, headers | {"X-Gitlab-Token": "wrong"})[0] == 401

    bitbucket = payload("bitbucket/repo_push.json")
    from switchyard.services import projects

    bb, _ = make_project(json.loads(bitbucket)["repository"]["full_name"], provider="bitbucket")
    digest = hmac.new(projects.secret_for(bb).encode(), bitbucket, hashlib.sha256).hexdigest()
    headers = {"X-Event-Key": "repo:push", "X-Request-UUID": "b-1", "X-Hub-Signature": f"sha256={digest}"}
    assert deliver(hooks, "bitbucket", bitbucket, headers)[0] == 202
