"""Runs: one per trigger, keyed so a redelivered trigger maps to the same run."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from ..domain import clock
from ..domain.errors import Conflict
from ..domain.model import Commit, Run, Trigger
from ..domain.states import ACTIVE, State, StateEntry
from .models import RunModel

OPEN = "open"


def trigger_to_dict(trigger: Trigger | None) -> dict:
    return dataclasses.asdict(trigger) if trigger else {}


def trigger_from_dict(data: dict | None) -> Trigger | None:
    if not data:
        return None
    data = dict(data)
    commit = Commit(**data.pop("commit", {}) or {})
    known = {f.name for f in dataclasses.fields(Trigger)}
    return Trigger(commit=commit, **{k: v for k, v in data.items() if k in known})


def _run(item: RunModel) -> Run:
    return Run(
        state=State(item.state),
        history=[StateEntry.from_dict(h) for h in item.history or []],
        id=item.id,
        project_id=item.project_id,
        owner_id=item.owner_id,
        number=int(item.number),
        seq=int(item.seq),
        created_at=item.created_at,
        updated_at=item.updated_at,
        trigger=trigger_from_dict(item.trigger),
        commit_sha=item.commit_sha,
        config_kind=item.config_kind,
        job_count=int(item.job_count or 0),
        error=item.error,
        kernel=item.kernel,
        external_status=item.external_status,
        version=int(item.version or 0),
    )


def _item(run: Run) -> RunModel:
    item = RunModel(
        run.id,
        project_id=run.project_id,
        owner_id=run.owner_id,
        number=run.number,
        seq=run.seq,
        created_at=run.created_at,
        updated_at=run.updated_at,
        open_shard=OPEN if run.state in ACTIVE else None,
        state=run.state.value,
        history=[h.to_dict() for h in run.history],
        trigger=trigger_to_dict(run.trigger),
        commit_sha=run.commit_sha,
        branch=run.branch,
        config_kind=run.config_kind,
        job_count=run.job_count,
        error=run.error,
        kernel=run.kernel,
        external_status=run.external_status,
    )
    if run.version:
        item.version = run.version
    return item


def put_new_run(run: Run) -> bool:
    """Store a run that must not exist yet; False when it does (a redelivered trigger)."""
    item = _item(run)
    try:
        item.save(condition=RunModel.id.does_not_exist())
    except PutError as err:
        if _conditional(err):
            return False
        raise
    run.version = int(item.version)
    return True


def save_run(run: Run) -> Run:
    """Write a changed run; fails with Conflict when someone else changed it since it was read."""
    run.updated_at = clock.now_iso()
    item = _item(run)
    try:
        item.save()
    except PutError as err:
        if _conditional(err):
            raise Conflict(f"run {run.id} changed concurrently") from err
        raise
    run.version = int(item.version)
    return run


def get_run(run_id: str) -> Run | None:
    try:
        return _run(RunModel.get(run_id))
    except DoesNotExist:
        return None


def get_runs(run_ids: set[str] | list[str]) -> dict[str, Run]:
    """Several runs by id in BatchGetItem calls (a page of jobs renders with its runs)."""
    return {item.id: _run(item) for item in RunModel.batch_get(list(dict.fromkeys(run_ids)))}


def get_run_by_seq(seq: int) -> Run | None:
    for key in RunModel.by_seq.query(seq, limit=1):
        return get_run(key.id)
    return None


def list_project_runs(project_id: str, limit: int = 50, newest_first: bool = True) -> list[Run]:
    items = RunModel.by_project.query(project_id, scan_index_forward=not newest_first, limit=limit)
    return [_run(i) for i in items]


def iter_owner_runs_by_seq(owner_id: str, ascending: bool = True, page_size: int = 100) -> Iterator[Run]:
    for item in RunModel.by_owner_seq.query(owner_id, scan_index_forward=ascending, page_size=page_size):
        yield _run(item)


def list_owner_runs_by_seq(owner_id: str, count: int, ascending: bool = False) -> list[Run]:
    """The owner's first `count` runs in id order: one Query that reads at most `count` items."""
    if count <= 0:
        return []
    query = RunModel.by_owner_seq.query(owner_id, scan_index_forward=ascending, limit=count, page_size=min(count, 500))
    return [_run(item) for item in query]


def _created_between(since: str | None, until: str | None):
    """A key condition on created_at, both ends inclusive."""
    if since and until:
        return RunModel.created_at.between(since, until)
    if since:
        return RunModel.created_at >= since
    if until:
        return RunModel.created_at <= until
    return None


def iter_owner_runs_by_created(
    owner_id: str, since: str | None = None, until: str | None = None, ascending: bool = False, page_size: int = 100
) -> Iterator[Run]:
    """The owner's runs created in [since, until], read lazily page by page: stop early to read less."""
    query = RunModel.by_owner_created.query(
        owner_id, range_key_condition=_created_between(since, until), scan_index_forward=ascending,
        page_size=page_size,
    )
    for item in query:
        yield _run(item)


def count_owner_runs(owner_id: str, since: str | None = None, until: str | None = None) -> int:
    """How many runs the owner created in [since, until]: a COUNT Query on the owner's partition only."""
    return RunModel.by_owner_created.count(owner_id, range_key_condition=_created_between(since, until))


def iter_project_runs(project_id: str, newest_first: bool = True, page_size: int = 50) -> Iterator[Run]:
    """A project's runs by number, read lazily page by page."""
    query = RunModel.by_project.query(project_id, scan_index_forward=not newest_first, page_size=page_size)
    for item in query:
        yield _run(item)


def iter_open_run_ids(updated_before: str) -> Iterator[str]:
    """Ids of runs still active and untouched since a moment (the reaper's worklist)."""
    for key in RunModel.open_runs.query(OPEN, RunModel.updated_at < updated_before):
        yield key.id


def delete_run(run_id: str) -> None:
    RunModel(run_id).delete(add_version_condition=False)


def _conditional(err: PutError | UpdateError) -> bool:
    return getattr(err, "cause_response_code", None) == "ConditionalCheckFailedException"
