"""Builds as CircleCI counts them (one job, numbered per project): lookups, filtered lists, followed projects."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator

from ..domain.errors import NotFound
from ..domain.model import Account, Job, Project, Run
from ..domain.states import State
from ..store import follows, jobs, projects, runs

MAX_FOLLOWED = 500


def find_project(account: Account, provider: str, full_name: str) -> Project:
    """The project of a repository, if the account may see it; otherwise the same 404 as for no project."""
    project = projects.find_by_repo(provider, full_name)
    if project is None or not project.readable_by(account):
        raise NotFound("Project not found")
    return project


def find_build(project: Project, build_num: str | int) -> Job:
    try:
        number = int(build_num)
    except (TypeError, ValueError):
        raise NotFound("Build not found") from None
    job = jobs.get_job_by_build_num(project.id, number) if number > 0 else None
    if job is None:
        raise NotFound("Build not found")
    return job


def project_builds(
    project: Project, *, limit: int, offset: int = 0, states: frozenset[State] | None = None, branch: str | None = None
) -> list[Job]:
    """A page of a project's builds, newest first."""
    found = jobs.iter_project_builds(project.id, states=states, branch=branch, page_size=min(100, limit + offset))
    return list(itertools.islice(found, offset, offset + limit))


def followed_projects(account: Account) -> list[Project]:
    """The projects an account follows: its own, then those it chose to follow that it may still see."""
    owned = projects.list_owned(account.id, limit=MAX_FOLLOWED) if not account.is_admin else []
    seen = {p.id for p in owned}
    chosen = []
    for project_id in follows.followed_project_ids(account.id, limit=MAX_FOLLOWED):
        if project_id in seen:
            continue
        project = projects.get_project(project_id)
        if project is not None and project.readable_by(account):
            chosen.append(project)
            seen.add(project_id)
    return owned + chosen


def follow(account: Account, project: Project) -> bool:
    """Follow a project (its owner always does); True when the account did not follow it before."""
    if project.owner_id == account.id:
        return False
    return follows.follow(account.id, project.id)


def is_followed(account: Account, project: Project) -> bool:
    return project.owner_id == account.id or follows.is_following(account.id, project.id)


def recent_builds(account: Account, followed: list[Project], *, limit: int, offset: int = 0) -> list[Job]:
    """The newest builds across every followed project, newest first."""
    streams: list[Iterable[Job]] = []
    if any(p.owner_id == account.id for p in followed):
        streams.append(jobs.iter_owner_jobs(account.id, page_size=min(100, limit + offset)))
    for project in followed:
        if project.owner_id != account.id:
            streams.append(jobs.iter_project_jobs(project.id, page_size=min(100, limit + offset)))
    merged = heapq.merge(*streams, key=lambda job: job.created_at, reverse=True)
    return list(itertools.islice(merged, offset, offset + limit))


def branch_builds(project: Project, limit: int = 100) -> Iterator[Job]:
    """The project's latest builds, for per-branch summaries."""
    return itertools.islice(jobs.iter_project_jobs(project.id, page_size=limit), limit)


class Context:
    """Reads what a build's CircleCI view needs besides the job, each item once per request."""

    def __init__(self, known: Iterable[Job] = ()):
        self._runs: dict[str, Run | None] = {}
        self._jobs: dict[str, Job | None] = {job.id: job for job in known}
        self._by_num: dict[tuple[str, int], Job] = {(job.project_id, job.build_num): job for job in known}
        self._previous: dict[str, Job | None] = {}

    def run(self, job: Job) -> Run | None:
        if job.run_id not in self._runs:
            self._runs[job.run_id] = runs.get_run(job.run_id)
        return self._runs[job.run_id]

    def retry_of(self, job: Job) -> int | None:
        """The build_num of the build this one retries."""
        if not job.retry_of:
            return None
        if job.retry_of not in self._jobs:
            self._jobs[job.retry_of] = jobs.get_job(job.retry_of)
        original = self._jobs[job.retry_of]
        return original.build_num if original else None

    def previous(self, job: Job) -> Job | None:
        """The project's build just before this one."""
        key = (job.project_id, job.build_num - 1)
        if key in self._by_num:
            return self._by_num[key]
        if job.id not in self._previous:
            self._previous[job.id] = jobs.previous_job(job.project_id, job.build_num)
        return self._previous[job.id]
