"""A stand-in for Docker Hub's login API (POST /v2/users/login) on a local port, for tests only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERNAME = "docker-user"
PASSWORD = "right-password"


class _Login(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            body = None
        good = self.path == "/v2/users/login" and body == {"username": USERNAME, "password": PASSWORD}
        payload = {"token": "jwt"} if good else {"detail": "Incorrect authentication credentials"}
        data = json.dumps(payload).encode()
        self.send_response(200 if good else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        return


@contextmanager
def fake_docker_hub() -> Iterator[str]:
    """Serve the fake login API; yields its URL (what SWITCHYARD_DOCKERHUB_LOGIN_URL should be)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Login)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v2/users/login"
    finally:
        server.shutdown()
        server.server_close()
