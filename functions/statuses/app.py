"""Lambda adapter for commit statuses: status queue messages, with partial batch failures."""

# isort: off
from switchyard import coldstart  # first: no garbage collection while the rest loads
# isort: on
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from switchyard.observability import logger
from switchyard.queues import StatusMessage
from switchyard.services import statuses

processor = BatchProcessor(event_type=EventType.SQS)
coldstart.loaded()


def handle(record: SQSRecord) -> str:
    try:
        message = StatusMessage.model_validate_json(record.body)
    except ValidationError:
        logger.warning("dropping a message that is not a status", extra={"message_id": record.message_id})
        return statuses.NOTHING_TO_DO
    outcome = statuses.deliver(message)
    logger.info("commit status", extra={"job_id": message.job_id, "state": message.state,
                                        "attempt": message.attempt, "outcome": outcome})
    return outcome


@logger.inject_lambda_context
def lambda_handler(event, context):
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
