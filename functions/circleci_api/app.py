"""Lambda adapter for the CircleCI v1.1 dialect at /api/v1.1."""

# isort: off
from switchyard import coldstart  # first: no garbage collection while the rest loads
# isort: on
from switchyard.api.circleci.app import build_app
from switchyard.api.common import resolve
from switchyard.observability import logger

app = build_app()
coldstart.loaded()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event, context):
    return resolve(app, event, context)
