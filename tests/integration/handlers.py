"""Loads a function of functions/ as Lambda would and calls it with API Gateway events."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Context:
    """The parts of a Lambda context that the handlers and Powertools' logger read."""

    function_name: str = "ApiFunction"
    memory_limit_in_mb: int = 512
    remaining_ms: int = 29000
    aws_request_id: str = "test"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_handler(function_dir: str):
    spec = importlib.util.spec_from_file_location(f"{function_dir}_under_test", ROOT / "functions" / function_dir
                                                  / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def call_raw(handler, event: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
    return handler(event, context or Context())


def call(handler, event: dict[str, Any], context: Context | None = None) -> tuple[int, Any]:
    """(status, decoded JSON body or None) of a proxy answer."""
    response = call_raw(handler, event, context)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None
