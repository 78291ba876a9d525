"""kernelci-backend's job resource: `/job` (and `/jobs`), one job, distinct values, log summaries, POST, DELETE."""

from __future__ import annotations

import re
from dataclasses import replace

from aws_lambda_powertools.event_handler.api_gateway import Router

from ...auth import authenticate, kernelci_token
from ...domain.errors import Invalid, NotFound
from ...domain.model import Account, Run
from ...services import runs as run_service
from ...store import projects, runs
from ..common import header, raw_body
from . import listing, params, views
from .errors import UnknownResource, response

router = Router()
DOC = {"tags": ["kernelci"], "security": [{"kernelci": []}]}  # for /openapi.json
# app/urls.py: an id is 24 alphanumerics, anything else is a path no handler takes
_ROUTE_ID = re.compile(r"^[A-Za-z0-9]{24}$")
_HEX_ID = re.compile(r"^[0-9A-Fa-f]{24}$")


def caller() -> Account:
    """`Authorization: T` or `Authorization: token T`; anything else is kernelci-backend's 403."""
    return authenticate(kernelci_token(router.current_event.headers))


def _query_params():
    return router.current_event.multi_value_query_string_parameters or {}


def _route_id(job_id: str) -> str:
    if not _ROUTE_ID.match(job_id):
        raise UnknownResource("Resource not found")
    return job_id


def _visible_run(job_id: str, account: Account, bad_id: str, missing: str) -> Run:
    if not _HEX_ID.match(job_id):
        raise Invalid(bad_id)
    run = runs.get_run(job_id.lower())
    if not listing.visible(run, account):
        raise NotFound(missing)
    return run  # type: ignore[return-value]


def _list(filter_keys=params.JOB_FILTER_KEYS):
    account = caller()
    query = params.parse_query(_query_params(), filter_keys=filter_keys)
    cache = projects.ProjectCache()
    found, count = listing.find(account, query, cache)
    return account, query, cache, found, count


@router.get("/job", summary="List the caller's job documents (runs)", **DOC)
@router.get("/jobs", summary="List the caller's job documents (runs)", **DOC)
def list_jobs():
    _, query, _, found, count = _list()
    result = [views.projected(f.document, query.fields, query.nfields) for f in found]
    return response(200, views.list_envelope(result, count, query.limit, query.skip))


@router.get("/job/<job_id>", summary="One job document (a one-element result)", **DOC)
@router.get("/jobs/<job_id>", summary="One job document (a one-element result)", **DOC)
def get_job(job_id: str):
    _route_id(job_id)
    account = caller()
    query = params.parse_query(_query_params())
    run = _visible_run(job_id, account, "Wrong ID value provided", f"Resource '{job_id}' not found")
    document = views.job_document(run, projects.get_project(run.project_id))
    return response(200, views.single_envelope(views.projected(document, query.fields, query.nfields)))


@router.get("/job/distinct/<field>", summary="Unique values of a field in the filtered documents", **DOC)
@router.get("/jobs/distinct/<field>", summary="Unique values of a field in the filtered documents", **DOC)
def distinct(field: str):
    account = caller()
    if field not in params.DISTINCT_FIELDS:
        raise Invalid("No field specified or field not valid", field="field")
    query = params.parse_query(_query_params())
    values = views.distinct((f.document for f in listing.matching(account, query, projects.ProjectCache())), field)
    return response(200, {"code": 200, "count": len(values), "result": values})


@router.get("/job/<job_id>/logs", summary="Error and warning lines of the job's build logs", **DOC)
@router.get("/jobs/<job_id>/logs", summary="Error and warning lines of the job's build logs", **DOC)
def get_job_logs(job_id: str):
    _route_id(job_id)
    account = caller()
    query = params.parse_query(_query_params())
    run = _visible_run(job_id, account, "Wrong ID value provided", f"Resource '{job_id}' not found")
    summary = listing.log_summary(run, projects.ProjectCache())
    return response(200, views.single_envelope(views.projected(summary, query.fields, query.nfields)))


@router.get("/job/logs", summary="Log summaries of the filtered job documents", **DOC)
@router.get("/jobs/logs", summary="Log summaries of the filtered job documents", **DOC)
def list_job_logs():
    account = caller()
    query = params.parse_query(_query_params(), filter_keys=params.LOGS_FILTER_KEYS)
    if "job_id" in query.spec:
        spec = {("_id" if k == "job_id" else k): v for k, v in query.spec.items()}
        query = replace(query, spec=spec)
    cache = projects.ProjectCache()
    found, count = listing.find(account, query, cache)
    summaries = [listing.log_summary(f.run, cache) for f in found[: listing.MAX_SUMMARIES]]
    result = [views.projected(s, query.fields, query.nfields) for s in summaries]
    return response(200, views.list_envelope(result, count, query.limit, query.skip))


@router.post("/job", summary="Set a job's status (recorded if it is new)", **DOC)
@router.post("/jobs", summary="Set a job's status (recorded if it is new)", **DOC)
def post_job():
    account = caller()
    event = router.current_event
    update = params.parse_job_update(header(event, "Content-Type"), raw_body(router))
    name = f"'{update.job}-{update.kernel}' (branch {update.git_branch})"
    owned = [p for p in projects.list_owned(account.id, limit=1000) if update.job in (p.name, p.full_name)]
    run = _existing_run(owned, update)
    if run is not None:
        run_service.set_external_status(run, update.status)
    elif owned:
        run_service.record_external_run(owned[0], branch=update.git_branch, kernel=update.kernel,
                                        state=views.STATE_OF_STATUS[update.status], external_status=update.status,
                                        commit_sha=update.git_commit)
    else:
        raise NotFound(f"Project '{update.job}' not found: job {name} cannot be recorded")
    body = {"code": 200, "reason": f"Job {name} marked as '{update.status}'"}
    if update.warnings:
        body["errors"] = update.warnings
    return response(200, body)


# How many of a project's most recent runs POST /job looks through for the named kernel and branch.
POST_SEARCH_DEPTH = 1000


def _existing_run(owned, update: params.JobUpdate) -> Run | None:
    for project in owned:
        for count, run in enumerate(runs.iter_project_runs(project.id), start=1):
            if run.branch == update.git_branch and views.kernel(run) == update.kernel:
                return run
            if count >= POST_SEARCH_DEPTH:
                break
    return None


@router.delete("/job", summary="Without an id: 400", **DOC)
@router.delete("/jobs", summary="Without an id: 400", **DOC)
def delete_without_id():
    caller()
    raise Invalid("No ID value specified")


@router.delete("/job/<job_id>", summary="Delete a job (run) with its builds and logs", **DOC)
@router.delete("/jobs/<job_id>", summary="Delete a job (run) with its builds and logs", **DOC)
def delete_job(job_id: str):
    _route_id(job_id)
    account = caller()
    run = _visible_run(job_id, account, "Wrong ID specified", "Resource not found")
    run_service.delete_run(run)
    return response(200, {"code": 200, "reason": f"Resource '{job_id}' deleted"})
