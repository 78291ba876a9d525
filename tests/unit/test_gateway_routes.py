"""The local gateway matches routes as API Gateway does: static beats {param} beats {greedy+}."""

import json

import pytest
from werkzeug.test import Client

from switchyard.local.gateway import Gateway, RouteTable
from switchyard.local.template import Route

ROUTES = RouteTable([
    Route("GET", "/jobs/{id}", "A"),
    Route("GET", "/jobs/{id}/consoles/download", "A"),
    Route("GET", "/p/{vcs}/{user}/{project}/{build_num}", "C"),
    Route("GET", "/p/{vcs}/{user}/{project}/envvar", "C"),
    Route("POST", "/p/{vcs}/{user}/{project}/tree/{branch+}", "C"),
])


def test_static_segment_wins_over_parameter():
    route, params, _ = ROUTES.match("GET", "/p/gh/u/r/envvar")
    assert route.path.endswith("/envvar") and params == {"vcs": "gh", "user": "u", "project": "r"}


def test_parameter_route():
    route, params, _ = ROUTES.match("GET", "/p/gh/u/r/12")
    assert route.path.endswith("{build_num}") and params["build_num"] == "12"


def test_greedy_parameter_takes_slashes():
    route, params, _ = ROUTES.match("POST", "/p/gh/u/r/tree/feature/x/y")
    assert route is not None and params["branch"] == "feature/x/y"


def test_method_mismatch_reports_the_methods_the_path_takes():
    route, _, allowed = ROUTES.match("DELETE", "/jobs/abc")
    assert route is None and allowed == {"GET"}


def test_unknown_path():
    assert ROUTES.match("GET", "/nope") == (None, {}, frozenset())


def _client() -> Client:
    routes = [Route("GET", "/jobs/{id}", "A"), Route("POST", "/jobs/{id}", "A"), Route("GET", "/kernelci/job", "K"),
              Route("GET", "/api/v1.1/me", "C"), Route("GET", "/orchestrator/v1/jobs", "O")]
    return Client(Gateway(routes, functions={}))


@pytest.mark.parametrize("path, shape", [
    ("/jobs/abc", {"id", "message"}),
    ("/kernelci/job", {"code", "reason"}),
    ("/api/v1.1/me", {"message"}),
    ("/orchestrator/v1/jobs", {"kind", "msg", "details"}),
])
def test_a_method_no_route_takes_is_405_with_allow_in_the_dialects_shape(path, shape):
    response = _client().open(path, method="TRACE")

    assert response.status_code == 405
    assert set(response.json) == shape
    assert "TRACE" in json.dumps(response.json)
    assert response.headers["Allow"] == ("GET, POST" if path == "/jobs/abc" else "GET")


def test_an_unknown_path_is_404_in_the_dialects_shape():
    response = _client().get("/api/v1.1/nothing/here")

    assert response.status_code == 404 and set(response.json) == {"message"}


def test_the_most_specific_resource_is_chosen_before_the_method():
    table = RouteTable([Route("GET", "/p/{vcs}/{user}/{project}/{build_num}", "C"),
                        Route("POST", "/p/{vcs}/{user}/{project}/build", "C")])

    route, _, allowed = table.match("GET", "/p/gh/u/r/build")

    assert route is None and allowed == {"POST"}
    assert table.match("GET", "/p/gh/u/r/12")[0].path.endswith("{build_num}")
