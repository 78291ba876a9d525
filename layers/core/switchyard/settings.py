"""Every setting in one pydantic model, read from the environment once per process."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Names of the AWS resources from template.yaml plus the service's knobs."""

    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_", extra="ignore")

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
    log_cap_bytes: int = 1024 * 1024 * 1024
    dockerhub_login_url: str = "https://hub.docker.com/v2/users/login"
    # commit statuses: a failing SCM is asked again after base * 2**n seconds, at most this many times in all
    status_max_attempts: int = 8
    status_retry_base_seconds: int = 1
    status_timeout_seconds: float = 10.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
