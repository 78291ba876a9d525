"""Queue consumers and schedules of template.yaml, run as Lambda runs them, in their own process.

`switchyard serve` starts this as a child: the planner's git work and the reaper then do not compete
with the API for one interpreter lock, much as each Lambda function has its own process.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import boto3

from .functions import load_functions
from .pollers import QueuePoller, Scheduler
from .template import load

RUNNER_FUNCTION = "RunnerFunction"


def start(root: Path, stop: threading.Event, schedule_interval: float | None = None,
          unit_of_work=None) -> list[threading.Thread]:
    template = load(root / "template.yaml")
    sqs = boto3.client("sqs")
    sources = [s for s in template.queue_sources if s.function != RUNNER_FUNCTION]
    wanted = {s.function for s in sources} | {s.function for s in template.schedules}
    functions = load_functions(root, template, wanted, unit_of_work)
    threads: list[threading.Thread] = []
    for source in sources:
        url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        threads.append(QueuePoller(sqs, source, url, arn, functions[source.function], stop))
    for schedule in template.schedules:
        threads.append(Scheduler(schedule, functions[schedule.function], stop, schedule_interval))
    for thread in threads:
        thread.start()
    return threads


def main(root: Path, schedule_interval: float | None) -> int:
    stop = threading.Event()
    signalled: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: signalled.append(number))
    threads = start(root, stop, schedule_interval)
    while not signalled:
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=3)
    return 0
