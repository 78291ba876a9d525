"""What every dialect's resolver shares: body limits, JSON parsing, and mapping domain errors to a dialect's shape."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from ..domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from ..observability import logger

STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unsupported: 415,
    # 424 Failed Dependency, not 502: the request was fine and Switchyard worked, a service outside it did not
    # answer (Docker Hub). A 5xx from Switchyard always means a bug of its own.
    Unavailable: 424,
}

# (status, message, error) -> Response in the dialect's own error shape
Renderer = Callable[[int, str, DomainError | None], Response]

_GREEDY = re.compile(r"<\w+\+>")


class RestResolver(APIGatewayRestResolver):
    """Powertools' REST resolver plus API Gateway's greedy `{name+}`, written `<name+>` in a rule.

    Powertools has no greedy parameter, and a named group would be validated as a query parameter;
    the greedy part matches anonymously and handlers read it with `path_parameter(app, name)`.
    """

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}/*$"):
        return APIGatewayRestResolver._compile_regex(_GREEDY.sub(".+", rule))


def path_parameter(app: Any, name: str) -> str:
    """A path parameter as API Gateway passed it (greedy ones included), percent-decoded."""
    value = (app.current_event.path_parameters or {}).get(name) or ""
    return unquote(value) if "%" in value else value


def status_of(error: DomainError, overrides: dict[type[DomainError], int] | None = None) -> int:
    for kind in type(error).__mro__:
        if overrides and kind in overrides:
            return overrides[kind]
        if kind in STATUS:
            return STATUS[kind]
    return 400


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def describe_validation(err: RequestValidationError) -> str:
    """One human line naming the offending field(s), without leaking pydantic internals."""
    parts = []
    for item in err.errors():
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]
        kind = item.get("type", "")
        if kind == "json_invalid":
            return "the request body is not valid JSON"
        field = ".".join(loc) or "body"
        message = item.get("msg") or kind
        parts.append(f"{field}: {message}")
    return "; ".join(parts) or "the request is not valid"


def header(event: Any, name: str) -> str | None:
    """A request header, whatever its case."""
    lowered = name.lower()
    for key, value in (event.headers or {}).items():
        if key.lower() == lowered:
            return value
    return None


def base_url(event: Any) -> str:
    """`scheme://host[/stage]` of the request as the client sent it, for absolute links in answers.

    The scheme is X-Forwarded-Proto when a proxy (API Gateway, a load balancer) set it. The stage is kept
    only when the client's path carried it, as it does on an execute-api host and not on a custom domain.
    """
    host = header(event, "Host") or event.request_context.domain_name or "localhost"
    proto = (header(event, "X-Forwarded-Proto") or "http").split(",")[0].strip()
    stage = event.request_context.stage
    prefix = ""
    if stage and stage != "$default" and (event.request_context.path or "").startswith(f"/{stage}/"):
        prefix = f"/{stage}"
    return f"{proto}://{host}{prefix}"


def raw_body(app: Any) -> bytes:
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body)
    return body.encode() if isinstance(body, str) else body


def body_is_unreadable(app: Any) -> bool:
    """True when the body is not even JSON text a parser can take: not UTF-8, nested too deep, or a number
    longer than Python converts (a body that is merely not JSON is Powertools' own `json_invalid`)."""
    try:
        json.loads(raw_body(app).decode("utf-8") or "null")
    except json.JSONDecodeError:
        return False
    except (ValueError, RecursionError):
        return True
    return False


def json_body(app: APIGatewayRestResolver, *, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object, or Invalid explaining why it is not one."""
    data = raw_body(app)
    if not data.strip():
        if required:
            raise Invalid("a JSON body is required")
        return {}
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise Invalid("the request body is not valid JSON") from err
    if not isinstance(parsed, dict):
        raise Invalid("the request body must be a JSON object")
    return parsed


def install(
    app: APIGatewayRestResolver,
    render: Renderer,
    *,
    max_body: int,
    overrides: dict[type[DomainError], int] | None = None,
    not_found_message: str = "not found",
    authenticate: Callable[[], object] | None = None,
    public_paths: frozenset[str] = frozenset(),
    relabel_json: bool = True,
) -> None:
    """Register the dialect's error mapping and body limit on a resolver."""

    app.switchyard_limits = {"max_body": max_body, "render": render, "relabel_json": relabel_json}  # type: ignore[attr-defined]

    @app.exception_handler(DomainError)
    def domain_error(err: DomainError) -> Response:
        return render(status_of(err, overrides), err.message, err)

    def refused() -> Response | None:
        """Validation runs before the route; a caller without a valid token must still hear 401 first."""
        if authenticate is not None and app.current_event.resource not in public_paths:
            try:
                authenticate()
            except DomainError as auth_error:
                return render(status_of(auth_error, overrides), auth_error.message, auth_error)
        return None

    @app.exception_handler(RequestValidationError)
    def validation_error(err: RequestValidationError) -> Response:
        message = describe_validation(err)
        return refused() or render(400, message, Invalid(message))

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_content_type(_err: Exception | None = None) -> Response:
        content_type = app.current_event.headers.get("content-type", "")
        message = f"a JSON body is expected, not {content_type[:100]}"
        return refused() or render(status_of(Unsupported(message), overrides), message, Unsupported(message))

    @app.exception_handler([ValueError, RecursionError])
    def unreadable_body(err: Exception) -> Response:
        # Powertools' validation decodes the body itself: bytes that are not UTF-8, JSON nested deeper than a
        # parser goes, a 5000-digit number or a multipart type without its boundary are the client's error.
        # The same exceptions from elsewhere stay a bug.
        if app.current_event.headers.get("content-type", "").lower().startswith("multipart/"):
            return unsupported_content_type()
        if not body_is_unreadable(app):
            return unexpected(err)
        message = "the request body is not valid JSON"
        return refused() or render(400, message, Invalid(message))

    @app.not_found
    def not_found(_exc: Exception) -> Response:
        return render(404, not_found_message, NotFound(not_found_message))

    @app.exception_handler(Exception)
    def unexpected(err: Exception) -> Response:
        logger.exception("unhandled error", extra={"path": app.current_event.path})
        return render(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error", None)


def resolve(app: APIGatewayRestResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry shared by the dialect functions: the body limit first, then the resolver.

    Clients (curl without -H, old SDKs) often send JSON labelled as a form or as text; the original
    services read it as JSON, so such bodies are relabelled before validation.
    """
    limits = app.switchyard_limits  # type: ignore[attr-defined]
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > limits["max_body"]:
        response = limits["render"](413, f"the request body is larger than {limits['max_body']} bytes", None)
        return response_to_proxy(response)
    headers = event.get("headers") or {}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    relabel = not content_type or content_type.startswith(("application/x-www-form-urlencoded", "text/plain"))
    if limits["relabel_json"] and body and not event.get("isBase64Encoded") and relabel:
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        headers["content-type"] = "application/json"
        event = {**event, "headers": headers}
        if event.get("multiValueHeaders"):
            multi = {k: v for k, v in event["multiValueHeaders"].items() if k.lower() != "content-type"}
            multi["content-type"] = ["application/json"]
            event["multiValueHeaders"] = multi
    return app.resolve(event, context)


def response_to_proxy(response: Response) -> dict[str, Any]:
    body = response.body
    if not isinstance(body, str | bytes):
        body = json.dumps(body, separators=(",", ":"))
    if isinstance(body, bytes):
        body = body.decode()
    return {
        "statusCode": int(response.status_code),
        "headers": {"Content-Type": response.content_type or content_types.APPLICATION_JSON},
        "body": body,
        "isBase64Encoded": False,
    }
