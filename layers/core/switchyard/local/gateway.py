"""An HTTP front built from template.yaml's routes: each request becomes an API Gateway REST proxy event."""

from __future__ import annotations

import base64
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from ..api.common import response_to_proxy
from ..api.dialect_errors import render_error
from ..observability import logger
from .functions import LocalFunction
from .template import Route

MAX_BODY = 32 * 1024 * 1024
TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml", "+json")


@dataclass
class _Compiled:
    route: Route
    regex: re.Pattern[str]
    rank: tuple[int, ...]


def _compile(route: Route) -> _Compiled:
    parts, rank = [], []
    for segment in route.path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{_group(segment[1:-2])}>.+)")
            rank.append(2)
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{_group(segment[1:-1])}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(0)
    pattern = "^/" + "/".join(parts) + "/?$" if parts != [""] else "^/$"
    return _Compiled(route, re.compile(pattern), tuple(rank))


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


class RouteTable:
    """API Gateway's matching: static segments beat {param}, which beats a greedy {param+}."""

    def __init__(self, routes: list[Route]):
        self.compiled = sorted((_compile(r) for r in routes), key=lambda c: c.rank)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], frozenset[str]]:
        """(route, path parameters, the methods the path's resource takes: empty when no resource matches).

        As API Gateway does, the most specific resource that matches the path is chosen first, then the method
        among that resource's: `GET …/build` is not handed to `GET …/{build_num}` when `…/build` takes only POST.
        """
        matching = [(compiled, found) for compiled in self.compiled if (found := compiled.regex.match(path))]
        if not matching:
            return None, {}, frozenset()
        resource = matching[0][0].route.path
        same = [(compiled, found) for compiled, found in matching if compiled.route.path == resource]
        allowed = frozenset(compiled.route.method for compiled, _ in same)
        for compiled, found in same:
            if compiled.route.method in (method, "ANY"):
                names = re.findall(r"\{([^}]+?)\+?\}", compiled.route.path)
                return compiled.route, dict(zip(names, found.groups(), strict=False)), allowed
        return None, {}, allowed


def _is_text(content_type: str) -> bool:
    return any(marker in content_type for marker in TEXT_TYPES) or not content_type


def build_event(request: Request, route: Route, params: dict[str, str], stage: str = "local") -> dict[str, Any]:
    raw = request.get_data(cache=False)
    content_type = request.headers.get("Content-Type", "")
    body: str | None = None
    is_b64 = False
    if raw:
        if _is_text(content_type):
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                body, is_b64 = base64.b64encode(raw).decode(), True
        else:
            body, is_b64 = base64.b64encode(raw).decode(), True
    multi_headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        multi_headers.setdefault(key, []).append(value)
    multi_query = {k: request.args.getlist(k) for k in request.args}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": request.path,
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "domainName": request.host,
            "apiId": "local",
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "identity": {"sourceIp": request.remote_addr, "userAgent": request.headers.get("User-Agent")},
        },
        "body": body,
        "isBase64Encoded": is_b64,
    }


def to_response(result: dict[str, Any]) -> Response:
    headers = Headers()
    for key, value in (result.get("headers") or {}).items():
        headers[key] = str(value)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers.remove(key)
        for value in values:
            headers.add(key, str(value))
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return Response(data, status=int(result.get("statusCode", 200)), headers=headers)


class Gateway:
    """The WSGI app of `switchyard serve`: template routes to function handlers, plus extra static mounts."""

    def __init__(self, routes: list[Route], functions: dict[str, LocalFunction], extra: Any = None):
        self.table = RouteTable(routes)
        self.functions = functions
        self.extra = extra

    def __call__(self, environ: dict[str, Any], start_response: Any):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if self.extra is not None:
            handled = self.extra(request)
            if handled is not None:
                return handled
        if (request.content_length or 0) > MAX_BODY:
            return _error(request, 413, f"the request body is larger than {MAX_BODY} bytes")
        route, params, allowed = self.table.match(request.method, request.path)
        if route is None:
            if allowed:
                methods = ", ".join(sorted(allowed))
                response = _error(request, 405, f"{request.method} is not allowed here; {methods} are")
                response.headers["Allow"] = methods
                return response
            return _error(request, 404, f"no route takes {request.method} {request.path}")
        event = build_event(request, route, params)
        try:
            result = self.functions[route.function].invoke(event)
        except Exception:
            logger.exception("function failed", extra={"function": route.function, "path": request.path})
            return _error(request, 502, "internal server error")
        return to_response(result)


def _error(request: Request, status: int, message: str) -> Response:
    """An answer the gateway gives itself, in the error shape of the dialect that owns the path."""
    return to_response(response_to_proxy(render_error(request.path)(status, message, None)))
