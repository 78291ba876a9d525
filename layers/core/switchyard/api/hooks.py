"""The SCM webhook routes: verify, record once, queue a trigger, answer 202."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler.api_gateway import Router

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


def _receive(provider: Literal["github", "gitlab", "bitbucket"]):
    answer = webhooks.receive(provider, router.current_event.headers, raw_body(router))
    return json_response(answer.status, answer.body)


@router.post("/hooks/github", summary="GitHub webhook (X-Hub-Signature-256)", tags=["webhooks"],
             responses=ANSWERS)
def github():
    return _receive("github")


@router.post("/hooks/gitlab", summary="GitLab webhook (X-Gitlab-Token)", tags=["webhooks"],
             responses=ANSWERS)
def gitlab():
    return _receive("gitlab")


@router.post("/hooks/bitbucket", summary="Bitbucket webhook (X-Hub-Signature sha256)", tags=["webhooks"],
             responses=ANSWERS)
def bitbucket():
    return _receive("bitbucket")
