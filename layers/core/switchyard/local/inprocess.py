"""Lets this process's boto3/PynamoDB clients call the emulator without a socket.

A `before-send` hook (the mechanism moto's own mock uses) hands every request addressed to the
emulator's endpoint straight to its WSGI app, journaling middleware included, so durability and
locking are the same as over HTTP while the hot paths skip the HTTP client, the socket and the
server thread. Clients in other processes (standalone runners) keep using HTTP.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from werkzeug.test import EnvironBuilder

from .wsgicall import call_wsgi


class _RawBody(io.BytesIO):
    def stream(self, **_kwargs: Any):
        data = self.read()
        while data:
            yield data
            data = self.read()


class InProcessTransport:
    def __init__(self, endpoint: str, app: Any):
        self.endpoint = endpoint.rstrip("/")
        self.app = app

    def __call__(self, event_name: str, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse | None:
        if not request.url.startswith(self.endpoint):
            return None
        parts = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        elif isinstance(body, str):
            body = body.encode()
        headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
        environ = EnvironBuilder(
            path=parts.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            method=request.method,
            headers=headers,
            data=body or b"",
        ).get_environ()
        status, response_headers, payload = call_wsgi(self.app, environ)
        return AWSResponse(request.url, int(status.split(" ", 1)[0]), dict(response_headers), _RawBody(payload))


def install(endpoint: str, app: Any) -> InProcessTransport:
    """Register for every botocore session created from now on (boto3's and PynamoDB's alike)."""
    transport = InProcessTransport(endpoint, app)
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send", transport))
    return transport
