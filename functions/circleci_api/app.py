"""Lambda adapter for the CircleCI v1.1 dialect at /api/v1.1."""

from switchyard.api.circleci.app import build_app
from switchyard.api.common import resolve
from switchyard.observability import logger

app = build_app()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event, context):
    return resolve(app, event, context)
