"""Loads a function of functions/ as Lambda would and calls it with API Gateway events."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Context:
    function_name = "ApiFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ApiFunction"
    aws_request_id = "test"

    @staticmethod
    def get_remaining_time_in_millis():
        return 29000


def load_handler(function_dir: str):
    spec = importlib.util.spec_from_file_location(f"{function_dir}_under_test", ROOT / "functions" / function_dir
                                                  / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def call_raw(handler, event: dict[str, Any]) -> dict[str, Any]:
    return handler(event, Context())


def call(handler, event: dict[str, Any]) -> tuple[int, Any]:
    response = call_raw(handler, event)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None
