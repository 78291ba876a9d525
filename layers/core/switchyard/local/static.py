"""Serves the dashboard's static files at /ui from the local stack."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from werkzeug.wrappers import Request, Response


class StaticMount:
    def __init__(self, prefix: str, root: Path):
        self.prefix = prefix.rstrip("/")
        self.root = root.resolve()

    def __call__(self, request: Request) -> Response | None:
        path = request.path
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return None
        relative = path[len(self.prefix):].lstrip("/") or "index.html"
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            target = self.root / "index.html"
        if not target.is_file():
            return Response("not found", status=404)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Response(target.read_bytes(), content_type=content_type)
