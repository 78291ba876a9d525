"""The SCM webhook routes: verify, record once, queue a trigger, answer 202."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ..services import webhooks
from .common import json_response, raw_body

router = Router()
ANSWERS = {
    202: {"description": "builds were queued (a redelivery gets the first answer again)",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["runs"], "properties": {"runs": {"type": "array", "items": {
                  "type": "string"}}}}}}},
    200: {"description": "a ping, or an event that builds nothing",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["ignored"], "properties": {"ignored": {"type": "string"}}}}}},
}

# The SCM's own JSON, documented for /openapi.json only: the webhooks resolver runs without validation (the
# signature covers the raw bytes), so the handlers read the body themselves and this parameter stays None.
Payload = Annotated[dict[str, Any] | None, Body(description="the SCM's own payload, signed as sent")]


def _receive(provider: Literal["github", "gitlab", "bitbucket"]):
    answer = webhooks.receive(provider, router.current_event.headers, raw_body(router))
    return json_response(answer.status, answer.body)


@router.post("/hooks/github", summary="GitHub webhook (X-Hub-Signature-256)", tags=["webhooks"],
             responses=ANSWERS)
def github(payload: Payload = None):
    return _receive("github")


@router.post("/hooks/gitlab", summary="GitLab webhook (X-Gitlab-Token)", tags=["webhooks"],
             responses=ANSWERS)
def gitlab(payload: Payload = None):
    return _receive("gitlab")


@router.post("/hooks/bitbucket", summary="Bitbucket webhook (X-Hub-Signature sha256)", tags=["webhooks"],
             responses=ANSWERS)
def bitbucket(payload: Payload = None):
    return _receive("bitbucket")
