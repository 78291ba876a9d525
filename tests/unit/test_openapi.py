"""The OpenAPI document covers every route of template.yaml, with each dialect's security and error shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from switchyard.api import openapi
from switchyard.local.template import load

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_ROUTES = sorted({(r.method, r.path) for r in load(ROOT / "template.yaml").routes})


def normalised(path: str) -> str:
    """`{name}`, `{name+}` and a Powertools `(?P<name>.+)` all as `{}`: the names may differ, the shape may not."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", path)
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/") or "/"


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(openapi.document())


@pytest.fixture(scope="module")
def operations(document) -> dict[tuple[str, str], tuple[str, dict]]:
    return {
        (method.upper(), normalised(path)): (path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_template_lists_routes():
    assert TEMPLATE_ROUTES, "template.yaml lists no routes"


@pytest.mark.parametrize(("method", "path"), TEMPLATE_ROUTES, ids=[f"{m} {p}" for m, p in TEMPLATE_ROUTES])
def test_every_template_route_is_documented(operations, method, path):
    assert (method, normalised(path)) in operations, f"{method} {path} is missing from /openapi.json"


def test_nothing_documented_that_template_does_not_route(operations):
    routed = {(m, normalised(p)) for m, p in TEMPLATE_ROUTES}
    assert set(operations) <= routed, sorted(set(operations) - routed)


def test_every_dialect_security_scheme_is_declared(document):
    schemes = document["components"]["securitySchemes"]
    assert {d.scheme for d in openapi.DIALECTS} <= set(schemes)
    assert schemes["circleci"] == {"type": "apiKey", "name": "Circle-Token", "in": "header",
                                   "description": "the token"}
    assert schemes["orchestrator"]["name"] == "X-Authentication"
    assert schemes["shippable"]["name"] == schemes["kernelci"]["name"] == "Authorization"


@pytest.mark.parametrize(("method", "path"), TEMPLATE_ROUTES, ids=[f"{m} {p}" for m, p in TEMPLATE_ROUTES])
def test_each_operation_names_its_dialect_security_and_error_shape(operations, document, method, path):
    documented_path, operation = operations[(method, normalised(path))]
    dialect = openapi.dialect_of(path)
    if openapi.is_public(path):
        assert "security" not in operation
    else:
        assert operation["security"] == [{dialect.scheme: []}]
        assert str(dialect.unauthenticated) in operation["responses"]
    default = operation["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
    shape = document["components"]["schemas"][default.rsplit("/", 1)[1]]
    assert shape == dialect.error
    assert "422" not in operation["responses"] or operation["responses"]["422"]["description"] != "Validation Error"
    for name in re.findall(r"\{(\w+)\}", documented_path):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert name in declared, f"{method} {path}: path parameter {name} is not declared"


def test_paths_map_to_the_dialect_of_their_mount_point():
    assert openapi.dialect_of("/api/v1.1/me").scheme == "circleci"
    assert openapi.dialect_of("/orchestrator/v1/jobs/7").scheme == "orchestrator"
    assert openapi.dialect_of("/kernelci/job").scheme == "kernelci"
    assert openapi.dialect_of("/projects").scheme == "shippable"
    assert openapi.dialect_of("/api/v1.10").scheme == "shippable"  # a prefix is a whole segment
    assert openapi.is_public("/hooks/github") and openapi.is_public("/health") and not openapi.is_public("/accounts")


def test_undeclared_success_may_be_any_2xx_while_declared_ones_stay_exact(document):
    assert "2XX" not in document["paths"]["/projects"]["post"]["responses"]
    assert set(document["paths"]["/hooks/github"]["post"]["responses"]) >= {"200", "202", "default"}
    placeholder = {"200": {"description": "Successful Response", "content": {"application/json": {}}}}
    completed = openapi.complete({"paths": {"/kernelci/job": {"get": {"responses": dict(placeholder)}}}})
    responses = completed["paths"]["/kernelci/job"]["get"]["responses"]
    assert {"2XX", "3XX", "403", "default"} <= set(responses)
    assert completed["paths"]["/kernelci/job"]["get"]["security"] == [{"kernelci": []}]
