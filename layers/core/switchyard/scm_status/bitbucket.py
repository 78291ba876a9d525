"""Bitbucket Cloud (POST {api}/2.0/repositories/{workspace}/{repo}/commit/{sha}/statuses/build) and,
for an API base ending in `/rest`, Bitbucket Server's build-status resource."""

from __future__ import annotations

from urllib.parse import quote

from .http import CommitStatus, StatusRequest

DEFAULT_API = "https://api.bitbucket.org"
STATES = {
    "pending": "INPROGRESS",
    "success": "SUCCESSFUL",
    "failure": "FAILED",
    "error": "FAILED",
    "canceled": "STOPPED",
}
_KEY_LIMIT = 255


def build(api: str, full_name: str, token: str, status: CommitStatus) -> StatusRequest:
    workspace, _, repo = full_name.partition("/")
    sha = quote(status.sha, safe="")
    body = {
        "state": STATES[status.state],
        "key": status.context[:_KEY_LIMIT],
        "name": status.context,
        "url": status.target_url,
        "description": status.description,
    }
    if api.endswith("/rest"):
        # Bitbucket Server knows no STOPPED
        body["state"] = "FAILED" if body["state"] == "STOPPED" else body["state"]
        url = f"{api}/build-status/1.0/commits/{sha}"
    else:
        base = api if api.endswith("/2.0") else f"{api}/2.0"
        url = f"{base}/repositories/{quote(workspace, safe='')}/{quote(repo, safe='')}/commit/{sha}/statuses/build"
    return StatusRequest(url=url, body=body, headers={"Authorization": f"Bearer {token}"})
