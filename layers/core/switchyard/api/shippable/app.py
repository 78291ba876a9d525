"""The resolver of the Shippable function: Shippable's routes plus Switchyard's own, with Shippable errors."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

from ...settings import get_settings
from .. import own
from . import errors, routes

# The dashboard calls these routes from its own origin with the token in a header (never a cookie).
CORS = CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type", "Accept"], max_age=600)


def build_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, cors=CORS)
    errors_install(app)
    app.include_router(own.router)
    app.include_router(routes.router)
    from ..openapi import register_document_routes

    register_document_routes(app)
    return app


def errors_install(app: APIGatewayRestResolver) -> None:
    from ...auth import authenticate, shippable_token
    from ..common import install

    install(
        app,
        errors.render,
        max_body=get_settings().max_api_body_bytes,
        not_found_message="route not found",
        authenticate=lambda: authenticate(shippable_token(app.current_event.headers)),
        public_paths=PUBLIC_PATHS,
    )


PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs"})
