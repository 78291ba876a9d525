"""What some routes read by themselves, which Powertools cannot see in their signatures, added to the document.

- API Gateway's greedy `{name+}` is not an OpenAPI path template: the document says `{name}` (it may hold slashes);
- path parameters a route checks itself (24-hex ids, a build count, an integer job id, a KernelCI field);
- bodies read by hand: Shippable's `/workflow/*` take a form or JSON, KernelCI's `POST /job` checks its own JSON;
- the headers a webhook delivery must carry.

Only the document generator imports this module, so none of it weighs on a function's cold start.
"""

from __future__ import annotations

import re
from typing import Any

GREEDY = re.compile(r"\{(\w+)\+\}")
# Not whitespace as Python's str.isspace() sees it (the services' checks): `\S` alone lets a generator pick the
# information separators U+001C-U+001F and NEL, which Python counts as spaces.
NOT_SPACE = r"[^\s\u001c-\u001f\u0085]"
OBJECT_ID = {"type": "string", "pattern": "^[0-9a-f]{24}$", "description": "a 24 character hex id"}


def refine(doc: dict[str, Any]) -> dict[str, Any]:
    refined: dict[str, Any] = {}
    for template, item in doc.get("paths", {}).items():
        path, greedy = GREEDY.sub(r"{\1}", template), GREEDY.findall(template)
        refined[path] = item
        for method, operation in item.items():
            parameters = operation.setdefault("parameters", [])
            for name in greedy:
                parameters.append({"name": name, "in": "path", "required": True, "description": "may hold slashes",
                                   "schema": {"type": "string", "minLength": 1}})
            for parameter in parameters:
                if parameter.get("in") == "path":
                    parameter["schema"] = {**parameter.get("schema", {}), **path_constraint(path, parameter["name"])}
            for extra in read_by_hand().get((method, path), []):
                _merge(operation, extra)
            if not parameters:
                del operation["parameters"]
    doc["paths"] = refined
    _constrain_project_fields(doc.get("components", {}).get("schemas", {}))
    return doc


def _constrain_project_fields(schemas: dict[str, Any]) -> None:
    """Project bodies: the formats services.projects checks by itself (a pattern here, a 400 there)."""
    from ..domain.model import FULL_NAME
    from ..services.projects import CLONE_SCHEMES, STATUS_TOKEN

    patterns = {
        "fullName": FULL_NAME.pattern,
        "statusToken": f"^({STATUS_TOKEN.pattern})?$",  # empty: no token
        "cloneUrl": "^(" + "|".join(re.escape(scheme) for scheme in CLONE_SCHEMES) + f")({NOT_SPACE})+$",
        "scmApiUrl": f"^(https?://({NOT_SPACE})+)?$",  # empty: the provider's public API
        "sourceDefaultBranch": f"^({NOT_SPACE})+$",
    }
    for schema in schemas.values():
        for name, pattern in patterns.items():
            field = schema.get("properties", {}).get(name)
            if field is None:
                continue
            for variant in field.get("anyOf", [field]):  # an optional field is a string or null
                if variant.get("type") == "string":
                    variant["pattern"] = pattern


def path_constraint(path: str, name: str) -> dict[str, Any]:
    """What the route's own checks allow for a path parameter, beyond its type."""
    from ..services.builds import MAX_NUMBER
    from .kernelci.params import DISTINCT_FIELDS

    if path.startswith("/orchestrator/v1/") and name == "job_id":
        return {"type": "string", "pattern": r"^[+-]?\d{1,18}$"}
    if path.startswith("/kernelci/") and name == "field":
        return {"type": "string", "enum": list(DISTINCT_FIELDS)}
    if path.startswith(("/api/", "/orchestrator/", "/kernelci/", "/hooks/")):
        return {}
    if name in ("accountId", "projectId", "jobId", "buildId"):
        return dict(OBJECT_ID)
    if name == "number":
        return {"type": "integer", "minimum": 1, "maximum": MAX_NUMBER}
    return {}


def _merge(operation: dict[str, Any], extra: dict[str, Any]) -> None:
    if "parameters" in extra:
        operation.setdefault("parameters", []).extend(extra["parameters"])
    if "requestBody" in extra:
        operation["requestBody"] = extra["requestBody"]


def _body(schema: dict[str, Any], *media: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {m: {"schema": schema} for m in media}}}


def _model_body(model: Any) -> dict[str, Any]:
    """A Shippable form-or-JSON body, as the route's own pydantic model validates it."""
    schema = model.model_json_schema()
    schema.pop("title", None)
    for name in ("projectId", "BuildId"):
        if name in schema.get("properties", {}):
            schema["properties"][name] = {**schema["properties"][name], **OBJECT_ID}
    return _body(schema, "application/json", "application/x-www-form-urlencoded")


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1}}


def read_by_hand() -> dict[tuple[str, str], list[dict[str, Any]]]:
    from ..webhooks import bitbucket, github, gitlab
    from ..webhooks.verify import SIGNATURE_HEADERS
    from .kernelci.params import MANDATORY_KEYS, VALID_STATUS
    from .shippable.routes import CancelInput, DockerHubInput, ProjectInput, TriggerInput

    kernelci_job = {
        "type": "object",
        "required": list(MANDATORY_KEYS),
        "properties": {**{key: {"type": "string"} for key in MANDATORY_KEYS},
                       "status": {"type": "string", "enum": list(VALID_STATUS)},
                       "git_commit": {"type": ["string", "null"]}},
    }
    hmac = "sha256=<HMAC-SHA256 of the raw body keyed with the project's webhook secret>"
    proof = {"github": hmac, "gitlab": "the project's webhook secret", "bitbucket": hmac}
    events = {"github": (github, "push, pull_request, ping …"), "gitlab": (gitlab, "Push Hook, Merge Request Hook …"),
              "bitbucket": (bitbucket, "repo:push, pullrequest:created …")}
    delivery = {"type": "object", "description": "the provider's event payload"}
    hooks = {provider: [{"parameters": [_header(module.EVENT_HEADER, f"the event: {examples}"),
                                        _header(SIGNATURE_HEADERS[provider], proof[provider])]},
                        _body(delivery, "application/json")]
             for provider, (module, examples) in events.items()}
    refinements: dict[tuple[str, str], list[dict[str, Any]]] = {
        ("post", "/workflow/triggerBuild"): [_model_body(TriggerInput)],
        ("post", "/workflow/enableRepoBuild"): [_model_body(ProjectInput)],
        ("post", "/workflow/disableBuild"): [_model_body(ProjectInput)],
        ("post", "/workflow/cancelBuild"): [_model_body(CancelInput)],
        ("post", "/workflow/validateDockerHubCredentials"): [_model_body(DockerHubInput)],
        ("post", "/kernelci/job"): [_body(kernelci_job, "application/json")],
        ("post", "/kernelci/jobs"): [_body(kernelci_job, "application/json")],
    }
    for provider, extras in hooks.items():
        refinements[("post", f"/hooks/{provider}")] = extras
    return refinements
