"""Serves the dashboard's static files at /ui from the local stack (a deployed stack serves them from S3)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

# Explicit types: browsers refuse ES modules not served as JavaScript, and mimetypes depends on the host.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
# index.html carries the content policy itself (so does the deployed copy); framing can only be refused here.
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class StaticMount:
    """GET/HEAD under `prefix`: files of `root`; extensionless paths fall back to index.html (client routes)."""

    def __init__(self, prefix: str, root: Path):
        self.prefix = prefix.rstrip("/")
        self.root = root.resolve()

    def __call__(self, request: Request) -> Response | None:
        path = request.path
        if path == "/" and request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
            return redirect(self.prefix + "/")  # a browser opening the API's root wants the dashboard
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return None
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed", status=405, headers={"Allow": "GET, HEAD"})
        if path == self.prefix:
            # relative module URLs in index.html resolve against the directory, so it needs its slash
            return redirect(self.prefix + "/" + (f"?{request.query_string.decode()}" if request.query_string else ""))
        relative = PurePosixPath(path[len(self.prefix) :].lstrip("/") or "index.html")
        target = self._file(relative)
        if target is None:
            return Response("not found", status=404, content_type="text/plain; charset=utf-8")
        response = Response(target.read_bytes(), content_type=TYPES.get(target.suffix, "application/octet-stream"),
                            headers=SECURITY_HEADERS)
        response.add_etag()
        return response.make_conditional(request)

    def _file(self, relative: PurePosixPath) -> Path | None:
        target = (self.root / relative).resolve()
        if target.is_relative_to(self.root) and target.is_file():
            return target
        if relative.suffix:  # a missing asset is a 404, never the page in its place
            return None
        index = self.root / "index.html"
        return index if index.is_file() else None
