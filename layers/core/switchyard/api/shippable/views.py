"""Every Shippable shape: pure functions from domain objects to the JSON its API answered."""

from __future__ import annotations

from typing import Any

from ...domain.model import Project
from ...domain.states import State

STATUS_CODES: dict[State, int] = {
    State.WAITING: 0,
    State.QUEUED: 10,
    State.PROCESSING: 20,
    State.SUCCESS: 30,
    State.SKIPPED: 40,
    State.UNSTABLE: 50,
    State.TIMEOUT: 60,
    State.CANCELED: 70,
    State.FAILED: 80,
    State.STOPPED: 90,
}
STATUS_NAMES: dict[str, int] = {state.value: code for state, code in STATUS_CODES.items()}


def status_code(state: State | str) -> int:
    return STATUS_CODES[State(state)]


def _scm_urls(project: Project) -> dict[str, str | None]:
    hosts = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
    host = hosts.get(project.provider, project.provider)
    return {
        "repositorySshUrl": f"git@{host}:{project.full_name}.git",
        "repositoryUrl": f"https://{host}/{project.full_name}",
    }


def project_summary(project: Project, most_recent_build: dict[str, Any] | None) -> dict[str, Any]:
    """An entry of `GET /projects`."""
    return {
        "mostRecentBuild": most_recent_build,
        "id": project.id,
        "language": project.language,
        "autoBuild": project.auto_build,
        "fullName": project.full_name,
        "name": project.name,
        "repositoryProvider": project.provider,
        "branches": [project.default_branch],
        "sourceDefaultBranch": project.default_branch,
        "isPrivateRepository": project.is_private,
    }


def project_detail(project: Project, most_recent_build: dict[str, Any] | None) -> dict[str, Any]:
    """`GET /projects/:projectId`."""
    view = project_summary(project, most_recent_build)
    view.update(
        {
            "deployKey": {"public": None},
            "settings": {"imageOptions": {"mounts": [], "ports": []}, "environmentVariables": []},
            "created": project.created_at,
            "isEnabled": project.auto_build,
            "enabledDate": project.enabled_at,
            "sourcePushed": None,
            "sourceCreated": None,
            "sourceUpdated": None,
            "updatedDate": project.updated_at,
            "subscriptionId": project.owner_id,
            "sourceId": None,
            "sourceRepoOwner": {"login": project.owner_name},
            "isFork": False,
            "sourceDescription": "",
            "cloneUrl": project.clone_url,
            "hasStatusToken": project.has_status_token,
            "scmApiUrl": project.scm_api_url,
            "lastStatusError": project.last_status_error,
            **_scm_urls(project),
        }
    )
    return view
