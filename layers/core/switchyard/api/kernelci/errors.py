"""kernelci-backend's error shapes: `{"code", "reason"[, "errors"]}`, and its odd 404 for unknown resources."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ...domain.errors import DomainError, Invalid, NotFound, Unauthenticated

CONTENT_TYPE = "application/json; charset=UTF-8"
# The reasons kernelci-backend puts in a body when the handler set none of its own.
REASONS = {
    403: "Operation not permitted: provided token is not authorized",
    404: "Resource not found",
    405: "Operation not allowed",
    413: "Request entity too large",
    415: "Wrong content type defined",
    500: "Internal database error",
}


class NoJsonData(Invalid):
    """The POST body is empty or not JSON at all (422)."""


class JsonNotValid(Invalid):
    """The POST body is JSON but not a valid job update; `details` lists why (400 with `errors`)."""


class UnknownResource(NotFound):
    """A path no route takes (an id that is not 24 alphanumerics): Tornado's default handler answers it."""


UNKNOWN_ROUTE = "no route takes this path"
OVERRIDES: dict[type[DomainError], int] = {Unauthenticated: 403, NoJsonData: 422}


def response(status: int, body: dict[str, Any]) -> Response:
    """Compact JSON labelled `application/json; charset=UTF-8`, as kernelci-backend writes it."""
    return Response(status_code=status, content_type=CONTENT_TYPE,
                    body=json.dumps(body, separators=(",", ":"), ensure_ascii=False))


def render(status: int, message: str, error: DomainError | None) -> Response:
    status = int(status)
    if isinstance(error, UnknownResource) or (status == 404 and message == UNKNOWN_ROUTE):
        return Response(status_code=404, content_type=CONTENT_TYPE,
                        body=json.dumps({"code": 404, "message": "Resource not found"}))
    body: dict[str, Any] = {"code": status, "reason": message or REASONS.get(status, "")}
    if isinstance(error, Unauthenticated):
        body["reason"] = REASONS[403]
    elif status == 500:
        body["reason"] = REASONS[500]
    if isinstance(error, JsonNotValid) and error.details:
        body["errors"] = list(error.details)
    return response(status, body)
