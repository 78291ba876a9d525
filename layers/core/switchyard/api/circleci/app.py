"""The resolver of the CircleCI function: CircleCI v1.1 at /api/v1.1 with CircleCI's errors."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from ...auth import authenticate, circleci_token
from ...domain.errors import DomainError
from ...settings import get_settings
from ..common import RestResolver, install
from . import errors, routes

PREFIX = "/api/v1.1"


def build_app() -> RestResolver:
    app = RestResolver(enable_validation=True)

    def render(status: int, message: str, error: DomainError | None) -> Response:
        event = app.current_event if getattr(app, "current_event", None) is not None else None
        method = event.http_method if event is not None else "GET"
        status, message = errors.for_method(status, message, method)
        return errors.render(status, message, error)

    install(
        app,
        render,
        max_body=get_settings().max_api_body_bytes,
        not_found_message="Not found",
        authenticate=lambda: authenticate(
            circleci_token(app.current_event.headers, app.current_event.query_string_parameters)
        ),
    )
    app.include_router(routes.router, prefix=PREFIX)
    return app
