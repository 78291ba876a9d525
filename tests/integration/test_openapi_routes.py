"""GET /openapi.json and GET /docs through the Shippable function: the whole document, Swagger UI offline."""

from __future__ import annotations

import json
import re

import pytest

from tests.events import api_event
from tests.integration.handlers import Context, call_raw, load_handler


@pytest.fixture
def shippable(aws):
    handler = load_handler("shippable_api")
    return lambda event: call_raw(handler, event, Context("ShippableApiFunction"))


def content_type(response: dict) -> str:
    """REST proxy answers carry headers as multiValueHeaders."""
    return (response.get("multiValueHeaders") or {}).get("Content-Type", [""])[0]


def test_openapi_json_is_public_and_complete(shippable):
    from switchyard.api.openapi import document

    response = shippable(api_event("GET", "/openapi.json"))
    assert response["statusCode"] == 200
    assert content_type(response) == "application/json"
    body = json.loads(response["body"])
    assert body == json.loads(document())
    assert body["openapi"].startswith("3.") and "/projects" in body["paths"]


def test_docs_serve_swagger_ui_with_everything_inlined(shippable):
    from switchyard.api.openapi import document

    response = shippable(api_event("GET", "/docs"))
    assert response["statusCode"] == 200
    assert content_type(response) == "text/html"
    page = response["body"]
    assert "SwaggerUIBundle(swaggerUIOptions)" in page and "<style>" in page
    # nothing to fetch from a CDN: no external script or stylesheet
    assert not re.search(r"<(script|link)[^>]+(src|href)=['\"]https?:", page)
    for path in json.loads(document())["paths"]:
        assert json.dumps(path) in page


def test_docs_format_json_is_the_document(shippable):
    from switchyard.api.openapi import document

    response = shippable(api_event("GET", "/docs", query={"format": ["json"]}))
    assert response["statusCode"] == 200 and json.loads(response["body"]) == json.loads(document())
