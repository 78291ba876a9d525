"""One OpenAPI document for every dialect, generated from the routers themselves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aws_lambda_powertools.event_handler as event_handler
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from .common import RestResolver

TITLE = "Switchyard"


def dialect_routers() -> list[tuple[object, str | None]]:
    """(router, prefix) for every dialect; each dialect adds itself here."""
    from . import hooks, own
    from .circleci import routes as circleci
    from .kernelci import app as kernelci_app
    from .kernelci import routes as kernelci
    from .orchestrator import app as orchestrator_app
    from .orchestrator import routes as orchestrator
    from .shippable import routes as shippable

    return [
        (own.router, None),
        (hooks.router, None),
        (shippable.router, None),
        (circleci.router, "/api/v1.1"),
        (orchestrator.router, orchestrator_app.PREFIX),
        (kernelci.router, kernelci_app.PREFIX),
    ]


@dataclass(frozen=True)
class Dialect:
    """What the document says of every route under a mount point: its security scheme and its error shape."""

    prefix: str
    scheme: str
    header: str
    description: str
    error: dict[str, Any]
    unauthenticated: int = 401


def _object(required: dict[str, str], optional: dict[str, str] | None = None) -> dict[str, Any]:
    """An error shape: the required fields with their type; optional ones may also be null."""
    properties = {name: {"type": kind} for name, kind in required.items()}
    properties |= {name: {"type": [kind, "null"]} for name, kind in (optional or {}).items()}
    return {"type": "object", "required": list(required), "properties": properties}


# Longest prefix first: a path belongs to the first dialect whose prefix it starts with.
DIALECTS = (
    Dialect("/api/v1.1", "circleci", "Circle-Token", "the token", _object({"message": "string"})),
    Dialect("/orchestrator/v1", "orchestrator", "X-Authentication", "the token",
            _object({"kind": "string", "msg": "string"}, {"details": "object"})),
    Dialect("/kernelci", "kernelci", "Authorization", "the token (or `token <token>`)",
            _object({"code": "integer"}, {"reason": "string", "message": "string", "errors": "array"}),
            unauthenticated=403),
    Dialect("", "shippable", "Authorization", "`apiToken <token>`", _object({"id": "integer", "message": "string"})),
)
# Routes anyone may call: liveness, this document, and webhooks (they prove themselves with a signature instead).
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs"})
PUBLIC_PREFIXES = ("/hooks/",)


def dialect_of(path: str) -> Dialect:
    return next(d for d in DIALECTS if path == d.prefix or path.startswith(f"{d.prefix}/"))


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


router = Router()


@router.get("/openapi.json", summary="This document", tags=["switchyard"],
            responses={200: {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {
                "type": "object", "required": ["openapi", "paths"]}}}}})
def openapi_json():
    return Response(200, content_types.APPLICATION_JSON, document())


@router.get("/docs", summary="This document in Swagger UI (served whole: no CDN needed)", tags=["switchyard"],
            responses={200: {"description": "an HTML page", "content": {"text/html": {}}}})
def docs():
    if (router.current_event.query_string_parameters or {}).get("format") == "json":
        return openapi_json()  # what Swagger UI's own "download" link asks for
    return Response(200, "text/html", swagger_page())


def register_document_routes(app: APIGatewayRestResolver) -> None:
    app.include_router(router)


@cache
def document() -> str:
    combined = RestResolver(enable_validation=True)
    routers = [*dialect_routers(), (router, None)]
    # include_router() makes the combined app the routers' resolver; give them back to their own apps
    owners = [(each, each.api_resolver) for each, _ in routers]
    for each, prefix in routers:
        combined.include_router(each, prefix=prefix)
    for each, owner in owners:
        each.api_resolver = owner
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn  # 45 ms: not at cold start

    schemes = {d.scheme: APIKey(name=d.header, in_=APIKeyIn.header, description=d.description) for d in DIALECTS}
    generated = combined.get_openapi_json_schema(
        title=TITLE,
        version="1.0.0",
        description="Shippable at /, CircleCI v1.1 at /api/v1.1, Puppet orchestrator at /orchestrator/v1, "
        "KernelCI at /kernelci, and Switchyard's own routes. Every error is in its dialect's own shape "
        "(the `default` response of each operation).",
        security_schemes=schemes,
    )
    from .openapi_refine import refine

    return json.dumps(complete(refine(json.loads(generated))), separators=(",", ":"))


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """What every operation has in common, added where its route declared nothing more precise.

    - security: the scheme of the dialect that owns the path, unless the route is public;
    - errors: validation answers 400 in the dialect's shape (not Powertools' 422), and every other error
      status is the `default` response with that shape;
    - success: a route that declared no response of its own may answer any 2xx (and a GET may redirect).
    """
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for dialect in DIALECTS:
        schemas[_error_name(dialect)] = dialect.error
    for path, item in doc.get("paths", {}).items():
        dialect = dialect_of(path)
        for method, operation in item.items():
            _complete_operation(operation, method, dialect, public=is_public(path))
    _drop_unused(doc, ("HTTPValidationError", "ValidationError", "ResponseValidationError"))
    return doc


def _error_name(dialect: Dialect) -> str:
    return f"{dialect.scheme.capitalize()}Error"


def _complete_operation(operation: dict[str, Any], method: str, dialect: Dialect, *, public: bool) -> None:
    responses = operation.setdefault("responses", {})
    for empty in ("204", "304"):  # Powertools gives every declared response a JSON body; these have none
        if empty in responses:
            responses[empty].pop("content", None)
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{_error_name(dialect)}"}}}
    if responses.get("422", {}).get("description") == "Validation Error":
        del responses["422"]
        if operation.get("parameters") or operation.get("requestBody"):
            responses.setdefault("400", {"description": "the request is not valid", "content": error})
    if not public:
        operation.setdefault("security", [{dialect.scheme: []}])
        responses.setdefault(str(dialect.unauthenticated), {"description": "no token, or not a valid one",
                                                            "content": error})
    if _declares_no_success(responses):
        responses.setdefault("2XX", {"description": "success (the route declares no more precise answer)"})
        if method == "get":
            responses.setdefault("3XX", {"description": "a redirect, e.g. to a presigned download"})
    responses.setdefault("default", {"description": f"an error in the {dialect.scheme} dialect's shape",
                                     "content": error})


def _declares_no_success(responses: dict[str, Any]) -> bool:
    """Only Powertools' placeholder: a `200` with no schema and the stock description."""
    success = {code: r for code, r in responses.items() if code.startswith("2")}
    if set(success) != {"200"}:
        return False
    placeholder = success["200"]
    return placeholder.get("description") == "Successful Response" and not any(
        "schema" in media for media in placeholder.get("content", {}).values()
    )


def _drop_unused(doc: dict[str, Any], names: tuple[str, ...]) -> None:
    """Powertools' stock schemas, once nothing refers to them any more."""
    schemas = doc.get("components", {}).get("schemas", {})
    dropped = True
    while dropped:
        dropped = False
        for name in [n for n in names if n in schemas]:
            others = {k: v for k, v in schemas.items() if k != name}
            if f'"#/components/schemas/{name}"' not in json.dumps([doc.get("paths", {}), others]):
                dropped = bool(schemas.pop(name))


@cache
def swagger_page() -> str:
    """Swagger UI with its JavaScript and CSS inlined (Powertools ships them), so /docs works offline."""
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    assets = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"
    script = (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    style = (assets / "swagger-ui.min.css").read_text(encoding="utf-8")
    return generate_swagger_html(document().replace("</", "<\\/"), script, style, "", None)
