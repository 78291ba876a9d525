"""Builds API Gateway events for tests from the samples in events/ (never inline JSON per test)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    query: dict[str, list[str]] | None = None,
    path_params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event shaped like events/api/get_health.json."""
    event = copy.deepcopy(load("api/get_health.json"))
    headers = dict(headers or {})
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    event.update(
        resource=resource or path,
        path=path,
        httpMethod=method,
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
        queryStringParameters={k: v[-1] for k, v in query.items()} if query else None,
        multiValueQueryStringParameters=query or None,
        pathParameters=path_params,
        body=body,
    )
    event["requestContext"].update(resourcePath=resource or path, httpMethod=method, path=path)
    return event


def with_token(event: dict[str, Any], token: str, scheme: str = "apiToken") -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["headers"]["Authorization"] = f"{scheme} {token}"
    event["multiValueHeaders"]["Authorization"] = [f"{scheme} {token}"]
    return event


def sqs_event(bodies: list[str], queue: str = "StatusQueue") -> dict[str, Any]:
    """An SQS event for a queue consumer, one record per body, shaped like events/sqs/status.json."""
    sample = load("sqs/status.json")["Records"][0]
    records = []
    for index, body in enumerate(bodies):
        record = copy.deepcopy(sample)
        record.update(messageId=f"m-{index}", receiptHandle=f"r-{index}", body=body,
                      eventSourceARN=f"arn:aws:sqs:us-east-1:123456789012:{queue}")
        records.append(record)
    return {"Records": records}
