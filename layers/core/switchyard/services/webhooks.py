"""From a verified SCM delivery to a run waiting for the planner: no git access, a handful of AWS calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from ..aws import client
from ..domain import ids
from ..domain.errors import Conflict, NotFound, Unauthenticated
from ..domain.model import Project
from ..queues import TriggerMessage, send_trigger
from ..settings import get_settings
from ..store import projects
from ..webhooks import verify
from ..webhooks.events import Ignored, Ping, Push, to_trigger
from ..webhooks.parse import parse_event
from ..webhooks.skip import skip_reason
from . import runs
from .projects import secret_for

VERIFIERS = {
    "github": lambda secret, body, headers: verify.verify_github(secret, body, headers),
    "gitlab": lambda secret, body, headers: verify.verify_gitlab(secret, headers),
    "bitbucket": lambda secret, body, headers: verify.verify_bitbucket(secret, body, headers),
}

idempotency_config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=7 * 24 * 3600)
_persistence: DynamoDBPersistenceLayer | None = None


def persistence() -> DynamoDBPersistenceLayer:
    global _persistence
    if _persistence is None:
        _persistence = DynamoDBPersistenceLayer(
            table_name=get_settings().idempotency_table, boto3_client=client("dynamodb")
        )
    return _persistence


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


def receive(provider: str, headers: Mapping[str, str], body: bytes) -> Answer:
    """Verify, then record the delivery once: a redelivery (same delivery id) gets the first answer again."""
    if provider in verify.SIGNATURE_HEADERS and not verify.carries_proof(provider, headers):
        raise Unauthenticated(f"the webhook carries no {verify.SIGNATURE_HEADERS[provider]} header")
    event = parse_event(provider, headers, body)
    if event.repo_full_name is None:
        return Answer(200, {"ignored": event.reason if isinstance(event, Ignored) else "ping"})
    project = projects.find_by_repo(provider, event.repo_full_name)
    if project is None:
        raise NotFound(f"no project is registered for {provider} repository {event.repo_full_name}")
    if not VERIFIERS[provider](secret_for(project), body, headers):
        raise Unauthenticated("the webhook signature or token is missing or wrong")
    if isinstance(event, Ping):
        return Answer(200, {"ignored": "ping"})
    if isinstance(event, Ignored):
        return Answer(200, {"ignored": event.reason})
    delivery = {"key": f"{provider}:{event.delivery_id}", "project_id": project.id}
    answer = _record(delivery=delivery, project=project, event=event)
    return Answer(answer["status"], answer["body"])


def _record(delivery: dict[str, Any], project: Project, event: Push) -> dict[str, Any]:
    @idempotent_function(
        data_keyword_argument="delivery", persistence_store=persistence(), config=idempotency_config
    )
    def record_delivery(delivery: dict[str, Any]) -> dict[str, Any]:
        return _queue(delivery["key"], project, event)

    try:
        return record_delivery(delivery=delivery)
    except IdempotencyAlreadyInProgressError as err:
        # the same delivery is being handled right now, or its handler died mid-way (a kill): the mark
        # expires with the function's timeout, after which a redelivery is handled afresh
        raise Conflict(
            f"delivery {delivery['key']} is already being processed; if it was interrupted, redeliver it "
            "in a minute"
        ) from err


def _queue(key: str, project: Project, event: Push) -> dict[str, Any]:
    if not project.auto_build:
        return {"status": 200, "body": {"ignored": f"builds are disabled for {project.full_name}"}}
    trigger = to_trigger(event, project.id, ids.derived_id("delivery", key))
    reason = skip_reason(trigger)
    if reason:
        return {"status": 200, "body": {"ignored": reason}}
    run, _ = runs.open_run(trigger, project)
    send_trigger(TriggerMessage(trigger=runs.trigger_dict(trigger)))
    return {"status": 202, "body": {"runs": [run.id]}}
