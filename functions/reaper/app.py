"""Lambda adapter for the reaper: every minute settle what runners left behind; apply cancel messages."""

# isort: off
from switchyard import coldstart  # first: no garbage collection while the rest loads
# isort: on
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from switchyard.observability import logger
from switchyard.queues import CancelMessage, parse
from switchyard.services import cancel, reaper

processor = BatchProcessor(event_type=EventType.SQS)
coldstart.loaded()


def handle(record: SQSRecord) -> None:
    cancel.apply(CancelMessage(**parse(record.body)))


@logger.inject_lambda_context
def lambda_handler(event, context):
    if "Records" in event:
        return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
    return reaper.sweep()
