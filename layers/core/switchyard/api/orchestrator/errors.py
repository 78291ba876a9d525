"""The orchestrator's error shape: `{"kind": "puppetlabs.…/…", "msg": text, "details": …}`."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ...domain.errors import DomainError, Unauthenticated
from ..common import json_response

VALIDATION = "puppetlabs.orchestrator/validation-error"
UNKNOWN_JOB = "puppetlabs.orchestrator/unknown-job"
UNAUTHENTICATED = "puppetlabs.rbac/user-unauthenticated"
INVALID_TOKEN = "puppetlabs.rbac/invalid-token"

KINDS = {
    400: VALIDATION,
    401: UNAUTHENTICATED,
    403: "puppetlabs.orchestrator/not-permitted",
    404: UNKNOWN_JOB,
    409: "puppetlabs.orchestrator/conflict",
    413: "puppetlabs.orchestrator/request-too-large",
    415: "puppetlabs.orchestrator/unsupported-media-type",
}


class InvalidToken(Unauthenticated):
    """A token was sent, but no account has it (RBAC's invalid-token rather than user-unauthenticated)."""


def kind_of(status: int, error: DomainError | None) -> str:
    if isinstance(error, InvalidToken):
        return INVALID_TOKEN
    return KINDS.get(int(status), "puppetlabs.orchestrator/unknown-error")


def render(status: int, message: str, error: DomainError | None) -> Response:
    details = error.details if error is not None else None
    return json_response(status, {"kind": kind_of(status, error), "msg": message, "details": details})
