"""The local gateway matches routes as API Gateway does: static beats {param} beats {greedy+}."""

from switchyard.local.gateway import RouteTable
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


def test_method_mismatch_reports_the_path_exists():
    route, _, exists = ROUTES.match("DELETE", "/jobs/abc")
    assert route is None and exists


def test_unknown_path():
    assert ROUTES.match("GET", "/nope") == (None, {}, False)
