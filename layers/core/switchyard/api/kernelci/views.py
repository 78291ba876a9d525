"""Every KernelCI shape: pure functions from runs to job documents, filters, projections and envelopes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ...domain import clock, ids
from ...domain.model import Project, Run
from ...domain.states import State
from ...urls import without_credentials
from .logs import LogSummary, ranked

DOCUMENT_VERSION = "1.1"
KNOWN_STATUS = ("BUILD", "FAIL", "PASS", "UNKNOWN")

_STATUS: dict[State, str] = {
    State.WAITING: "BUILD",
    State.QUEUED: "BUILD",
    State.PROCESSING: "BUILD",
    State.SUCCESS: "PASS",
    State.FAILED: "FAIL",
    State.UNSTABLE: "FAIL",
    State.TIMEOUT: "FAIL",
    State.CANCELED: "FAIL",
    State.STOPPED: "FAIL",
    State.SKIPPED: "UNKNOWN",
}
# The state a run reported from outside is stored in, for the dialects that only know canonical states.
STATE_OF_STATUS: dict[str, State] = {
    "PASS": State.SUCCESS,
    "FAIL": State.FAILED,
    "BUILD": State.PROCESSING,
    "UNKNOWN": State.SKIPPED,
}


def status(run: Run) -> str:
    """PASS, FAIL, BUILD (still running) or UNKNOWN; a status set with `POST /job` wins over the derived one."""
    if run.external_status in KNOWN_STATUS:
        return run.external_status  # type: ignore[return-value]
    return _STATUS.get(State(run.state), "UNKNOWN")


def kernel(run: Run) -> str | None:
    """The run's describe: what `POST /job` named it, else its tag, else the commit's 12-character short sha."""
    if run.kernel:
        return run.kernel
    if run.trigger and run.trigger.tag:
        return run.trigger.tag
    return run.commit_sha[:12] if run.commit_sha else None


def date(value: str | None) -> dict[str, int] | None:
    """BSON's `{"$date": milliseconds since the epoch}`."""
    moment = clock.parse_iso(value)
    return {"$date": int(moment.timestamp() * 1000)} if moment else None


def oid(value: str) -> dict[str, str]:
    return {"$oid": value}


def job_document(run: Run, project: Project | None) -> dict[str, Any]:
    """A job document (kernelci-backend app/models/job.py, version 1.1); build-only fields are null."""
    describe = kernel(run)
    return {
        "_id": oid(run.id),
        "created_on": date(run.created_at),
        "job": project.name if project else None,
        "kernel": describe,
        "git_branch": run.branch,
        "git_commit": run.commit_sha,
        "git_describe": describe,
        "git_describe_v": None,
        "git_url": without_credentials(project.clone_url) if project else None,
        "status": status(run),
        "version": DOCUMENT_VERSION,
        "private": project.is_private if project else False,
        "kernel_version": None,
        "compiler": None,
        "compiler_version": None,
        "compiler_version_ext": None,
        "compiler_version_full": None,
        "cross_compile": None,
    }


def summary_document(run: Run, project: Project | None, summary: LogSummary) -> dict[str, Any]:
    """An errors-summary document (app/models/error_summary.py) for the run's builds."""
    return {
        "_id": oid(ids.derived_id("errors_summary", run.id)),
        "created_on": date(run.created_at),
        "job_id": oid(run.id),
        "job": project.name if project else None,
        "kernel": kernel(run),
        "git_branch": run.branch,
        "version": DOCUMENT_VERSION,
        "errors": ranked(summary.errors),
        "warnings": ranked(summary.warnings),
        "mismatches": ranked(summary.mismatches),
    }


def _comparable(value: Any) -> Any:
    """A document value as a query string compares to it: ids and dates by their inner value."""
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        return str(inner)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None else str(value)


def matches(document: dict[str, Any], spec: dict[str, list[str | None]]) -> bool:
    """Every filter matches: the document's value is one of the filter's values."""
    return all(_comparable(document.get(key)) in values for key, values in spec.items())


def projected(document: dict[str, Any], fields: Sequence[str], nfields: Sequence[str]) -> dict[str, Any]:
    """`field` keeps only those keys (and `_id`), `nfield` drops keys; both together apply one after the other."""
    if fields:
        keep = {*fields, "_id"}
        document = {k: v for k, v in document.items() if k in keep}
    if nfields:
        drop = set(nfields)
        document = {k: v for k, v in document.items() if k not in drop}
    return document


def _sort_value(value: Any) -> tuple[int, Any]:
    """Mongo's order across types: null, then numbers, then strings, then objects."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (4, value)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, dict) and len(value) == 1:
        return _sort_value(next(iter(value.values())))
    return (3, str(value))


def sort_documents(documents: list[dict[str, Any]], fields: Sequence[str], order: int) -> list[dict[str, Any]]:
    """Sort on every `sort` field in turn, all in the same order (kernelci-backend applies it to each)."""
    return sorted(documents, key=lambda d: [_sort_value(d.get(f)) for f in fields], reverse=order == -1)


def distinct(documents: Iterable[dict[str, Any]], field: str) -> list[Any]:
    """The field's unique values in the order first met; a document without the field adds nothing."""
    seen: dict[Any, None] = {}
    for document in documents:
        if field in document:
            seen.setdefault(document[field], None)
    return list(seen)


def list_envelope(result: list[dict[str, Any]], count: int, limit: int, skip: int) -> dict[str, Any]:
    return {"code": 200, "count": count, "limit": limit, "skip": skip, "result": result}


def single_envelope(document: dict[str, Any]) -> dict[str, Any]:
    """One document: kernelci-backend still wraps it in a list."""
    return {"code": 200, "result": [document]}
