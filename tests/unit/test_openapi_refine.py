"""What routes check by themselves is in the document too, so a generated request that the document calls valid
is one the route accepts, and the document is valid OpenAPI (no API Gateway `{name+}` in a path)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from openapi_spec_validator import validate

from switchyard.api import openapi
from switchyard.domain.errors import Invalid
from switchyard.services import projects
from switchyard.webhooks.verify import SIGNATURE_HEADERS


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(openapi.document())


def _parameter(operation: dict, name: str, where: str = "path") -> dict:
    return next(p for p in operation.get("parameters", []) if p["name"] == name and p["in"] == where)


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_greedy_parameters_become_plain_templates_with_a_declared_parameter(document):
    assert not [path for path in document["paths"] if "+}" in path]
    artifact = document["paths"]["/api/v1.1/project/{vcs}/{user}/{project}/{build_num}/artifacts/{path}"]["get"]
    assert _parameter(artifact, "path")["required"] is True
    for path, item in document["paths"].items():
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), path


@pytest.mark.parametrize("path, name", [("/projects/{projectId}", "projectId"), ("/jobs/{jobId}", "jobId"),
                                        ("/builds/{buildId}", "buildId"), ("/accounts/{accountId}", "accountId")])
def test_shippable_ids_are_24_hex(document, path, name):
    pattern = _parameter(document["paths"][path]["get"], name)["schema"]["pattern"]
    assert re.fullmatch(pattern, "0123456789abcdef01234567")
    assert not re.fullmatch(pattern, "0123456789ABCDEF01234567") and not re.fullmatch(pattern, "12")


def test_build_counts_carry_their_bounds(document):
    schema = _parameter(document["paths"]["/projects/{projectId}/recentBuilds/{number}"]["get"], "number")["schema"]
    assert (schema["minimum"], schema["maximum"]) == (1, 50)


@pytest.mark.parametrize("path, required", [("/workflow/triggerBuild", ["projectId"]),
                                            ("/workflow/cancelBuild", ["BuildId"]),
                                            ("/workflow/validateDockerHubCredentials", ["username", "password"])])
def test_workflow_bodies_read_by_hand_are_documented_as_json_or_form(document, path, required):
    body = document["paths"][path]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    assert body["content"]["application/json"]["schema"]["required"] == required


@pytest.mark.parametrize("provider", ["github", "gitlab", "bitbucket"])
def test_webhooks_document_their_event_and_signature_headers(document, provider):
    operation = document["paths"][f"/hooks/{provider}"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header" and p["required"]}
    assert SIGNATURE_HEADERS[provider] in headers and len(headers) == 2
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"


def test_kernelci_job_body_names_its_mandatory_keys(document):
    schema = document["paths"]["/kernelci/job"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["job", "kernel", "git_branch"]
    assert "PASS" in schema["properties"]["status"]["enum"]


FIELDS = {"fullName": "full_name", "cloneUrl": "clone_url", "sourceDefaultBranch": "default_branch",
          "scmApiUrl": "scm_api_url"}


def _service_accepts(name: str, value: str) -> bool:
    new = projects.NewProject("github", "owner/repo", "https://example.com/o/r.git")
    try:
        projects.validate(dataclasses.replace(new, **{FIELDS[name]: value}))
    except Invalid:
        return False
    return True


@pytest.mark.parametrize("name, good, bad", [
    ("fullName", "owner/repo.js", "owner/../repo"),
    ("cloneUrl", "https://example.com/o/r.git", "ftp://example.com/o/r"),
    ("cloneUrl", "git@example.com:o/r.git", "https://example.com/o\x1cr"),
    ("sourceDefaultBranch", "release/1.x", "ma\x1cin"),
    ("sourceDefaultBranch", "main", "ma\x85in"),
    ("scmApiUrl", "https://ghe.example.com/api/v3", "ftp://ghe.example.com"),
])
def test_project_field_patterns_agree_with_the_service_checks(document, name, good, bad):
    schema = document["components"]["schemas"]["ProjectIn"]["properties"][name]
    pattern = next(v["pattern"] for v in schema.get("anyOf", [schema]) if "pattern" in v)
    assert re.search(pattern, good) and _service_accepts(name, good)
    assert not re.search(pattern, bad) and not _service_accepts(name, bad)
