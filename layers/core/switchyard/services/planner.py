"""The planner: fetch the commit, read its build config, expand the matrix, create and queue the jobs."""

from __future__ import annotations

from dataclasses import asdict

from .. import git
from ..domain import buildconfig
from ..domain.errors import Invalid, NotFound, Unavailable
from ..domain.model import Run, Trigger
from ..domain.states import State
from ..observability import logger
from ..settings import get_settings
from ..store import runs as run_store
from . import runs


def plan(trigger: Trigger, final_attempt: bool = False) -> Run:
    """Turn a trigger into a queued run. Idempotent: a redelivered trigger finds its run already planned.

    Problems the repository causes (no such branch or commit, no config, bad YAML) fail the run with a
    message saying which. An unreachable repository is retried by the queue; on the last attempt the
    run is failed instead of vanishing into the dead-letter queue unexplained.
    """
    project = runs.project_of(trigger)
    run, _ = runs.open_run(trigger, project)
    if run.state != State.WAITING:
        if run.state == State.QUEUED:
            runs.queue_jobs(run, [j for j in _jobs(run) if j.state == State.QUEUED])
        return run
    ref = trigger.revision or trigger.commit.sha or _tag_ref(trigger) or trigger.branch or project.default_branch
    try:
        fetched = git.fetch_commit(project.clone_url, ref)
    except (NotFound, Invalid) as err:
        return runs.fail_run(run, err.message)
    except Unavailable as err:
        if final_attempt:
            return runs.fail_run(run, err.message)
        raise
    run.commit_sha = fetched.sha
    if run.trigger is not None and not run.trigger.commit.message:
        run.trigger.commit = fetched.commit
        run.trigger.commit.sha = fetched.sha
    config = None
    for kind, path in buildconfig.CONFIG_FILES:
        text = fetched.read(path)
        if text is not None:
            try:
                config = buildconfig.parse(kind, text)
            except Invalid as err:
                return runs.fail_run(run, err.message)
            run.config_kind = kind
            break
    if config is None:
        names = " or ".join(path for _, path in buildconfig.CONFIG_FILES)
        return runs.fail_run(run, f"no {names} at commit {fetched.sha[:12]}")
    if buildconfig.is_skip_message(run.trigger.commit.message if run.trigger else ""):
        return runs.skip_run(run, "commit message asks to skip CI")
    branch = trigger.branch
    try:
        allowed, reason = buildconfig.branch_allowed(config, branch, trigger.job_name)
        if not allowed:
            return runs.skip_run(run, reason)
        plans = buildconfig.expand(config, branch, job_name=trigger.job_name, parallel=trigger.parallel)
    except Invalid as err:
        return runs.fail_run(run, err.message)
    if not plans:
        return runs.skip_run(run, f"branch {branch} is not built by this configuration")
    plan_dicts = [asdict(p) for p in plans]
    run = run_store.save_run(run)
    job_list = runs.create_jobs(run, project, plan_dicts, get_settings().job_timeout_seconds)
    run = runs.mark_queued(run, len(job_list))
    runs.queue_jobs(run, job_list)
    logger.info("run planned", extra={"run_id": run.id, "jobs": len(job_list), "sha": run.commit_sha})
    return run


def _tag_ref(trigger: Trigger) -> str | None:
    return f"refs/tags/{trigger.tag}" if trigger.tag else None


def _jobs(run: Run):
    from ..store import jobs

    return jobs.list_run_jobs(run.id)
