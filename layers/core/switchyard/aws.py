"""AWS clients built once per process, honouring AWS_ENDPOINT_URL for the local stack.

Built from a botocore session: boto3 adds nothing these calls use and ~20 ms to every cold start.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

from .settings import get_settings

_CONFIG = Config(retries={"max_attempts": 4, "mode": "standard"}, max_pool_connections=32, tcp_keepalive=True)


@cache
def client(service: str) -> Any:
    return botocore.session.get_session().create_client(
        service, region_name=get_settings().region, config=_CONFIG
    )


def reset() -> None:
    client.cache_clear()
