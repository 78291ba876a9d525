"""Ids and the per-dialect token forms: every dialect's header resolves to the same token."""

import base64

from switchyard import auth
from switchyard.domain import ids
from switchyard.domain.model import hash_token, new_token, webhook_secret


def test_new_ids_are_24_hex_and_unique():
    made = {ids.new_id() for _ in range(2000)}
    assert len(made) == 2000
    assert all(ids.is_object_id(i) for i in made)


def test_derived_ids_are_stable():
    assert ids.derived_id("github", "delivery-1") == ids.derived_id("github", "delivery-1")
    assert ids.derived_id("github", "delivery-1") != ids.derived_id("github", "delivery-2")
    assert ids.is_object_id(ids.derived_id("x"))


def test_is_object_id_rejects_other_shapes():
    assert not ids.is_object_id("56d28c4e0dc2d81300a2b63")
    assert not ids.is_object_id("56D28C4E0DC2D81300A2B634")
    assert not ids.is_object_id(12345)


def test_tokens_are_random_and_stored_as_digests():
    token = new_token()
    assert token != new_token()
    assert hash_token(token) != token and len(hash_token(token)) == 64


def test_shippable_header():
    assert auth.shippable_token({"Authorization": "apiToken abc"}) == "abc"
    assert auth.shippable_token({"authorization": "apitoken abc"}) == "abc"
    assert auth.shippable_token({"Authorization": "Bearer abc"}) is None
    assert auth.shippable_token({}) is None


def test_circleci_forms():
    basic = "Basic " + base64.b64encode(b"tok:").decode()
    assert auth.circleci_token({"Circle-Token": "tok"}, None) == "tok"
    assert auth.circleci_token({"Authorization": basic}, None) == "tok"
    assert auth.circleci_token({}, {"circle-token": "tok"}) == "tok"
    assert auth.circleci_token({"Authorization": "Basic !!!"}, None) is None


def test_orchestrator_and_kernelci_forms():
    assert auth.orchestrator_token({"X-Authentication": "tok"}) == "tok"
    assert auth.kernelci_token({"Authorization": "tok"}) == "tok"
    assert auth.kernelci_token({"Authorization": "token tok"}) == "tok"


def test_webhook_secret_is_per_project():
    assert webhook_secret("k", "p1") != webhook_secret("k", "p2")
    assert webhook_secret("k", "p1") == webhook_secret("k", "p1")
