"""The composition root of `switchyard serve`: emulator, resources, functions, pollers, gateway, runners."""

from __future__ import annotations

import fcntl
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from .emulator import Emulator
from .functions import load_functions
from .gateway import Gateway
from .journal import CorruptDataError, write_private_file
from .resources import create_all, resolve_environment
from .template import load

log = logging.getLogger("switchyard.serve")
REGION = "us-east-1"


@dataclass
class ServeOptions:
    root: Path
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 3000
    runners: int = 2
    durable: bool = True
    schedule_interval: float | None = None
    admin_token: str | None = None


# CircleCI clients may pass the token in the query string; the access log must not keep it.
_SECRET_QUERY = re.compile(r"(?i)([?&][\w-]*(?:token|secret|password|key)[\w-]*=)[^&\s]*")


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if os.environ.get("SWITCHYARD_ACCESS_LOG"):
            path = _SECRET_QUERY.sub(r"\1[redacted]", getattr(self, "path", ""))
            self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version, code, size)


def _read_or_create(path: Path, make: Any) -> str:
    if path.exists():
        value = path.read_text().strip()
        if not value:
            raise CorruptDataError(f"{path} is empty; restore it from a backup (what it protects depends on it)")
        return value
    value = make()
    write_private_file(path, value)
    return value


class LocalStack:
    def __init__(self, options: ServeOptions):
        self.options = options
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.runner_process: subprocess.Popen | None = None
        self.worker_process: subprocess.Popen | None = None
        self.emulator: Emulator | None = None
        self.http = None
        self.url = ""
        self.admin_token = ""
        self.environment: dict[str, str] = {}

    def start(self) -> None:
        opts = self.options
        opts.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_data_dir()
        secret_key = _read_or_create(opts.data_dir / "secret.key", lambda: secrets.token_hex(32))
        self.admin_token = opts.admin_token or os.environ.get("SWITCHYARD_ADMIN_TOKEN") or _read_or_create(
            opts.data_dir / "admin.token", lambda: "sy_admin_" + secrets.token_urlsafe(24)
        )
        for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
            os.environ[name] = value
        os.environ.pop("AWS_PROFILE", None)
        os.environ.pop("AWS_SESSION_TOKEN", None)

        template = load(opts.root / "template.yaml")
        self.emulator = Emulator(opts.data_dir, REGION, durable=opts.durable)
        self.emulator.start()
        os.environ["AWS_ENDPOINT_URL"] = self.emulator.endpoint
        from .inprocess import install as install_in_process

        install_in_process(self.emulator.endpoint, self.emulator.app)
        import boto3

        clients = {name: boto3.client(name, region_name=REGION) for name in ("dynamodb", "sqs", "s3")}
        kms_keys = self.emulator.restore_kms_keys(list(template.kms_keys))
        physical = create_all(template, clients, kms_keys)
        self.emulator.store.load()

        self.http = make_server(opts.host, opts.port, None, threaded=True, request_handler=_Handler)
        self.http.daemon_threads = True
        self.url = f"http://{opts.host}:{self.http.server_port}"
        from ..domain.model import hash_token

        self.environment = resolve_environment(
            template.global_environment,
            physical,
            {
                "SWITCHYARD_SECRET_KEY": secret_key,
                "SWITCHYARD_ADMIN_TOKEN_SHA256": hash_token(self.admin_token),
                "SWITCHYARD_PUBLIC_URL": self.url,
                "SWITCHYARD_REGION": REGION,
                "AWS_ENDPOINT_URL": self.emulator.endpoint,
            },
        )
        os.environ.update(self.environment)
        os.environ.pop("SWITCHYARD_ADMIN_TOKEN", None)
        self._write_runner_env()
        self._reconfigure()

        functions = load_functions(opts.root, template, {r.function for r in template.routes},
                                   self.emulator.store.deferred_sync)
        self.http.app = Gateway(template.routes, functions, extra=self._static_mounts())
        for thread in self.threads:
            thread.start()
        server_thread = threading.Thread(target=self.http.serve_forever, name="gateway", daemon=True)
        server_thread.start()
        self._start_workers()
        self._start_runners()

    def _write_runner_env(self) -> None:
        """What `switchyard runner --env-file` needs to join this stack from another terminal."""
        names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
        values = {n: os.environ[n] for n in names}
        values.update({k: v for k, v in self.environment.items() if k != "SWITCHYARD_ADMIN_TOKEN_SHA256"})
        path = self.options.data_dir / "runner.env"
        tmp = path.with_suffix(".new")
        tmp.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    def _reconfigure(self) -> None:
        from .. import aws
        from ..settings import reset_settings
        from ..store import models

        reset_settings()
        aws.reset()
        models.configure()

    def _static_mounts(self) -> Any:
        web = self.options.root / "web"
        if not web.is_dir():
            return None
        from .static import StaticMount

        return StaticMount("/ui", web)

    def _lock_data_dir(self) -> None:
        self._lock_file = open(self.options.data_dir / ".lock", "w")  # noqa: SIM115 - held for the process' life
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise SystemExit(f"another `switchyard serve` is using {self.options.data_dir}") from err

    def _start_workers(self) -> None:
        """Queue consumers and schedules in a child process (see local/workers.py)."""
        env = {**os.environ, **self.environment}
        cmd = [sys.executable, "-m", "switchyard.cli", "workers", "--root", str(self.options.root)]
        if self.options.schedule_interval is not None:
            cmd += ["--schedule-interval", str(self.options.schedule_interval)]
        self.worker_process = subprocess.Popen(cmd, env=env)

    def _start_runners(self) -> None:
        if self.options.runners <= 0:
            return
        env = {**os.environ, **self.environment}
        cmd = [sys.executable, "-m", "switchyard.cli", "runner", "--concurrency", str(self.options.runners),
               "--name", "local"]
        self.runner_process = subprocess.Popen(cmd, env=env)

    def wait(self) -> None:
        # The handler only flips a flag: setting an Event from a signal handler can deadlock on the
        # Condition lock the interrupted main thread already holds inside Event.wait().
        signalled: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda number, _frame: signalled.append(number))
        while not signalled and not self.stop_event.is_set():
            time.sleep(0.2)
        self.stop_event.set()

    def stop(self) -> None:
        self.stop_event.set()
        for child in (self.runner_process, self.worker_process):
            if child and child.poll() is None:
                child.terminate()
        if self.http is not None:
            self.http.shutdown()
        for thread in self.threads:
            thread.join(timeout=3)
        for child in (self.runner_process, self.worker_process):
            if child:
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()
        if self.emulator is not None:
            if self.options.durable and self.emulator.store.journal.bytes > 4 * 1024 * 1024:
                self.emulator.store.compact()
            self.emulator.stop()


def serve(options: ServeOptions) -> None:
    stack = LocalStack(options)
    stack.start()
    print(f"Switchyard is serving on {stack.url}  (data in {options.data_dir})", flush=True)
    print(f"AWS endpoint: {stack.emulator.endpoint}  (`switchyard runner --env-file "
          f"{options.data_dir / 'runner.env'}` joins this stack)", flush=True)
    if (options.root / "web" / "index.html").is_file():
        print(f"Dashboard: {stack.url}/ui/  (sign in with an API token)", flush=True)
    print(f"admin token: {stack.admin_token}", flush=True)
    try:
        stack.wait()
    finally:
        stack.stop()
        print("Switchyard stopped", flush=True)
