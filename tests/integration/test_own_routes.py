"""Our own routes through the Shippable function on moto: accounts, projects, bad input changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.events import api_event, load, with_token
from tests.integration import handlers

ADMIN = "admin-test-token"
CONTEXT = handlers.Context("ShippableApiFunction")


@pytest.fixture
def shippable(aws):
    return handlers.load_handler("shippable_api")


def call(handler, event):
    return handlers.call(handler, event, CONTEXT)


def make_account(handler, login="alice"):
    event = load("api/post_accounts.json") | {"body": json.dumps({"login": login})}
    status, body = call(handler, with_token(event, ADMIN))
    assert status == 201, body
    return body


def test_health_needs_no_token(shippable):
    assert call(shippable, load("api/get_health.json")) == (200, {"status": "ok"})


def test_admin_creates_account_and_token_is_hashed(shippable):
    from switchyard.store.models import TokenModel

    body = make_account(shippable)
    assert set(body) == {"id", "login", "apiToken"} and body["login"] == "alice"
    stored = [t.token_hash for t in TokenModel.scan()]
    assert body["apiToken"] not in stored and len(stored) == 1


def test_only_admin_creates_accounts(shippable):
    alice = make_account(shippable)
    status, body = call(shippable, with_token(load("api/post_accounts.json"), alice["apiToken"]))
    assert status == 403 and set(body) == {"id", "message"}


def test_duplicate_login_conflicts(shippable):
    make_account(shippable)
    status, body = call(shippable, with_token(load("api/post_accounts.json"), ADMIN))
    assert status == 409 and "alice" in body["message"]


def test_no_or_bad_token_is_401(shippable):
    assert call(shippable, load("api/post_projects.json") | {"headers": {}})[0] == 401
    assert call(shippable, with_token(load("api/post_projects.json"), "wrong"))[0] == 401


def test_create_project(shippable):
    alice = make_account(shippable)
    status, body = call(shippable, with_token(load("api/post_projects.json"), alice["apiToken"]))
    assert status == 201, body
    assert body["fullName"] == "octo/hello" and body["repositoryProvider"] == "github"
    assert body["webhookUrl"] == "/hooks/github" and len(body["webhookSecret"]) == 64
    assert body["subscriptionId"] == alice["id"] and body["isPrivateRepository"] is True


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"repositoryProvider": "svn"}, "repositoryProvider"),
        ({"fullName": "no-slash"}, "fullName"),
        ({"fullName": None}, "fullName"),
        ({"isPrivate": "yes"}, "isPrivate"),
        ({"cloneUrl": "ftp://x"}, "cloneUrl"),
        ({"autoBuild": 1}, "autoBuild"),
    ],
)
def test_bad_project_bodies_name_the_field_and_write_nothing(shippable, patch, field):
    from switchyard.store.models import ProjectModel

    alice = make_account(shippable)
    event = with_token(load("api/post_projects.json"), alice["apiToken"])
    event["body"] = json.dumps(json.loads(event["body"]) | patch)
    status, body = call(shippable, event)
    assert status == 400 and field in body["message"]
    assert list(ProjectModel.scan()) == []


def test_non_json_body_is_400(shippable):
    alice = make_account(shippable)
    event = with_token(load("api/post_projects.json") | {"body": "{not json"}, alice["apiToken"])
    status, body = call(shippable, event)
    assert status == 400 and "JSON" in body["message"]


def test_duplicate_project_conflicts(shippable):
    alice = make_account(shippable)
    event = with_token(load("api/post_projects.json"), alice["apiToken"])
    assert call(shippable, event)[0] == 201
    status, body = call(shippable, event)
    assert status == 409 and "already exists" in body["message"]


def test_oversized_body_is_413(shippable):
    alice = make_account(shippable)
    event = with_token(load("api/post_projects.json") | {"body": " " * (1024 * 1024 + 1)}, alice["apiToken"])
    assert call(shippable, event)[0] == 413


def test_openapi_lists_own_routes(shippable):
    response = shippable(api_event("GET", "/openapi.json"), CONTEXT)
    doc = json.loads(response["body"])
    assert {"/health", "/accounts", "/projects"} <= set(doc["paths"])
