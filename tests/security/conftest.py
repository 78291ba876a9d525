"""One local stack for the security suite: accounts A and B, each with a private project and a finished build."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.builds import attach_store
from tests.conftest import Stack
from tests.world import Tenant, create_tenant


@dataclass
class World:
    stack: Stack
    a: Tenant
    b: Tenant
    http: requests.Session

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.stack.url}{path}", headers=headers or {}, timeout=60,
                                 allow_redirects=False, **kwargs)


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("security")
    # the access log is on so that a token in a request line would show in Stack.log()
    stack = Stack(workdir / "data", runners=1, env={"SWITCHYARD_ACCESS_LOG": "1"}).start()
    with pytest.MonkeyPatch.context() as monkeypatch:
        attach_store(stack.data_dir, monkeypatch)
        try:
            a = create_tenant(stack, "alice", workdir)
            b = create_tenant(stack, "bob", workdir)
            yield World(stack, a, b, requests.Session())
        finally:
            stack.stop()
