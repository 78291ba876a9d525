"""Every setting in one pydantic model, read from the environment once per process.

A plain model fed from ``SWITCHYARD_*`` variables rather than pydantic-settings: that library costs ~40 ms of
every Lambda cold start for a feature (env parsing) this needs five lines for.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "SWITCHYARD_"


class Settings(BaseModel):
    """Names of the AWS resources from template.yaml plus the service's knobs."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    accounts_table: str = "switchyard-accounts"
    tokens_table: str = "switchyard-tokens"
    projects_table: str = "switchyard-projects"
    runs_table: str = "switchyard-runs"
    jobs_table: str = "switchyard-jobs"
    reports_table: str = "switchyard-reports"
    counters_table: str = "switchyard-counters"
    secrets_table: str = "switchyard-secrets"
    idempotency_table: str = "switchyard-idempotency"

    trigger_queue_url: str = ""
    job_queue_url: str = ""
    retry_queue_url: str = ""
    cancel_queue_url: str = ""
    status_queue_url: str = ""

    bucket: str = "switchyard-artifacts"
    kms_key_id: str = ""

    admin_token: str = Field(default="", repr=False)
    admin_token_sha256: str = Field(default="", repr=False)
    secret_key: str = Field(default="", repr=False)

    region: str = "us-east-1"
    public_url: str = ""
    max_api_body_bytes: int = 1024 * 1024
    max_webhook_body_bytes: int = 25 * 1024 * 1024
    job_timeout_seconds: int = 3600
    # how long a runner's claim on a job lasts without a heartbeat; the reaper requeues the job after it
    lease_seconds: int = Field(default=60, ge=3)
    log_cap_bytes: int = 1024 * 1024 * 1024
    dockerhub_login_url: str = "https://hub.docker.com/v2/users/login"
    # commit statuses: a failing SCM is asked again after base * 2**n seconds, at most this many times in all
    status_max_attempts: int = 8
    status_retry_base_seconds: int = 1
    status_timeout_seconds: float = 10.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.model_validate(
        {name[len(ENV_PREFIX):].lower(): value for name, value in os.environ.items()
         if name.upper().startswith(ENV_PREFIX)}
    )


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
