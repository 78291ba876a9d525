"""SQS event source mappings and schedules, run as Lambda runs them."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

from .functions import LocalFunction
from .template import QueueSource, Schedule

log = logging.getLogger("switchyard.pollers")


class QueuePoller(threading.Thread):
    """Long-polls one queue and hands batches to the function.

    Like Lambda: a batch that raises leaves every message for redelivery; with ReportBatchItemFailures
    only the listed ones stay. Redelivery comes after the queue's visibility timeout, shortened locally
    to an exponential backoff (1, 2, 4 … s) so poison messages reach their dead-letter queue in minutes.
    """

    def __init__(
        self,
        sqs: Any,
        source: QueueSource,
        url: str,
        arn: str,
        function: LocalFunction,
        stop: threading.Event,
        max_backoff: int = 60,
    ):
        super().__init__(name=f"poller-{source.queue}", daemon=True)
        self.sqs, self.source, self.url, self.arn = sqs, source, url, arn
        self.function = function
        self.stop_event = stop
        self.max_backoff = max_backoff

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.poll_once(wait_seconds=2)
            except Exception:
                log.exception("poller %s failed", self.source.queue)
                self.stop_event.wait(1)

    def poll_once(self, wait_seconds: int = 0) -> int:
        response = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages") or []
        if not messages:
            return 0
        event = {"Records": [self._record(m) for m in messages]}
        failed: set[str]
        try:
            result = self.function.invoke(event)
            failed = self._failures(result, messages)
        except Exception:
            log.exception("%s failed on a batch of %d", self.function.spec.name, len(messages))
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            batch = done[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)
        for message in messages:
            if message["MessageId"] in failed:
                attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
                self.sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=min(self.max_backoff, 2 ** (attempts - 1)),
                )
        return len(messages)

    def _failures(self, result: Any, messages: list[dict[str, Any]]) -> set[str]:
        if not self.source.report_failures or not isinstance(result, dict):
            return set()
        ids = {m["MessageId"] for m in messages}
        return {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []} & ids

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": self.arn.split(":")[3] if self.arn.count(":") >= 3 else "us-east-1",
        }


class Scheduler(threading.Thread):
    """Invokes a function on its `rate(...)` schedule with an EventBridge scheduled event."""

    def __init__(
        self, schedule: Schedule, function: LocalFunction, stop: threading.Event, interval: float | None = None
    ):
        super().__init__(name=f"schedule-{schedule.function}", daemon=True)
        self.schedule, self.function, self.stop_event = schedule, function, stop
        self.interval = interval if interval is not None else schedule.seconds

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            event = {
                "version": "0",
                "id": str(time.time_ns()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "resources": [f"local:schedule:{self.schedule.function}"],
                "detail": {},
            }
            try:
                self.function.invoke(event)
            except Exception:
                log.exception("scheduled %s failed", self.schedule.function)


def dump(event: dict[str, Any]) -> str:
    return json.dumps(event)
