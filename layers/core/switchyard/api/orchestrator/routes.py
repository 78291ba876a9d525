"""The orchestrator's jobs routes: the caller's runs as jobs, their jobs as nodes (X-Authentication)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ...auth import authenticate, orchestrator_token
from ...domain import clock
from ...domain.errors import NotFound, Unauthenticated
from ...domain.model import Account, Run
from ...domain.states import ACTIVE
from ...store import accounts, jobs, projects, runs
from ..common import base_url
from . import params, views
from .errors import InvalidToken

router = Router()
DOC = {"tags": ["orchestrator"], "security": [{"orchestrator": []}]}  # for /openapi.json
# Ordering by a field other than the job id sorts this many of the caller's most recent jobs in memory.
SORT_WINDOW = 1000


def caller() -> Account:
    """The account behind X-Authentication; RBAC's 401 kinds when it is missing or unknown."""
    token = orchestrator_token(router.current_event.headers)
    if not token:
        raise Unauthenticated("Route requires authentication")
    try:
        return authenticate(token)
    except Unauthenticated as err:
        raise InvalidToken("The provided authentication token is not valid") from err


def visible_run(job_id: str, account: Account) -> Run:
    """The run with that global id, if the caller owns it; any other is unknown, whether or not it exists."""
    seq = params.parse_job_id(job_id)
    run = runs.get_run_by_seq(seq)
    if run is None or not (account.is_admin or run.owner_id == account.id):
        raise NotFound(f"No job exists with id {job_id}", details={"job-id": job_id})
    return run


def owner_of(run: Run, account: Account) -> Account:
    if run.owner_id == account.id:
        return account
    return accounts.get_account(run.owner_id) or Account(id=run.owner_id, login="", created_at="")


def _page(account: Account, query: params.ListQuery, cache: projects.ProjectCache) -> list[Run]:
    if query.order_by in (None, "timestamp", "name", "owner"):
        # job ids grow with creation time and every job listed is the caller's: the index order is the order
        found = runs.list_owner_runs_by_seq(account.id, query.offset + query.limit, ascending=not query.descending)
        return found[query.offset:]
    window = runs.list_owner_runs_by_seq(account.id, SORT_WINDOW, ascending=False)
    window.sort(key=lambda r: views.sort_key(query.order_by, r, cache.get(r.project_id), account),
                reverse=query.descending)
    return window[query.offset: query.offset + query.limit]


@router.get("/jobs", summary="List the caller's jobs (runs), most recent first", **DOC)
def list_jobs():
    account = caller()
    query = params.parse_list_query(router.current_event.multi_value_query_string_parameters)
    cache = projects.ProjectCache()
    base = base_url(router.current_event)
    items = []
    for run in _page(account, query, cache):
        stopping = run.state in ACTIVE and views.is_stopping(jobs.list_run_jobs(run.id))
        items.append(views.job_item(base, run, cache.get(run.project_id), account, stopping=stopping))
    total = runs.count_owner_runs(account.id)
    return {"items": items,
            "pagination": views.pagination(query.limit, query.offset, total, query.order, query.order_by)}


@router.get("/jobs/<job_id>", summary="One job (run) with its state history", **DOC)
def get_job(job_id: str):
    account = caller()
    run = visible_run(job_id, account)
    project = projects.get_project(run.project_id)
    return views.job_detail(base_url(router.current_event), run, project, owner_of(run, account),
                            jobs.list_run_jobs(run.id))


@router.get("/jobs/<job_id>/nodes", summary="The job's nodes (its matrix jobs) with details", **DOC)
def get_nodes(job_id: str):
    account = caller()
    run = visible_run(job_id, account)
    base, now = base_url(router.current_event), clock.now_iso()
    return {"items": [views.node_item(base, job, now) for job in jobs.list_run_jobs(run.id)]}


@router.get("/jobs/<job_id>/report", summary="The job's report: each node's state and events", **DOC)
def get_report(job_id: str):
    account = caller()
    run = visible_run(job_id, account)
    return views.report(jobs.list_run_jobs(run.id))
