"""Lambda adapter for the reaper: every minute, settle what runners left behind."""

from switchyard.observability import logger
from switchyard.services import reaper


@logger.inject_lambda_context
def lambda_handler(event, context):
    return reaper.sweep()
