"""Integer sequences from DynamoDB atomic counters (run numbers, build_num, orchestrator job ids)."""

from __future__ import annotations

from .models import CounterModel


def next_value(name: str) -> int:
    """Atomically add one to the named counter and return the new value (1 for a new counter)."""
    counter = CounterModel(name)
    counter.update(actions=[CounterModel.value.add(1)])
    return int(counter.value)


def project_run_counter(project_id: str) -> str:
    return f"project:{project_id}:run"


def project_build_counter(project_id: str) -> str:
    return f"project:{project_id}:build_num"


GLOBAL_RUN_SEQ = "global:run_seq"
