"""Lambda adapter for the planner: trigger and retry queue messages, with partial batch failures."""

# isort: off
from switchyard import coldstart  # first: no garbage collection while the rest loads
# isort: on
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from switchyard.observability import logger
from switchyard.queues import RetryMessage, parse
from switchyard.services import planner, retries, runs

MAX_ATTEMPTS = 5  # the trigger queue's maxReceiveCount: the last try records the failure on the run
processor = BatchProcessor(event_type=EventType.SQS)
coldstart.loaded()


def handle(record: SQSRecord) -> None:
    message = parse(record.body)
    attempt = int(record.attributes.approximate_receive_count or 1)
    if message.get("kind") == "trigger":
        planner.plan(runs.trigger_of(message["trigger"]), final_attempt=attempt >= MAX_ATTEMPTS)
    elif message.get("kind") == "retry":
        retries.apply(RetryMessage(**message))
    else:
        logger.warning("dropping a message of unknown kind", extra={"kind": message.get("kind")})


@logger.inject_lambda_context
def lambda_handler(event, context):
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
