"""Shippable's error shape: `{"id": code, "message": text}` with the status its API used."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ...domain.errors import DomainError
from ..common import json_response

# Shippable's own error ids (admiral's system codes) for each HTTP status.
ERROR_IDS = {400: 4002, 401: 2000, 403: 2001, 404: 4001, 409: 4003, 413: 4013, 415: 4015, 424: 4024, 502: 5002,
             500: 5000}


def render(status: int, message: str, _error: DomainError | None) -> Response:
    return json_response(status, {"id": ERROR_IDS.get(int(status), 4002), "message": message})
