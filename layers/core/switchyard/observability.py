"""The one place Logger, Tracer and Metrics are built."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="switchyard")
metrics = Metrics(namespace="Switchyard", service="switchyard")
