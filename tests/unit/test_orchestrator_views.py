"""Puppet orchestrator: canonical states as job and node states, status history, query and id parsing."""

import pytest

from switchyard.api.orchestrator import params, views
from switchyard.domain.errors import Invalid
from switchyard.domain.model import Job, StepResult
from switchyard.domain.states import State, StateEntry

JOB_STATES = {"new", "ready", "running", "stopping", "stopped", "finished", "failed"}
NODE_STATES = {"new", "ready", "running", "finished", "failed", "skipped", "errored"}


@pytest.mark.parametrize(
    ("state", "job", "node"),
    [
        (State.WAITING, "new", "new"),
        (State.QUEUED, "ready", "ready"),
        (State.PROCESSING, "running", "running"),
        (State.SUCCESS, "finished", "finished"),
        (State.UNSTABLE, "failed", "failed"),
        (State.FAILED, "failed", "failed"),
        (State.TIMEOUT, "failed", "errored"),
        (State.CANCELED, "stopped", "skipped"),
        (State.STOPPED, "stopped", "skipped"),
        (State.SKIPPED, "finished", "skipped"),
    ],
)
def test_every_canonical_state_maps_into_the_orchestrator_vocabulary(state, job, node):
    assert views.puppet_state(state) == job and job in JOB_STATES
    assert views.puppet_state(state, node=True) == node and node in NODE_STATES


def test_an_active_job_asked_to_stop_is_stopping_and_a_finished_one_is_not():
    assert views.puppet_state(State.PROCESSING, stopping=True) == "stopping"
    assert views.puppet_state(State.QUEUED, stopping=True) == "stopping"
    assert views.puppet_state(State.CANCELED, stopping=True) == "stopped"
    assert views.puppet_state(State.PROCESSING, node=True, stopping=True) == "running"


def test_status_list_chains_exit_times_and_leaves_the_current_state_open():
    history = [
        StateEntry(State.WAITING, "2016-04-11T18:44:31.120Z"),
        StateEntry(State.QUEUED, "2016-04-11T18:44:31.800Z"),
        StateEntry(State.PROCESSING, "2016-04-11T18:44:32.000Z"),
        StateEntry(State.QUEUED, "2016-04-11T18:44:40.000Z"),  # the reaper requeued a job
        StateEntry(State.PROCESSING, "2016-04-11T18:44:50.000Z"),
        StateEntry(State.SUCCESS, "2016-04-11T18:45:31.000Z"),
    ]
    assert views.status_list(history) == [
        {"state": "new", "enter_time": "2016-04-11T18:44:31Z", "exit_time": "2016-04-11T18:44:31Z"},
        {"state": "ready", "enter_time": "2016-04-11T18:44:31Z", "exit_time": "2016-04-11T18:44:32Z"},
        {"state": "running", "enter_time": "2016-04-11T18:44:32Z", "exit_time": "2016-04-11T18:44:40Z"},
        {"state": "ready", "enter_time": "2016-04-11T18:44:40Z", "exit_time": "2016-04-11T18:44:50Z"},
        {"state": "running", "enter_time": "2016-04-11T18:44:50Z", "exit_time": "2016-04-11T18:45:31Z"},
        {"state": "finished", "enter_time": "2016-04-11T18:45:31Z", "exit_time": None},
    ]


def test_status_list_merges_canonical_states_with_the_same_orchestrator_name():
    history = [StateEntry(State.PROCESSING, "2020-01-01T00:00:00.000Z"),
               StateEntry(State.SUCCESS, "2020-01-01T00:01:00.000Z")]
    assert [e["state"] for e in views.status_list(history)] == ["running", "finished"]


def _job(state: State, **extra) -> Job:
    history = [StateEntry(State.QUEUED, "2020-01-01T00:00:00.000Z")]
    if state != State.QUEUED:
        history.append(StateEntry(State.PROCESSING, "2020-01-01T00:00:10.000Z"))
    if state not in (State.QUEUED, State.PROCESSING):
        history.append(StateEntry(state, "2020-01-01T00:01:10.000Z"))
    return Job(state=state, history=history, id="a" * 24, number=2, label="FLAVOR=two", **extra)


def test_node_name_is_runner_host_and_label():
    assert views.node_name(_job(State.SUCCESS, runner_host="local")) == "local: FLAVOR=two"
    assert views.node_name(_job(State.QUEUED)) == "FLAVOR=two"


def test_node_details_follow_the_node_state():
    base, now = "https://ci.example.com", "2020-01-01T00:00:40.000Z"
    done = views.node_item(base, _job(State.SUCCESS, runner_host="h", tests={"total": 3, "passed": 2, "failed": 1}),
                           now)
    assert done["details"]["report-url"] == f"{base}/jobs/{'a' * 24}/consoles/download"
    assert done["details"]["metrics"]["total"] == 3 and done["details"]["metrics"]["failed"] == 1
    assert done["duration"] == 60.0 and done["finish_timestamp"] == "2020-01-01T00:01:10Z"
    running = views.node_item(base, _job(State.PROCESSING, runner_host="h"), now)
    assert running["details"]["run-time"] == 30 and running["state"] == "running"
    skipped = views.node_item(base, _job(State.CANCELED, runner_host="h", status_message="canceled"), now)
    assert skipped["state"] == "skipped" and skipped["details"]["detail"] == "canceled"
    errored = views.node_item(base, _job(State.TIMEOUT, runner_host="h", status_message="timed out after 60 s"), now)
    assert errored["state"] == "errored" and errored["details"]["detail"] == "timed out after 60 s"


def test_a_failed_node_says_which_step_failed():
    job = _job(State.FAILED, runner_host="h",
               steps=[StepResult(name="make", kind="run", status="success", exit_code=0),
                      StepResult(name="make check", kind="run", status="failed", exit_code=2)])
    item = views.node_item("http://x", job, "2020-01-01T00:02:00.000Z")
    assert item["message"] == "Failed FLAVOR=two on h: make check exited with 2"
    assert set(item["details"]) == {"message", "report-url", "metrics"}


def test_report_events_are_the_node_state_changes():
    report = views.report([_job(State.SUCCESS, runner_host="h"), _job(State.FAILED, runner_host="h")])
    first, second = report["items"]
    assert [e["type"] for e in first["events"]] == ["node_running", "node_finished"]
    assert [e["type"] for e in second["events"]] == ["node_running", "node_failed"]
    assert [e["id"] for e in first["events"] + second["events"]] == ["1", "2", "3", "4"]
    assert first["events"][0]["details"] == {"node": "h: FLAVOR=two", "detail": {"noop": False}}


def test_list_query_defaults_to_the_most_recent_jobs():
    query = params.parse_list_query(None)
    assert (query.limit, query.offset, query.order_by, query.order) == (params.MAX_LIMIT, 0, None, "desc")


def test_list_query_with_order_by_defaults_to_ascending_and_bounds_the_limit():
    query = params.parse_list_query({"order_by": ["state"], "limit": ["100000"], "offset": ["3"]})
    assert (query.limit, query.offset, query.order_by, query.order) == (params.MAX_LIMIT, 3, "state", "asc")
    assert params.parse_list_query({"limit": ["5", "7"], "order": ["DESC"]}).limit == 7


@pytest.mark.parametrize(
    "query",
    [{"limit": ["abc"]}, {"limit": ["1.5"]}, {"limit": [""]}, {"limit": ["-1"]}, {"offset": ["x"]},
     {"order_by": ["id"]}, {"order": ["sideways"]}],
)
def test_bad_list_parameters_are_validation_errors(query):
    with pytest.raises(Invalid) as caught:
        params.parse_list_query(query)
    assert next(iter(query)) in caught.value.message


@pytest.mark.parametrize(("raw", "expected"), [("1234", 1234), ("-1", -1), ("007", 7)])
def test_job_ids_are_integers(raw, expected):
    assert params.parse_job_id(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12a", "1.0", "", "0x10"])
def test_job_ids_that_are_not_integers_are_rejected(raw):
    with pytest.raises(Invalid):
        params.parse_job_id(raw)
