"""Settings come from SWITCHYARD_* variables, typed and checked, and are read once until reset."""

import pytest
from pydantic import ValidationError

from switchyard.settings import get_settings, reset_settings


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_settings()
    yield
    reset_settings()


def test_variables_with_the_prefix_set_fields_whatever_their_case(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_RUNS_TABLE", "runs-prod")
    monkeypatch.setenv("switchyard_bucket", "logs-prod")
    monkeypatch.setenv("RUNS_TABLE", "not-ours")

    settings = get_settings()

    assert settings.runs_table == "runs-prod"
    assert settings.bucket == "logs-prod"


def test_numbers_are_parsed_and_defaults_kept(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_LEASE_SECONDS", "45")
    monkeypatch.setenv("SWITCHYARD_STATUS_TIMEOUT_SECONDS", "2.5")

    settings = get_settings()

    assert settings.lease_seconds == 45
    assert settings.status_timeout_seconds == 2.5
    assert settings.max_api_body_bytes == 1024 * 1024


def test_unknown_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_NO_SUCH_KNOB", "1")

    assert not hasattr(get_settings(), "no_such_knob")


@pytest.mark.parametrize("name, value", [("SWITCHYARD_LEASE_SECONDS", "1"), ("SWITCHYARD_JOB_TIMEOUT_SECONDS", "soon")])
def test_bad_values_fail_loudly(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError):
        get_settings()


def test_read_once_until_reset(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_JOBS_TABLE", "first")
    assert get_settings().jobs_table == "first"

    monkeypatch.setenv("SWITCHYARD_JOBS_TABLE", "second")
    assert get_settings().jobs_table == "first"

    reset_settings()
    assert get_settings().jobs_table == "second"


def test_secrets_stay_out_of_the_repr(monkeypatch):
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "s3cr3t-admin-token")

    assert "s3cr3t-admin-token" not in repr(get_settings())
