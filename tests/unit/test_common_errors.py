"""api.common.install: bodies Powertools cannot even decode are the client's 400/415, other crashes stay 500."""

from __future__ import annotations

import base64
import json
from typing import Annotated

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from switchyard.api.common import install, json_body, resolve
from switchyard.api.shippable import errors
from tests.events import api_event


class Thing(BaseModel):
    name: str


def _app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    install(app, errors.render, max_body=64 * 1024)

    @app.post("/things")
    def create(body: Annotated[Thing, Body()]):
        return {"name": body.name}

    @app.post("/raw")
    def raw():
        return json_body(app)

    @app.get("/broken")
    def broken():
        raise ValueError("a bug, not bad input")

    return app


def _call(app, path, body: bytes | None = None, content_type="application/json", method="POST"):
    event = api_event(method, path, headers={"Content-Type": content_type})
    if body is not None:
        event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    response = resolve(app, event, None)
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b"[" * 3000 + b"]" * 3000, b"9" * 5000],
                         ids=["not-utf8", "too-deep", "huge-number"])
@pytest.mark.parametrize("path", ["/things", "/raw"])
def test_undecodable_bodies_are_400(body, path):
    app = _app()
    assert _call(app, path, body) == (400, {"id": 4002, "message": "the request body is not valid JSON"})


def test_unsupported_content_type_is_415():
    status, answer = _call(_app(), "/things", b'{"name": "x"}', content_type="application/xml")
    assert status == 415 and "application/xml" in answer["message"]


def test_a_value_error_from_the_route_is_still_a_500():
    assert _call(_app(), "/broken", method="GET") == (500, {"id": 5000, "message": "internal error"})


def test_a_good_body_still_works():
    assert _call(_app(), "/things", b'{"name": "x"}') == (200, {"name": "x"})
