"""Lambda adapter for SCM webhooks."""

# isort: off
from switchyard import coldstart  # first: no garbage collection while the rest loads
# isort: on
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from switchyard.api import hooks
from switchyard.api.common import install, resolve
from switchyard.api.shippable import errors
from switchyard.observability import logger
from switchyard.services import webhooks
from switchyard.settings import get_settings

app = APIGatewayRestResolver()
install(app, errors.render, max_body=get_settings().max_webhook_body_bytes, relabel_json=False)
app.include_router(hooks.router)
coldstart.loaded()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event, context):
    webhooks.idempotency_config.register_lambda_context(context)
    return resolve(app, event, context)
