"""schemathesis against a running `switchyard serve`: every route of template.yaml, as /openapi.json documents it,
with the auth header of the dialect that owns the path.

Checks (and why these): `not_a_server_error` (a 5xx is always a bug), `status_code_conformance` (every answered
status is documented: the dialect's errors are each operation's `default`), `content_type_conformance` and
`response_schema_conformance` (the body matches what the document says for that status, errors included).
Bounded for `make test`: positive and negative generation, FUZZ_EXAMPLES (20) cases per route and mode, Hypothesis
derandomized (the same cases every run), no shrinking (failures are gathered and the first few shown).
"""

from __future__ import annotations

import itertools
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.builds import attach_store
from tests.conftest import Stack
from tests.world import Tenant, auth_headers, create_tenant, meaning, route_id, template_routes

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ADMIN_ONLY = {("POST", "/accounts")}  # fuzzed with the admin token so the route's own code is reached


class Fuzzed:
    def __init__(self, stack: Stack, tenant: Tenant):
        self.stack = stack
        self.tenant = tenant
        self.calls: dict[str, Iterator[int]] = defaultdict(itertools.count)

    def headers(self, method: str, path: str) -> dict[str, str]:
        token = self.stack.admin_token if (method.upper(), path) in ADMIN_ONLY else self.tenant.token
        return auth_headers(path, token)

    def aim_at_real_resources(self, case) -> None:
        """Every other case of an operation names the tenant's real project/run/job instead of made-up ids."""
        if not case.path_parameters or next(self.calls[case.operation.label]) % 2:
            return
        for name in list(case.path_parameters):
            known = meaning(case.operation.path, name)
            if known is not None:
                case.path_parameters[name] = self.tenant.values[known]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    workdir = tmp_path_factory.mktemp("fuzz")
    stack = Stack(workdir / "data", runners=1).start()
    with pytest.MonkeyPatch.context() as monkeypatch:
        attach_store(stack.data_dir, monkeypatch)
        try:
            yield Fuzzed(stack, create_tenant(stack, "fuzzer", workdir))
        finally:
            stack.stop()


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


@pytest.fixture(scope="module")
def operations(fuzzed: Fuzzed) -> dict[tuple[str, str], Any]:
    """Every operation of the document the stack serves, by (method, path shape). (Loaded from the fetched dict:
    `from_url` would leave out the operation that serves the document itself.)"""
    document = requests.get(f"{fuzzed.stack.url}/openapi.json", timeout=30)
    assert document.status_code == 200, document.text
    schema = schemathesis.openapi.from_dict(document.json())
    found = [result.ok() for result in schema.get_all_operations()]
    return {(op.method.upper(), _shape(op.path)): op for op in found}


@pytest.mark.stack
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
# deletions last, so that the tenant's real resources are there for every other route first
@pytest.mark.parametrize("route", sorted(template_routes(), key=lambda r: r.method == "DELETE"), ids=route_id)
def test_no_5xx_and_every_answer_matches_the_document(fuzzed: Fuzzed, operations, route, mode):
    operation = operations.get((route.method, _shape(route.path)))
    assert operation is not None, f"{route_id(route)} is not in /openapi.json"
    if mode == GenerationMode.NEGATIVE and not (operation.definition.raw.get("parameters")
                                                 or operation.definition.raw.get("requestBody")):
        pytest.skip("no parameter or body to make invalid")
    failures: list[str] = []

    @hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case) -> None:
        fuzzed.aim_at_real_resources(case)
        try:
            case.call_and_validate(base_url=fuzzed.stack.url, headers=fuzzed.headers(case.method, case.operation.path),
                                   checks=CHECKS, timeout=60, allow_redirects=False)
        except (AssertionError, BaseExceptionGroup) as failure:  # gather failures rather than shrink each
            failures.append(str(failure))

    fuzz()
    assert not failures, f"{len(failures)} failing case(s); the first:\n" + "\n\n".join(failures[:3])
