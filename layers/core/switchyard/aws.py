"""boto3 clients built once per process, honouring AWS_ENDPOINT_URL for the local stack."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from .settings import get_settings

_CONFIG = Config(retries={"max_attempts": 4, "mode": "standard"}, max_pool_connections=32, tcp_keepalive=True)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, region_name=get_settings().region, config=_CONFIG)


def reset() -> None:
    client.cache_clear()
