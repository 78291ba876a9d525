"""The resolver of the orchestrator function: the jobs routes at /orchestrator/v1 with the orchestrator's errors."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from ...settings import get_settings
from ..common import install
from . import errors, routes

PREFIX = "/orchestrator/v1"


def build_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    install(
        app,
        errors.render,
        max_body=get_settings().max_api_body_bytes,
        not_found_message="No such route",
        authenticate=routes.caller,
    )
    app.include_router(routes.router, prefix=PREFIX)
    return app
