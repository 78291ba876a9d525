"""GitLab and self-hosted GitLab: POST {api}/projects/{url-encoded path}/statuses/{sha}."""

from __future__ import annotations

from urllib.parse import quote

from .http import CommitStatus, StatusRequest

DEFAULT_API = "https://gitlab.com/api/v4"
STATES = {"pending": "pending", "success": "success", "failure": "failed", "error": "failed", "canceled": "canceled"}


def build(api: str, full_name: str, token: str, status: CommitStatus) -> StatusRequest:
    return StatusRequest(
        url=f"{api}/projects/{quote(full_name, safe='')}/statuses/{quote(status.sha, safe='')}",
        body={
            "state": STATES[status.state],
            "name": status.context,
            "target_url": status.target_url,
            "description": status.description,
        },
        headers={"PRIVATE-TOKEN": token},
    )
