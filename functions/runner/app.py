"""Lambda adapter for the runner: one job message per invocation, stopping before Lambda's own limit."""

# isort: off
from switchyard import coldstart  # first: no garbage collection while the rest loads
# isort: on
import json
import time

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from switchyard.observability import logger
from switchyard.queues import JobMessage
from switchyard.runner import job

SAFETY_MARGIN_S = 30  # time kept to upload the console and record the outcome
processor = BatchProcessor(event_type=EventType.SQS)
_context = {}
coldstart.loaded()


def handle(record: SQSRecord) -> None:
    context = _context["current"]
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_S
    job.handle(JobMessage(**json.loads(record.body)), context.aws_request_id, "lambda", deadline=deadline)


@logger.inject_lambda_context
def lambda_handler(event, context):
    _context["current"] = context
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
