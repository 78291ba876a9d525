"""SQS message types (defined once) and the helpers that send them; the only code that writes to SQS."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from .aws import client
from .settings import get_settings


class TriggerMessage(BaseModel):
    """Start a run: from a webhook, a dialect's trigger route, or a retry."""

    kind: Literal["trigger"] = "trigger"
    trigger: dict[str, Any]


class JobMessage(BaseModel):
    """Execute one job; the runner claims it conditionally, so a duplicate is harmless."""

    kind: Literal["job"] = "job"
    job_id: str
    run_id: str


class RetryMessage(BaseModel):
    """Re-run a job with the same commit, config and parameters as a new job linked to it."""

    kind: Literal["retry"] = "retry"
    job_id: str
    retry_id: str
    ssh: bool = False
    requested_by: str | None = None


class CancelMessage(BaseModel):
    """Cancel every active job of a run, or one job."""

    kind: Literal["cancel"] = "cancel"
    run_id: str | None = None
    job_ids: list[str] = Field(default_factory=list)


class StatusMessage(BaseModel):
    """Post one commit status to the project's SCM; `attempt` counts the SCM's failures so far."""

    kind: Literal["status"] = "status"
    job_id: str
    state: Literal["pending", "success", "failure", "error", "canceled"]
    attempt: int = 0


def _send(queue_url: str, message: BaseModel, delay_seconds: int = 0) -> str:
    response = client("sqs").send_message(
        QueueUrl=queue_url, MessageBody=message.model_dump_json(), DelaySeconds=delay_seconds
    )
    return response["MessageId"]


def send_trigger(message: TriggerMessage) -> str:
    return _send(get_settings().trigger_queue_url, message)


def send_job(message: JobMessage, delay_seconds: int = 0) -> str:
    return _send(get_settings().job_queue_url, message, delay_seconds)


def send_jobs(messages: list[JobMessage]) -> None:
    """Send job messages ten at a time (SQS's batch limit); raise if any entry failed."""
    _send_batch(get_settings().job_queue_url, messages)


def _send_batch(url: str, messages: list[BaseModel]) -> None:
    sqs = client("sqs")
    for start in range(0, len(messages), 10):
        batch = messages[start : start + 10]
        entries = [{"Id": str(i), "MessageBody": m.model_dump_json()} for i, m in enumerate(batch)]
        response = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"could not queue {len(response['Failed'])} message(s): {response['Failed']}")


def send_retry(message: RetryMessage) -> str:
    return _send(get_settings().retry_queue_url, message)


def send_cancel(message: CancelMessage) -> str:
    return _send(get_settings().cancel_queue_url, message)


def send_status(message: StatusMessage, delay_seconds: int = 0) -> str:
    return _send(get_settings().status_queue_url, message, delay_seconds)


def send_statuses(messages: list[StatusMessage]) -> None:
    _send_batch(get_settings().status_queue_url, messages)


def parse(body: str) -> dict[str, Any]:
    return json.loads(body)
