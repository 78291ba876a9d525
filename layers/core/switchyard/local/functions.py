"""Loads each function of template.yaml from its CodeUri and invokes it as Lambda would: one at a time."""

from __future__ import annotations

import contextlib
import importlib.util
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .template import Function, Template


@dataclass
class LambdaContext:
    function_name: str
    timeout_s: int
    aws_request_id: str
    started: float
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_s - time.monotonic()) * 1000))


class LocalFunction:
    """One warm container of a function. Lambda runs one event per container at a time, and so do we:
    Powertools resolvers keep the current event on shared objects, so concurrent calls must not overlap."""

    def __init__(self, root: Path, spec: Function, unit_of_work: Any = None):
        self.spec = spec
        self.unit_of_work = unit_of_work or contextlib.nullcontext
        self.lock = threading.Lock()
        module_file, _, handler = spec.handler.rpartition(".")
        path = root / spec.code_uri / f"{module_file.replace('.', '/')}.py"
        self.module = _load(f"switchyard_fn_{spec.name}", path)
        self.handler = getattr(self.module, handler)

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.spec.name, self.spec.timeout, str(uuid.uuid4()), time.monotonic())
        with self.lock, self.unit_of_work():
            return self.handler(event, context)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_functions(
    root: Path, template: Template, names: set[str] | None = None, unit_of_work: Any = None
) -> dict[str, LocalFunction]:
    """unit_of_work: a context manager factory wrapped around each invocation (the journal's deferred sync)."""
    return {
        name: LocalFunction(root, spec, unit_of_work)
        for name, spec in template.functions.items()
        if names is None or name in names
    }
