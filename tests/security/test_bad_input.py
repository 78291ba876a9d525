"""Hostile input on every route of template.yaml: oversized bodies get 413; NUL bytes, huge integers, wrong JSON
types and unknown ids get a 4xx, never a 5xx. Write routes are aimed at ids nobody owns, so nothing is changed."""

from __future__ import annotations

import json

import pytest

from tests.world import (
    WRITE_METHODS,
    auth_headers,
    body_properties,
    fill,
    path_parameters,
    query_parameters,
    route_id,
    table_snapshot,
    template_routes,
)

ROUTES = template_routes()
WRITES = [r for r in ROUTES if r.method in WRITE_METHODS]
API_WRITES = [r for r in WRITES if not r.path.startswith("/hooks/")]
HOOKS = [r for r in WRITES if r.path.startswith("/hooks/")]
WITH_IDS = [r for r in ROUTES if path_parameters(r.path)]
WITH_QUERY = [r for r in ROUTES if r.method == "GET" and query_parameters(r)]  # reads: real ids are safe
MiB = 1024 * 1024
UNKNOWN_IDS = {
    "hex": "0123456789abcdef01234567",
    "huge-int": "9" * 40,
    "negative": "-1",
    "nul": "a\x00b",
    "long": "z" * 2000,
    "unicode": "\u00e9\u2603",
}
HOSTILE_VALUES = {
    "nul": "a\x00b",
    "huge-int": 10**40,
    "negative-huge": -(10**40),
    "float": 1e308,
    "list": [1, [2]],
    "object": {"a": {"b": None}},
    "bool": True,
    "null": None,
}


def _headers(world, route, extra=None):
    return {**auth_headers(route.path, world.a.token), **(extra or {})}


def _nobodys(route) -> str:
    """The route aimed at an id nobody owns (any other parameter: the same made-up value)."""
    return fill(route.path, {}, default=UNKNOWN_IDS["hex"]) if path_parameters(route.path) else route.path


@pytest.mark.stack
@pytest.mark.parametrize("route", API_WRITES, ids=route_id)
def test_api_body_over_one_mib_is_413(world, route):
    answer = world.call(route.method, _nobodys(route), headers=_headers(world, route),
                        data=b'{"x":"' + b"a" * MiB + b'"}')
    assert answer.status_code == 413, answer.text[:500]


@pytest.mark.stack
@pytest.mark.parametrize("route", HOOKS, ids=route_id)
def test_webhook_body_limit_is_25_mib(world, route):
    headers = {"Content-Type": "application/json"}
    under = world.call(route.method, route.path, headers=headers, data=b'{"x":"' + b"a" * (2 * MiB) + b'"}')
    assert under.status_code not in (413,) and under.status_code < 500, under.text[:500]
    over = world.call(route.method, route.path, headers=headers, data=b'{"x":"' + b"a" * (25 * MiB) + b'"}')
    assert over.status_code == 413, over.text[:500]


@pytest.mark.stack
@pytest.mark.parametrize("route", WITH_IDS, ids=route_id)
@pytest.mark.parametrize("kind", list(UNKNOWN_IDS))
def test_unknown_or_malformed_ids_are_4xx(world, route, kind):
    path = fill(route.path, {}, default=UNKNOWN_IDS[kind])
    before = table_snapshot() if route.method in WRITE_METHODS else None
    answer = world.call(route.method, path, headers=_headers(world, route),
                        json={} if route.method in WRITE_METHODS else None)
    assert 400 <= answer.status_code < 500, answer.text[:500]
    if before is not None:
        assert table_snapshot() == before


def _hostile_bodies(route) -> dict[str, bytes]:
    bodies = {
        "raw-nul": b"\x00\x01\x02\xff",
        "not-json": b"{'single': quotes}",
        "json-array": b"[1, 2]",
        "json-string": b'"text"',
        "json-huge-int": b"9" * 5000,
        "deep-nesting": b"[" * 5000 + b"]" * 5000,
    }
    properties = body_properties(route) or {"id": {}, "name": {}}
    for name, value in HOSTILE_VALUES.items():
        bodies[f"fields-{name}"] = json.dumps({p: value for p in properties}).encode()
    return bodies


@pytest.mark.stack
@pytest.mark.parametrize("route", WRITES, ids=route_id)
def test_hostile_bodies_are_never_5xx(world, route):
    """Top-level non-objects are 4xx; hostile field values may be accepted by a lenient route but never 5xx."""
    before = table_snapshot() if path_parameters(route.path) else None
    for kind, body in _hostile_bodies(route).items():
        answer = world.call(route.method, _nobodys(route), data=body,
                            headers=_headers(world, route, {"Content-Type": "application/json"}))
        if kind.startswith("fields-"):
            assert answer.status_code < 500, f"{kind}: {answer.status_code} {answer.text[:500]}"
        else:
            assert 400 <= answer.status_code < 500, f"{kind}: {answer.status_code} {answer.text[:500]}"
    if before is not None:
        assert table_snapshot() == before


WRONG_TYPE = {"string": 12345, "integer": "twelve", "number": "twelve", "boolean": "yes", "array": {"a": 1},
              "object": [1]}


def _wrongly_typed(properties: dict) -> dict:
    """Each documented field with a value of another JSON type than the one it declares."""
    body = {}
    for name, schema in properties.items():
        declared = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
        kinds = [k for d in declared for k in (d if isinstance(d, list) else [d])]  # OpenAPI 3.1: ["string", "null"]
        kind = next((k for k in kinds if k in WRONG_TYPE), None)
        if kind is not None:
            body[name] = WRONG_TYPE[kind]
    return body


@pytest.mark.stack
@pytest.mark.parametrize("route", [r for r in WRITES if _wrongly_typed(body_properties(r))], ids=route_id)
def test_documented_fields_of_the_wrong_json_type_are_4xx(world, route):
    body = _wrongly_typed(body_properties(route))
    answer = world.call(route.method, _nobodys(route), json=body, headers=_headers(world, route))
    assert 400 <= answer.status_code < 500, f"{body}: {answer.status_code} {answer.text[:500]}"


@pytest.mark.stack
@pytest.mark.parametrize("route", WITH_QUERY, ids=route_id)
def test_hostile_query_values_are_never_5xx(world, route):
    path = fill(route.path, world.a.values, default="1")
    for name in query_parameters(route):
        for value in ("9" * 40, "-1", "a\x00b", "", "1e308", "[]", "z" * 5000):
            answer = world.call("GET", path, params={name: value}, headers=_headers(world, route))
            assert answer.status_code < 500, f"{name}={value[:20]!r}: {answer.status_code} {answer.text[:500]}"


@pytest.mark.stack
@pytest.mark.parametrize("route", WRITES, ids=route_id)
@pytest.mark.parametrize("content_type", ["application/xml", "application/octet-stream",
                                          "multipart/form-data; boundary=x", "multipart/form-data",
                                          "application/x-www-form-urlencoded"])
def test_unexpected_content_types_are_never_5xx(world, route, content_type):
    answer = world.call(route.method, _nobodys(route), data=b'{"a": 1}',
                        headers=_headers(world, route, {"Content-Type": content_type}))
    assert answer.status_code < 500, answer.text[:500]
