"""Commit statuses on the SCM: one small interface, one module per provider, plain HTTP underneath.

The providers' own clients (PyGithub, python-gitlab) sleep and retry by themselves on rate limits, and
PyGithub reads the commit before it can post a status; here each status is exactly one POST with a short
timeout, and what to do about a failure (retry later, or record it on the project) is the caller's choice.
"""

from __future__ import annotations

from ..domain.model import Project
from . import bitbucket, github, gitlab
from .http import CommitStatus, ScmRejected, ScmUnavailable, send

PROVIDERS = {"github": github, "gitlab": gitlab, "bitbucket": bitbucket}

__all__ = ["PROVIDERS", "CommitStatus", "ScmRejected", "ScmUnavailable", "api_base", "post_status"]


def api_base(project: Project) -> str:
    return (project.scm_api_url or PROVIDERS[project.provider].DEFAULT_API).rstrip("/")


def post_status(
    project: Project,
    token: str,
    sha: str,
    state: str,
    context: str,
    target_url: str,
    description: str,
    timeout: float = 10.0,
) -> None:
    """Post one status; raises ScmRejected (do not retry) or ScmUnavailable (retry later)."""
    status = CommitStatus(sha=sha, state=state, context=context, target_url=target_url, description=description)
    request = PROVIDERS[project.provider].build(api_base(project), project.full_name, token, status)
    send(request, token, timeout)
