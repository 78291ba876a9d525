"""Which runs a KernelCI list answers with, read from the caller's `by-owner-created` index.

The created_on window (created_on, date_range, time_range) is the Query's key condition, so only the
caller's runs in the window are read, never the table. Without filters and sorted by creation (or not
sorted), a page reads `skip + limit` items and the count is a COUNT Query. Filters and other sorts are
applied in memory to the caller's runs in the window, at most MAX_SCAN of them (most recent first).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ... import blobs
from ...domain import ids
from ...domain.model import Account, Run
from ...store import jobs, runs
from ...store.projects import ProjectCache
from . import views
from .logs import LogSummary
from .params import JobQuery

MAX_SCAN = 10_000  # runs examined by one filtered or sorted request
MAX_RESULTS = 5_000  # documents in one answer when `limit` is 0 (no limit)
MAX_CONSOLE_BYTES = 16 * 1024 * 1024  # of each build's console read for a log summary
MAX_SUMMARIES = 100  # log summaries built by one `GET /job/logs` request


@dataclass
class Found:
    run: Run
    document: dict[str, Any]


def visible(run: Run | None, account: Account) -> bool:
    return run is not None and (account.is_admin or run.owner_id == account.id)


def _in_window(run: Run, query: JobQuery) -> bool:
    return (query.since is None or run.created_at >= query.since) and (
        query.until is None or run.created_at <= query.until
    )


def _by_ids(account: Account, query: JobQuery) -> Iterator[Run]:
    """Runs named by `_id` filters: a GetItem each, no Query at all."""
    for value in query.spec.get("_id", []):
        if not ids.is_object_id((value or "").lower()):
            continue
        run = runs.get_run((value or "").lower())
        if visible(run, account) and _in_window(run, query):  # type: ignore[arg-type]
            yield run  # type: ignore[misc]


def _candidates(account: Account, query: JobQuery, ascending: bool, wanted: int = 100) -> Iterator[Run]:
    """`wanted` sizes the Query's pages, so a small page reads few items."""
    if "_id" in query.spec:
        return _by_ids(account, query)
    return runs.iter_owner_runs_by_created(account.id, query.since, query.until, ascending=ascending,
                                           page_size=max(1, min(wanted, 500)))


def find(account: Account, query: JobQuery, cache: ProjectCache) -> tuple[list[Found], int]:
    """The page of matching runs (after skip and limit) and how many match in all."""
    limit = query.limit or MAX_RESULTS
    spec = {k: v for k, v in query.spec.items() if k != "_id"}
    if not spec and "_id" not in query.spec and query.sorted_by_creation_only:
        wanted = query.skip + limit
        page = islice(_candidates(account, query, query.ascending, wanted), query.skip, wanted)
        found = [Found(run, views.job_document(run, cache.get(run.project_id))) for run in page]
        return found, runs.count_owner_runs(account.id, query.since, query.until)
    everything = matching(account, query, cache)
    if query.sort:
        ordered = views.sort_documents([f.document for f in everything], query.sort, query.sort_order)
        position = {id(d): i for i, d in enumerate(ordered)}
        everything.sort(key=lambda f: position[id(f.document)])
    return everything[query.skip: query.skip + limit], len(everything)


def matching(account: Account, query: JobQuery, cache: ProjectCache) -> list[Found]:
    """Every run in the window whose document matches the filters, in creation order (MAX_SCAN at most)."""
    spec = {k: v for k, v in query.spec.items() if k != "_id"}
    recent_first = islice(_candidates(account, query, ascending=False, wanted=500), MAX_SCAN)
    found = []
    for run in recent_first:
        document = views.job_document(run, cache.get(run.project_id))
        if views.matches(document, spec):
            found.append(Found(run, document))
    found.sort(key=lambda f: f.run.created_at, reverse=not query.ascending)
    return found


def log_summary(run: Run, cache: ProjectCache) -> dict[str, Any]:
    """The error/warning/mismatch lines of every build of the run, read from their whole consoles."""
    summary = LogSummary()
    for job in jobs.list_run_jobs(run.id):
        console = blobs.get_bytes(blobs.console_key(job.id), max_bytes=MAX_CONSOLE_BYTES)
        if console:
            summary.add(console.decode("utf-8", errors="replace").splitlines())
    return views.summary_document(run, cache.get(run.project_id), summary)
