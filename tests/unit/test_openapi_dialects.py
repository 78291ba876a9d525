"""/openapi.json documents the orchestrator and KernelCI routes under their prefixes with their own auth."""

import json

from switchyard.api import openapi


def test_orchestrator_and_kernelci_routes_are_documented_with_their_security_scheme():
    document = json.loads(openapi.document())
    paths = document["paths"]
    for path in ("/orchestrator/v1/jobs", "/orchestrator/v1/jobs/{job_id}", "/orchestrator/v1/jobs/{job_id}/nodes",
                 "/orchestrator/v1/jobs/{job_id}/report"):
        assert paths[path]["get"]["security"] == [{"orchestrator": []}]
    for alias in ("job", "jobs"):
        assert set(paths[f"/kernelci/{alias}"]) == {"get", "post", "delete"}
        assert set(paths[f"/kernelci/{alias}/{{job_id}}"]) == {"get", "delete"}
        for path in (f"/kernelci/{alias}/logs", f"/kernelci/{alias}/{{job_id}}/logs",
                     f"/kernelci/{alias}/distinct/{{field}}"):
            assert paths[path]["get"]["security"] == [{"kernelci": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["orchestrator"]["name"] == "X-Authentication" and schemes["kernelci"]["name"] == "Authorization"
