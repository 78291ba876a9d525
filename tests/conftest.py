"""Shared fixtures: moto in-process with the template's resources, and a real `switchyard serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.fakescm import FakeScm

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto in-process with every table, queue, bucket and key of template.yaml, settings pointed at them."""
    yield from _moto_stack(monkeypatch)


@pytest.fixture(scope="module")
def aws_module() -> Iterator[dict[str, str]]:
    """The same as `aws`, shared by a module's tests (each fresh stack costs seconds of botocore start-up)."""
    with moto_stack() as env:
        yield env


@contextmanager
def moto_stack() -> Iterator[dict[str, str]]:
    """`aws` outside a test (bench/ uses it): the environment it changes is restored on leaving."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _moto_stack(monkeypatch)


def _moto_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        import boto3

        from switchyard import aws as aws_clients
        from switchyard.domain.model import hash_token
        from switchyard.local.resources import create_all, resolve_environment
        from switchyard.local.template import load
        from switchyard.settings import reset_settings
        from switchyard.store import models

        template = load(ROOT / "template.yaml")
        clients = {n: boto3.client(n, region_name="us-east-1") for n in ("dynamodb", "sqs", "s3")}
        kms = boto3.client("kms", region_name="us-east-1")
        keys = {name: kms.create_key(Description=name)["KeyMetadata"]["KeyId"] for name in template.kms_keys}
        physical = create_all(template, clients, keys)
        env = resolve_environment(
            template.global_environment,
            physical,
            {
                "SWITCHYARD_SECRET_KEY": "test-secret-key",
                "SWITCHYARD_ADMIN_TOKEN_SHA256": hash_token("admin-test-token"),
                "SWITCHYARD_REGION": "us-east-1",
            },
        )
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        aws_clients.reset()
        models.configure()
        yield env
        reset_settings()
        aws_clients.reset()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """A `switchyard serve` subprocess on a free port, restartable on the same data dir."""

    data_dir: Path
    runners: int = 0
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    admin_token: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, timeout: float = 60) -> Stack:
        port = free_port()
        self.log_path = self.data_dir.parent / f"serve-{port}.log"
        log = open(self.log_path, "w")  # noqa: SIM115 - closed when the process ends
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SWITCHYARD_", "AWS_"))}
        env["SWITCHYARD_ADMIN_TOKEN"] = self.admin_token or "sy_admin_test_token_0123456789"
        env.update(self.env)
        cmd = [sys.executable, "-m", "switchyard.cli", "serve", "--port", str(port), "--data-dir", str(self.data_dir),
               "--runners", str(self.runners), *self.extra_args]
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text()
            if "admin token: " in text:
                self.url = f"http://127.0.0.1:{port}"
                self.admin_token = text.split("admin token: ", 1)[1].split()[0]
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited early:\n{text}")
            time.sleep(0.1)
        raise TimeoutError(f"serve did not start:\n{self.log_path.read_text()}")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                os.killpg(self.process.pid, 9)
            else:
                self.process.terminate()
            self.process.wait(timeout=20)

    def admin(self) -> requests.Session:
        return self.session(self.admin_token)

    @staticmethod
    def session(token: str, scheme: str = "apiToken") -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"{scheme} {token}"
        return session

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path else ""


@pytest.fixture
def scm() -> Iterator[FakeScm]:
    """A fake SCM status API on 127.0.0.1, recording every call."""
    fake = FakeScm().start()
    yield fake
    fake.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path / "data").start()
    yield running
    running.stop()
