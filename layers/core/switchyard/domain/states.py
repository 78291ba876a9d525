"""The canonical state machine of runs and jobs; every dialect maps it in its views."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .errors import InvalidTransition


class State(StrEnum):
    WAITING = "waiting"
    QUEUED = "queued"
    PROCESSING = "processing"
    SUCCESS = "success"
    FAILED = "failed"
    UNSTABLE = "unstable"
    TIMEOUT = "timeout"
    CANCELED = "canceled"
    SKIPPED = "skipped"
    STOPPED = "stopped"


FINAL: frozenset[State] = frozenset(
    {State.SUCCESS, State.FAILED, State.UNSTABLE, State.TIMEOUT, State.CANCELED, State.SKIPPED, State.STOPPED}
)
ACTIVE: frozenset[State] = frozenset({State.WAITING, State.QUEUED, State.PROCESSING})

_ENDINGS = {State.FAILED, State.CANCELED, State.SKIPPED, State.STOPPED}
TRANSITIONS: dict[State, frozenset[State]] = {
    State.WAITING: frozenset({State.QUEUED, State.PROCESSING} | _ENDINGS),
    State.QUEUED: frozenset({State.PROCESSING, State.TIMEOUT} | _ENDINGS),
    # PROCESSING -> QUEUED is the reaper requeueing a job whose runner died.
    State.PROCESSING: frozenset(
        {State.QUEUED, State.SUCCESS, State.UNSTABLE, State.TIMEOUT} | _ENDINGS
    ),
}


def is_final(state: State | str) -> bool:
    return State(state) in FINAL


def can_move(current: State | str, target: State | str) -> bool:
    return State(target) in TRANSITIONS.get(State(current), frozenset())


def check_move(current: State | str, target: State | str) -> State:
    """Return the target state, or raise InvalidTransition naming both ends."""
    if not can_move(current, target):
        raise InvalidTransition(f"cannot move from {State(current).value} to {State(target).value}")
    return State(target)


@dataclass(frozen=True)
class StateEntry:
    """When a state was entered; the next entry's time is when it was left."""

    state: State
    entered_at: str

    def to_dict(self) -> dict[str, str]:
        return {"state": self.state.value, "entered_at": self.entered_at}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> StateEntry:
        return cls(State(data["state"]), data["entered_at"])


# Worst first: the run shows the worst outcome among the jobs that count.
_SEVERITY = [
    State.CANCELED,
    State.TIMEOUT,
    State.FAILED,
    State.STOPPED,
    State.UNSTABLE,
    State.SUCCESS,
    State.SKIPPED,
]


def derive_run_state(jobs: Iterable[tuple[State | str, bool]]) -> State:
    """A run's state from its jobs' (state, allow_failure) pairs.

    Any active job keeps the run active; otherwise the worst outcome among jobs whose
    failure is not allowed decides, and a run whose only failures are allowed succeeds.
    """
    pairs = [(State(s), allowed) for s, allowed in jobs]
    if not pairs:
        return State.WAITING
    states = {s for s, _ in pairs}
    if State.PROCESSING in states:
        return State.PROCESSING
    if states & {State.QUEUED, State.WAITING}:
        return State.PROCESSING if states & FINAL else State.QUEUED
    counted = [s for s, allowed in pairs if not allowed] or [State.SUCCESS]
    for state in _SEVERITY:
        if state in counted:
            return state
    return State.SUCCESS
