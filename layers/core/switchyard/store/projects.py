"""Projects: create (repository claimed atomically), read, list by owner or visibility, toggle."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain import clock
from ..domain.errors import Conflict, NotFound
from ..domain.model import Project, repo_key
from .models import ProjectModel


def _project(item: ProjectModel) -> Project:
    return Project(
        id=item.id,
        owner_id=item.owner_id or "",
        provider=item.provider or "",
        full_name=item.full_name or "",
        clone_url=item.clone_url or "",
        default_branch=item.default_branch or "main",
        is_private=bool(item.is_private),
        auto_build=bool(item.auto_build),
        created_at=item.created_at or "",
        updated_at=item.updated_at or item.created_at or "",
        language=item.language,
        scm_api_url=item.scm_api_url,
        has_status_token=bool(item.status_token),
        last_status_error=item.last_status_error,
        enabled_at=item.enabled_at,
    )


def _item(project: Project) -> ProjectModel:
    return ProjectModel(
        project.id,
        kind="project",
        owner_id=project.owner_id,
        created_at=project.created_at,
        updated_at=project.updated_at,
        repo_key=project.repo_key,
        visibility=None if project.is_private else "public",
        provider=project.provider,
        full_name=project.full_name,
        clone_url=project.clone_url,
        default_branch=project.default_branch,
        is_private=project.is_private,
        auto_build=project.auto_build,
        language=project.language,
        scm_api_url=project.scm_api_url,
        enabled_at=project.enabled_at,
    )


def create_project(project: Project, status_token_ciphertext: str | None = None) -> Project:
    """Store a new project; a repository already registered (by anyone) is a conflict."""
    item = _item(project)
    item.status_token = status_token_ciphertext
    claim = ProjectModel(f"repo#{project.repo_key}", kind="repo", project_id=project.id, created_at=project.created_at)
    try:
        with TransactWrite(connection=Connection(region=ProjectModel.Meta.region)) as tx:
            tx.save(claim, condition=ProjectModel.id.does_not_exist())
            tx.save(item, condition=ProjectModel.id.does_not_exist())
    except TransactWriteError as err:
        raise Conflict(
            f"project {project.provider}/{project.full_name} already exists", field="fullName"
        ) from err
    return _project(item)


def get_project(project_id: str) -> Project | None:
    try:
        item = ProjectModel.get(project_id)
    except DoesNotExist:
        return None
    return _project(item) if item.kind == "project" else None


def get_projects(project_ids: set[str] | list[str]) -> dict[str, Project]:
    """Several projects by id in BatchGetItem calls."""
    items = ProjectModel.batch_get(list(dict.fromkeys(project_ids)))
    return {item.id: _project(item) for item in items if item.kind == "project"}


class ProjectCache:
    """Each project read once: for one request that shows many runs of few projects."""

    def __init__(self) -> None:
        self.known: dict[str, Project | None] = {}

    def get(self, project_id: str) -> Project | None:
        if project_id not in self.known:
            self.known[project_id] = get_project(project_id)
        return self.known[project_id]


def find_by_repo(provider: str, full_name: str) -> Project | None:
    """The project registered for a repository (webhooks, CircleCI's vcs/user/project paths)."""
    for item in ProjectModel.by_repo.query(repo_key(provider, full_name), limit=1):
        return _project(item)
    return None


def list_owned(owner_id: str, limit: int = 100) -> list[Project]:
    return [_project(i) for i in ProjectModel.by_owner.query(owner_id, limit=limit)]


def list_public(limit: int = 100) -> list[Project]:
    return [_project(i) for i in ProjectModel.by_visibility.query("public", limit=limit)]


def set_auto_build(project_id: str, enabled: bool) -> Project:
    item = ProjectModel(project_id)
    now = clock.now_iso()
    actions = [ProjectModel.auto_build.set(enabled), ProjectModel.updated_at.set(now)]
    if enabled:
        actions.append(ProjectModel.enabled_at.set(now))
    try:
        item.update(actions=actions, condition=ProjectModel.kind == "project")
    except Exception as err:
        if get_project(project_id) is None:
            raise NotFound(f"project {project_id} not found") from err
        raise
    return _project(item)


def set_status_token(project_id: str, ciphertext: str | None, api_url: str | None) -> None:
    ProjectModel(project_id).update(
        actions=[
            ProjectModel.status_token.set(ciphertext) if ciphertext else ProjectModel.status_token.remove(),
            ProjectModel.scm_api_url.set(api_url) if api_url else ProjectModel.scm_api_url.remove(),
            ProjectModel.last_status_error.remove(),
            ProjectModel.updated_at.set(clock.now_iso()),
        ],
        condition=ProjectModel.kind == "project",
    )


def get_status_token_ciphertext(project_id: str) -> str | None:
    try:
        return ProjectModel.get(project_id, attributes_to_get=["status_token"]).status_token
    except DoesNotExist:
        return None


def record_status_error(project_id: str, message: str | None) -> None:
    action = ProjectModel.last_status_error.set(message) if message else ProjectModel.last_status_error.remove()
    ProjectModel(project_id).update(actions=[action], condition=ProjectModel.kind == "project")


def delete_project(project: Project) -> None:
    ProjectModel(f"repo#{project.repo_key}").delete()
    ProjectModel(project.id).delete()
