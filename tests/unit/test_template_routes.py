"""template.yaml and the functions agree: every listed route is registered, and nothing more."""

import importlib.util
from pathlib import Path

from switchyard.local.template import load

ROOT = Path(__file__).resolve().parents[2]


def _registered(function_dir: Path) -> set[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location(f"routes_{function_dir.name}", function_dir / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = module.app
    routes = set()
    for route in app._static_routes + app._dynamic_routes:
        routes.add((route.method.upper(), _api_gateway_path(route.path)))
    return routes


def _api_gateway_path(rule: str) -> str:
    """Powertools' `<name>`, and `<name+>` or `(?P<name>.+)`, as API Gateway's `{name}` and `{name+}`."""
    import re

    rule = re.sub(r"\(\?P<(\w+)>\.\+\)", r"{\1+}", rule)
    rule = re.sub(r"<(\w+)\+>", r"{\1+}", rule)
    return re.sub(r"<(\w+)>", r"{\1}", rule)


def test_template_routes_match_registered_routes(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = load(ROOT / "template.yaml")
    by_function: dict[str, set[tuple[str, str]]] = {}
    for route in template.routes:
        by_function.setdefault(route.function, set()).add((route.method, route.path))
    assert by_function, "template.yaml lists no routes"
    for function, listed in by_function.items():
        registered = _registered(ROOT / template.functions[function].code_uri)
        assert listed == registered, (
            f"{function}: only in template {sorted(listed - registered)}; only in code {sorted(registered - listed)}"
        )


def test_no_catch_all_proxy_route():
    template = load(ROOT / "template.yaml")
    assert not [r for r in template.routes if r.path in ("/{proxy+}", "/") or r.method == "ANY"]
