"""The canonical state machine: allowed moves, entry times, and how a run's state follows its jobs."""

import pytest

from switchyard.domain.errors import InvalidTransition
from switchyard.domain.model import Job
from switchyard.domain.states import FINAL, State, can_move, check_move, derive_run_state


def test_final_states_go_nowhere():
    for final in FINAL:
        for target in State:
            assert not can_move(final, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(State.QUEUED, State.PROCESSING), (State.PROCESSING, State.SUCCESS), (State.PROCESSING, State.QUEUED),
     (State.WAITING, State.CANCELED), (State.QUEUED, State.CANCELED)],
)
def test_allowed_moves(current, target):
    assert check_move(current, target) is target


def test_forbidden_move_names_both_states():
    with pytest.raises(InvalidTransition, match="from queued to success"):
        check_move(State.QUEUED, State.SUCCESS)


def test_job_records_entry_time_of_each_state():
    job = Job(state=State.QUEUED, history=[])
    job.move(State.PROCESSING, at="2026-01-01T00:00:01.000Z")
    job.move(State.SUCCESS, at="2026-01-01T00:00:05.000Z")
    assert job.started_at == "2026-01-01T00:00:01.000Z"
    assert job.ended_at == "2026-01-01T00:00:05.000Z"
    assert [e.state for e in job.history] == [State.PROCESSING, State.SUCCESS]


def test_run_state_is_worst_counted_job():
    assert derive_run_state([(State.SUCCESS, False), (State.FAILED, False)]) is State.FAILED
    assert derive_run_state([(State.SUCCESS, False), (State.FAILED, True)]) is State.SUCCESS
    assert derive_run_state([(State.SUCCESS, False), (State.UNSTABLE, False)]) is State.UNSTABLE
    assert derive_run_state([(State.SUCCESS, False), (State.CANCELED, False)]) is State.CANCELED


def test_run_stays_active_while_a_job_is():
    assert derive_run_state([(State.SUCCESS, False), (State.QUEUED, False)]) is State.PROCESSING
    assert derive_run_state([(State.QUEUED, False), (State.QUEUED, False)]) is State.QUEUED
    assert derive_run_state([(State.PROCESSING, False), (State.FAILED, False)]) is State.PROCESSING
