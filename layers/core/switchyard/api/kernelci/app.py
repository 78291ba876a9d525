"""The resolver of the KernelCI function: the job resource at /kernelci with kernelci-backend's errors."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from ...settings import get_settings
from ..common import install
from . import errors, routes

PREFIX = "/kernelci"


def build_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    install(
        app,
        errors.render,
        max_body=get_settings().max_api_body_bytes,
        overrides=errors.OVERRIDES,
        not_found_message=errors.UNKNOWN_ROUTE,
        authenticate=routes.caller,
        relabel_json=False,  # POST /job answers 415 to a body that is not labelled JSON
    )
    app.include_router(routes.router, prefix=PREFIX)
    return app
