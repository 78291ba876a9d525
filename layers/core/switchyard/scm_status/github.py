"""GitHub and GitHub Enterprise: POST {api}/repos/{owner}/{repo}/statuses/{sha}."""

from __future__ import annotations

from urllib.parse import quote

from .http import CommitStatus, StatusRequest

DEFAULT_API = "https://api.github.com"
STATES = {"pending": "pending", "success": "success", "failure": "failure", "error": "error", "canceled": "error"}


def build(api: str, full_name: str, token: str, status: CommitStatus) -> StatusRequest:
    owner, _, repo = full_name.partition("/")
    return StatusRequest(
        url=f"{api}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}/statuses/{quote(status.sha, safe='')}",
        body={
            "state": STATES[status.state],
            "target_url": status.target_url,
            "description": status.description,
            "context": status.context,
        },
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
