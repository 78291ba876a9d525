"""A stand-in for the status APIs of GitHub, GitLab and Bitbucket on 127.0.0.1: records every call, answers as told."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class Call:
    method: str
    path: str  # as sent, percent-encoding kept (GitLab's project path is encoded)
    headers: dict[str, str]
    body: Any

    @property
    def state(self) -> str | None:
        return self.body.get("state") if isinstance(self.body, dict) else None

    @property
    def context(self) -> str | None:
        if not isinstance(self.body, dict):
            return None
        return self.body.get("context") or self.body.get("name")

    @property
    def target_url(self) -> str | None:
        return self.body.get("target_url") or self.body.get("url") if isinstance(self.body, dict) else None

    @property
    def sha(self) -> str:
        parts = unquote(self.path).rstrip("/").split("/")
        return parts[-3] if parts[-1] == "build" else parts[-1]


@dataclass
class Answer:
    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = field(default_factory=lambda: {"id": 1})
    delay: float = 0.0


class FakeScm:
    """`answer(...)` sets what every call gets from now on; `then(...)` queues one-off answers in front of it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._default = Answer()
        self._queued: list[Answer] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-scm", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeScm:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, status: int = 201, headers: dict[str, str] | None = None, body: Any = None,
               delay: float = 0.0) -> None:
        with self._lock:
            self._default = Answer(status, headers or {}, {"id": 1} if body is None else body, delay)

    def then(self, status: int, headers: dict[str, str] | None = None, body: Any = None, times: int = 1) -> None:
        with self._lock:
            self._queued.extend(Answer(status, headers or {}, body if body is not None else {}) for _ in range(times))

    def posts(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == "POST"]

    def wait_for_posts(self, count: int, timeout: float = 60) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            posts = self.posts()
            if len(posts) >= count:
                return posts
            time.sleep(0.1)
        raise TimeoutError(f"expected {count} status posts, got {len(self.posts())}: {self.posts()}")

    def _next(self) -> Answer:
        with self._lock:
            return self._queued.pop(0) if self._queued else self._default

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                fake._record(Call(self.command, self.path, dict(self.headers.items()), body))
                answer = fake._next()
                if answer.delay:
                    time.sleep(answer.delay)
                payload = json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (timeout tests)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler
