"""Lambda adapter for the KernelCI dialect (/kernelci)."""

from switchyard.api.common import resolve
from switchyard.api.kernelci.app import build_app
from switchyard.observability import logger

app = build_app()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event, context):
    return resolve(app, event, context)
