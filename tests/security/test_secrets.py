"""Secrets stay secret: tokens are stored hashed, never logged (even in a request line), and a build's environment
holds none of the runner's credentials (tests/e2e/test_builds.py checks the same for a matrix build)."""

from __future__ import annotations

import json

import pytest

from switchyard.domain.model import hash_token
from tests.world import auth_headers, fill, is_public, nobodys, table_snapshot, template_routes


@pytest.mark.stack
def test_tokens_are_stored_only_as_hashes(world):
    from switchyard.settings import get_settings

    everything = json.dumps(table_snapshot())
    for tenant in (world.a, world.b):
        assert tenant.token not in everything
        assert hash_token(tenant.token) in everything
    assert world.stack.admin_token not in everything
    tokens = table_snapshot()["tokens_table"]
    assert tokens and all(item["token_hash"]["S"] != world.a.token for item in tokens)
    assert get_settings().tokens_table


@pytest.mark.stack
def test_tokens_and_secrets_never_reach_the_log(world):
    """Every protected route with the token in every form a dialect reads (header, basic auth, query string)."""
    token = world.a.token
    for route in template_routes():
        if is_public(route):
            continue
        # writes aim at nobody's ids: this test is about logs, not about changing A's data
        values = world.a.values if route.method == "GET" else nobodys(world.a.values)
        path = fill(route.path, values, default="1")
        body = None if route.method == "GET" else {}
        world.call(route.method, path, headers=auth_headers(route.path, token), json=body)
        world.call(route.method, path, params={"circle-token": token}, json=body)
    world.call("GET", "/health", params={"circle-token": token, "token": token})
    world.call("GET", "/health", auth=(token, ""))
    log = world.stack.log()
    assert "GET /health" in log, "the access log is on: requests are logged"
    for secret in (world.a.token, world.b.token, world.a.secret, world.b.secret):
        assert secret not in log
    # the admin token is printed once, by design, when serve starts (CONTRACT.md)
    assert log.count(world.stack.admin_token) == 1


@pytest.mark.stack
def test_a_build_environment_holds_no_runner_secret(world):
    from switchyard import blobs

    runner_env = dict(line.split("=", 1) for line in (world.stack.data_dir / "runner.env").read_text().splitlines())
    console = blobs.get_bytes(blobs.console_key(world.a.values["job_id"])).decode()
    assert "hello from the build" in console and "CI=true" in console
    assert "AWS_" not in console and "SWITCHYARD_" not in console
    secrets = {n: v for n, v in runner_env.items() if any(w in n for w in ("SECRET", "KEY", "TOKEN", "PASSWORD"))}
    assert "AWS_SECRET_ACCESS_KEY" in secrets  # (a short value like the local key id "local" may occur by chance)
    for name, value in secrets.items():
        assert len(value) < 12 or value not in console, f"the build sees the runner's {name}"
