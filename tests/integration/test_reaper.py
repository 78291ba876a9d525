"""The reaper on moto: runs and jobs a crash left without their message are resumed, once per lease."""

from __future__ import annotations

import json
import time

import pytest


@pytest.fixture
def project(aws):
    from switchyard.domain.ids import new_id
    from switchyard.services import projects
    from switchyard.store import accounts

    account, _ = accounts.create_account(f"reaper-{new_id()[-8:]}")
    return projects.create(account, projects.NewProject("github", "ada/stalled", "file:///nowhere"))


def _trigger(project):
    from switchyard.domain.ids import new_id
    from switchyard.domain.model import Commit, Trigger

    return Trigger(id=new_id(), project_id=project.id, source="webhook", dialect="github", branch="main",
                   commit=Commit(sha="a" * 40, message="change"))


def _messages(queue_url: str) -> list[dict]:
    from switchyard.aws import client

    found = client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60)
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


def test_a_run_left_waiting_without_its_trigger_is_planned_again(project):
    from switchyard.services import reaper, runs
    from switchyard.settings import get_settings

    trigger = _trigger(project)
    run, _ = runs.open_run(trigger, project)  # the process died here, before the trigger was sent
    time.sleep(0.01)

    assert reaper.settle_idle_runs(idle_seconds=0)["resumed"] == 1
    [message] = _messages(get_settings().trigger_queue_url)
    assert message["trigger"]["id"] == trigger.id and runs.run_id_for(message["trigger"]["id"]) == run.id
    # resumed once per lease: the run was touched, so the next sweep leaves it to the planner
    assert reaper.settle_idle_runs(idle_seconds=60)["resumed"] == 0


def test_a_queued_job_without_its_message_is_sent_again(project):
    from switchyard.services import reaper, runs
    from switchyard.settings import get_settings

    run, _ = runs.open_run(_trigger(project), project)
    plan = {"label": "", "env": [], "steps": [{"kind": "run", "command": "true"}]}
    [job] = runs.create_jobs(run, project, [plan], timeout_seconds=60)
    runs.mark_queued(run, 1)  # the planner died here, before the job message was sent
    time.sleep(0.01)

    assert reaper.settle_idle_runs(idle_seconds=0)["resumed"] == 1
    assert _messages(get_settings().job_queue_url) == [{"kind": "job", "job_id": job.id, "run_id": run.id}]


def test_a_run_whose_jobs_all_ended_is_finalised(project):
    from switchyard.domain.states import State
    from switchyard.services import reaper, runs
    from switchyard.store import jobs
    from switchyard.store import runs as run_store

    run, _ = runs.open_run(_trigger(project), project)
    [job] = runs.create_jobs(run, project, [{"label": "", "env": []}], timeout_seconds=60)
    run = runs.mark_queued(run, 1)
    for state in (State.PROCESSING, State.SUCCESS):  # the runner died before finalising the run
        job.move(state)
        job = jobs.save_job(job)
    time.sleep(0.01)

    assert reaper.settle_idle_runs(idle_seconds=0)["finalised"] == 1
    assert run_store.get_run(run.id).state == State.SUCCESS
