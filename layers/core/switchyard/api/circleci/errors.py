"""CircleCI's error shape: `{"message": text}` with the status circleci.com uses."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ...domain.errors import DomainError
from ..common import json_response

LOGIN_REQUIRED = "You must log in first."
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def render(status: int, message: str, _error: DomainError | None) -> Response:
    if int(status) == 401:
        message = LOGIN_REQUIRED
    return json_response(int(status), {"message": message})


def for_method(status: int, message: str, method: str) -> tuple[int, str]:
    """Clients (pycircleci's session among them) resend a request that got a 5xx, even a POST: a trigger or
    retry that failed half-way must not come back as a second build, so writes never answer 5xx."""
    if int(status) >= 500 and method.upper() not in SAFE_METHODS:
        return 409, f"{message}; the request was not completed and should not be resent blindly: " \
                    "check the project's builds first"
    return int(status), message
