"""`switchyard runner`: long-polls the job queue and executes jobs, N at a time, on any host."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import threading
import time
import uuid

from ..aws import client
from ..observability import logger
from ..queues import JobMessage
from ..settings import get_settings
from . import job as job_runner


class Worker(threading.Thread):
    def __init__(self, queue_url: str, name: str, stop: threading.Event, once: bool = False):
        super().__init__(name=f"runner-{name}", daemon=True)
        self.queue_url, self.runner_name, self.stop_event, self.once = queue_url, name, stop, once
        self.runner_id = f"{name}-{uuid.uuid4().hex[:8]}"

    def run(self) -> None:
        sqs = client("sqs")
        while not self.stop_event.is_set():
            try:
                response = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=2)
            except Exception:
                logger.exception("could not poll the job queue")
                self.stop_event.wait(2)
                continue
            messages = response.get("Messages") or []
            if not messages and self.once:
                return
            for message in messages:
                try:
                    job_runner.handle(JobMessage(**json.loads(message["Body"])), self.runner_id, self.runner_name)
                except Exception:
                    logger.exception("job message failed", extra={"message_id": message["MessageId"]})
                    continue
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def main(args: argparse.Namespace) -> int:
    queue_url = args.job_queue_url or get_settings().job_queue_url
    if not queue_url:
        raise SystemExit("no job queue: set SWITCHYARD_JOB_QUEUE_URL or pass --job-queue-url")
    name = args.name or socket.gethostname()
    stop = threading.Event()
    signalled: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: signalled.append(number))
    workers = [Worker(queue_url, name, stop, once=args.once) for _ in range(max(1, args.concurrency))]
    for worker in workers:
        worker.start()
    while not signalled and any(w.is_alive() for w in workers):
        time.sleep(0.2)
    stop.set()
    return 0
