"""One OpenAPI document for every dialect, generated from the routers themselves."""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

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


SECURITY_SCHEMES = {
    "shippable": APIKey(name="Authorization", in_=APIKeyIn.header, description="`apiToken <token>`"),
    "circleci": APIKey(name="Circle-Token", in_=APIKeyIn.header, description="the token"),
    "orchestrator": APIKey(name="X-Authentication", in_=APIKeyIn.header, description="the token"),
    "kernelci": APIKey(name="Authorization", in_=APIKeyIn.header, description="the token"),
}


@cache
def document() -> str:
    combined = RestResolver(enable_validation=True)
    routers = dialect_routers()
    # include_router() makes the combined app the routers' resolver; give them back to their own apps
    owners = [(router, router.api_resolver) for router, _ in routers]
    for router, prefix in routers:
        combined.include_router(router, prefix=prefix)
    for router, owner in owners:
        router.api_resolver = owner
    return combined.get_openapi_json_schema(
        title=TITLE,
        version="1.0.0",
        description="Shippable at /, CircleCI v1.1 at /api/v1.1, Puppet orchestrator at /orchestrator/v1, "
        "KernelCI at /kernelci, and Switchyard's own routes.",
        security_schemes=SECURITY_SCHEMES,
    )


def register_document_routes(app: APIGatewayRestResolver) -> None:
    @app.get("/openapi.json", include_in_schema=False)
    def openapi_json():
        return Response(200, content_types.APPLICATION_JSON, document())

    app.enable_swagger(path="/docs", title=TITLE)
