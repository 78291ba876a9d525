"""The error renderer of the dialect that owns a path, for answers given before any handler runs
(the local gateway's 404, 405 and 413)."""

from __future__ import annotations

from .circleci.errors import render as circleci
from .common import Renderer
from .kernelci.errors import render as kernelci
from .openapi import dialect_of
from .orchestrator.errors import render as orchestrator
from .shippable.errors import render as shippable

RENDERERS: dict[str, Renderer] = {
    "shippable": shippable, "circleci": circleci, "orchestrator": orchestrator, "kernelci": kernelci,
}


def render_error(path: str) -> Renderer:
    return RENDERERS[dialect_of(path).scheme]
