"""Builds through the local stack as a user drives them: push, run, logs, reports, cancel, retry, secrets."""

from __future__ import annotations

import time

import pytest

from tests.builds import account_and_project, attach_store, deliver_github, github_push, make_repo, wait_for
from tests.conftest import Stack

SHIPPABLE_YML = """\
env:
  - FLAVOR=one
  - FLAVOR=two
build:
  ci:
    - echo "building $FLAVOR on $BRANCH at $COMMIT"
    - env | sort > env.txt; cat env.txt
    - mkdir -p shippable/testresults && cp junit.xml shippable/testresults/
"""
JUNIT = '<testsuite name="s"><testcase classname="c" name="a"/><testcase classname="c" name="b"/></testsuite>'



@pytest.fixture
def running(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "runner-secret-should-not-leak")
    stack = Stack(tmp_path / "data", runners=2).start()
    attach_store(stack.data_dir, monkeypatch)
    yield stack
    stack.stop()


def _final_run(run_id: str, timeout: float = 60):
    from switchyard.store import runs

    return wait_for(lambda: (r := runs.get_run(run_id)) is not None and r.is_final and r, timeout=timeout)


@pytest.mark.stack
def test_push_builds_every_matrix_entry(running, tmp_path):
    from switchyard import blobs
    from switchyard.store import jobs

    repo = tmp_path / "repo"
    sha = make_repo(repo, {"shippable.yml": SHIPPABLE_YML, "junit.xml": JUNIT})
    _, project = account_and_project(running, "ada", "ada/demo", f"file://{repo}")
    answer = deliver_github(running.url, project["webhookSecret"], github_push("ada/demo", sha), "d-1")
    assert answer.status_code == 202, answer.text
    run = _final_run(answer.json()["runs"][0])
    assert run.state.value == "success" and run.commit_sha == sha
    job_list = jobs.list_run_jobs(run.id)
    assert sorted(j.label for j in job_list) == ["FLAVOR=one", "FLAVOR=two"]
    for job in job_list:
        assert job.tests["total"] == 2 and job.tests["passed"] == 2
        console = blobs.get_bytes(blobs.console_key(job.id)).decode()
        assert f"building {job.env[0].split('=')[1]} on main at {sha}" in console
        # the build's environment is built from scratch: none of the runner's secrets
        assert "runner-secret-should-not-leak" not in console and "SWITCHYARD_" not in console
        assert "AWS_" not in console and "CI=true" in console
    redelivered = deliver_github(running.url, project["webhookSecret"], github_push("ada/demo", sha), "d-1")
    assert redelivered.json() == answer.json()


@pytest.mark.stack
def test_failing_command_fails_the_build(running, tmp_path):
    from switchyard.store import jobs

    repo = tmp_path / "repo"
    sha = make_repo(repo, {"shippable.yml": "build:\n  ci:\n    - echo before\n    - exit 3\n    - echo never\n"})
    _, project = account_and_project(running, "bob", "bob/demo", f"file://{repo}")
    answer = deliver_github(running.url, project["webhookSecret"], github_push("bob/demo", sha), "d-2")
    run = _final_run(answer.json()["runs"][0])
    assert run.state.value == "failed"
    [job] = jobs.list_run_jobs(run.id)
    assert [s.exit_code for s in job.steps if s.kind == "run"] == [0, 3]


@pytest.mark.stack
def test_missing_config_fails_the_run_with_a_message(running, tmp_path):
    repo = tmp_path / "repo"
    sha = make_repo(repo, {"README.md": "no config here"})
    _, project = account_and_project(running, "cy", "cy/demo", f"file://{repo}")
    answer = deliver_github(running.url, project["webhookSecret"], github_push("cy/demo", sha), "d-3")
    run = _final_run(answer.json()["runs"][0])
    assert run.state.value == "failed" and "shippable.yml" in run.error and ".circleci/config.yml" in run.error


@pytest.mark.stack
def test_cancel_stops_a_long_build_quickly(running, tmp_path):
    from switchyard.services import cancel
    from switchyard.store import jobs, runs

    repo = tmp_path / "repo"
    sha = make_repo(repo, {"shippable.yml": "build:\n  ci:\n    - echo started\n    - sleep 300\n"})
    _, project = account_and_project(running, "dee", "dee/demo", f"file://{repo}")
    answer = deliver_github(running.url, project["webhookSecret"], github_push("dee/demo", sha), "d-4")
    run_id = answer.json()["runs"][0]
    wait_for(lambda: any(j.state.value == "processing" for j in jobs.list_run_jobs(run_id)), timeout=60)
    time.sleep(1)
    started = time.monotonic()
    cancel.request(runs.get_run(run_id))
    run = _final_run(run_id, timeout=30)
    assert run.state.value == "canceled"
    assert time.monotonic() - started < 15
