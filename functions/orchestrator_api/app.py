"""Lambda adapter for the Puppet orchestrator dialect (/orchestrator/v1)."""

from switchyard.api.common import resolve
from switchyard.api.orchestrator.app import build_app
from switchyard.observability import logger

app = build_app()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event, context):
    return resolve(app, event, context)
