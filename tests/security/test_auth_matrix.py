"""Every route of template.yaml, whatever dialect: no token or a bad one is refused, and account B can neither
see nor change what account A owns. Routes come from template.yaml, so a newly merged dialect is covered."""

from __future__ import annotations

import pytest

from switchyard.api.openapi import dialect_of
from tests.world import (
    WRITE_METHODS,
    auth_headers,
    fill,
    is_public,
    names_owned,
    nobodys,
    path_parameters,
    route_id,
    table_snapshot,
    template_routes,
    unknown_parameters,
)

ROUTES = template_routes()
PROTECTED = [r for r in ROUTES if not is_public(r)]
LISTS = [r for r in PROTECTED if r.method == "GET" and not path_parameters(r.path)]
NOT_A_TOKEN = "sy_0000000000000000000000000000000000000000"


def _cases(routes):
    """One case per route; a route naming a path parameter the gates cannot resolve is skipped, visibly."""
    for route in routes:
        unknown = unknown_parameters(route)
        if unknown:
            reason = f"unknown path parameter(s) {', '.join(unknown)}: add them to tests/world.py PARAMETERS"
            yield pytest.param(route, id=f"{route_id(route)} [skip: unknown {','.join(unknown)}]",
                               marks=pytest.mark.skip(reason=reason))
        else:
            yield pytest.param(route, id=route_id(route))


def _body(route):
    return {} if route.method in WRITE_METHODS else None


def _leaks(world, text: str) -> list[str]:
    a = world.a
    secrets = {name: a.values[name] for name in ("project_id", "run_id", "job_id", "account_id", "sha")}
    secrets |= {"webhookSecret": a.secret, "full name": a.project["fullName"], "envvar": f"{a.login}-envvar-value"}
    return [name for name, value in secrets.items() if value in text]


@pytest.mark.stack
@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_no_token_is_refused_and_changes_nothing(world, route):
    before = table_snapshot() if route.method in WRITE_METHODS else None
    answer = world.call(route.method, fill(route.path, world.a.values, default="1"), json=_body(route))
    assert answer.status_code == dialect_of(route.path).unauthenticated, answer.text
    assert not _leaks(world, answer.text)
    if before is not None:
        assert table_snapshot() == before


@pytest.mark.stack
@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
@pytest.mark.parametrize("token", [NOT_A_TOKEN, "", "x" * 5000, "apiToken"], ids=["unknown", "empty", "long", "word"])
def test_a_bad_token_is_refused(world, route, token):
    headers = auth_headers(route.path, token)
    answer = world.call(route.method, fill(route.path, world.a.values, default="1"), headers=headers,
                        json=_body(route))
    assert answer.status_code in (401, 403), answer.text
    assert not _leaks(world, answer.text)


@pytest.mark.stack
@pytest.mark.parametrize("route", list(_cases([r for r in PROTECTED if path_parameters(r.path)])))
def test_other_account_cannot_reach_or_change_a_resource(world, route):
    """B's answer about A's resource is a 403/404, or the very answer B gets about one that does not exist."""
    path = fill(route.path, world.a.values)
    headers = auth_headers(route.path, world.b.token)
    before = table_snapshot()
    answer = world.call(route.method, path, headers=headers, json=_body(route))
    assert table_snapshot() == before, f"B's {route.method} changed A's data"
    in_path = {value for value in world.a.values.values() if value in path}
    assert not [leak for leak in _leaks(world, answer.text) if world.a.values.get(leak) not in in_path], answer.text
    if not names_owned(route):
        assert answer.status_code < 500, answer.text  # it selects among B's own things, as a list does
    elif answer.status_code not in (403, 404):
        missing = world.call(route.method, fill(route.path, nobodys(world.a.values)), headers=headers,
                             json=_body(route))
        assert 400 <= answer.status_code < 500 and answer.status_code == missing.status_code, answer.text
    if route.method == "GET":
        # the same request as A is not refused: B's 404 is about ownership, not about a wrong id
        own = world.call("GET", path, headers=auth_headers(route.path, world.a.token))
        assert own.status_code < 500 and own.status_code not in (401, 403), own.text


@pytest.mark.stack
@pytest.mark.parametrize("route", LISTS, ids=route_id)
def test_lists_show_nothing_of_another_account(world, route):
    answer = world.call("GET", route.path, headers=auth_headers(route.path, world.b.token))
    assert answer.status_code < 500, answer.text
    assert not _leaks(world, answer.text), answer.text


@pytest.mark.stack
def test_owner_still_has_everything_afterwards(world):
    """After every refused call above: A's project, run and jobs are intact and A still reads them."""
    from switchyard.store import jobs, projects, runs

    assert projects.get_project(world.a.values["project_id"]) is not None
    run = runs.get_run(world.a.values["run_id"])
    assert run is not None and run.state.value == "success"
    assert [j.id for j in jobs.list_run_jobs(run.id)] == [world.a.values["job_id"]]
    for route in ROUTES:
        if route.method == "GET" and not is_public(route) and not unknown_parameters(route):
            path = fill(route.path, world.a.values)
            answer = world.call("GET", path, headers=auth_headers(route.path, world.a.token))
            assert answer.status_code < 500 and answer.status_code not in (401, 403), f"{path}: {answer.text}"
