"""Registering projects and reading them with the visibility rules applied."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..auth import require_readable, require_writable
from ..domain import clock, ids
from ..domain.errors import Forbidden, Invalid
from ..domain.model import PROVIDERS, Account, Project, is_valid_full_name, webhook_secret
from ..settings import get_settings
from ..store import projects as store
from . import secrets as secret_box

CLONE_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://", "git@")
STATUS_TOKEN = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces: it travels in an HTTP header


@dataclass
class NewProject:
    repository_provider: str
    full_name: str
    clone_url: str
    default_branch: str = "main"
    is_private: bool = True
    auto_build: bool = True
    status_token: str | None = None
    scm_api_url: str | None = None


def validate(new: NewProject) -> None:
    if new.repository_provider not in PROVIDERS:
        raise Invalid(
            f"repositoryProvider must be one of {', '.join(PROVIDERS)}", field="repositoryProvider"
        )
    if not is_valid_full_name(new.full_name):
        raise Invalid("fullName must look like 'owner/name'", field="fullName")
    if not new.clone_url.startswith(CLONE_SCHEMES) or any(c.isspace() for c in new.clone_url):
        raise Invalid(f"cloneUrl must start with one of {', '.join(CLONE_SCHEMES)}", field="cloneUrl")
    if not new.default_branch.strip() or any(c.isspace() for c in new.default_branch):
        raise Invalid("sourceDefaultBranch must be a branch name", field="sourceDefaultBranch")
    validate_status_settings(new.status_token, new.scm_api_url)


def validate_status_settings(token: str | None, api_url: str | None) -> None:
    if token and not STATUS_TOKEN.fullmatch(token):
        raise Invalid("statusToken must be printable ASCII without spaces", field="statusToken")
    if api_url and (not api_url.startswith(("https://", "http://")) or any(c.isspace() for c in api_url)):
        raise Invalid("scmApiUrl must be an http(s) URL", field="scmApiUrl")


def create(account: Account, new: NewProject) -> Project:
    if account.is_admin:
        raise Forbidden("the admin token manages accounts; create projects with an account's token")
    validate(new)
    now = clock.now_iso()
    project = Project(
        id=ids.new_id(),
        owner_id=account.id,
        provider=new.repository_provider,
        full_name=new.full_name,
        clone_url=new.clone_url,
        default_branch=new.default_branch,
        is_private=new.is_private,
        auto_build=new.auto_build,
        created_at=now,
        updated_at=now,
        scm_api_url=new.scm_api_url,
        enabled_at=now if new.auto_build else None,
    )
    ciphertext = secret_box.encrypt(new.status_token, context=project.id) if new.status_token else None
    project = store.create_project(project, ciphertext)
    project.has_status_token = bool(ciphertext)
    return project


def set_status_token(account: Account, project_id: str, token: str | None, api_url: str | None) -> None:
    """Replace (or, with no token, remove) the SCM token for commit statuses; clears the last status error."""
    project = writable(account, project_id)
    token, api_url = (token or "").strip() or None, (api_url or "").strip() or None
    validate_status_settings(token, api_url)
    ciphertext = secret_box.encrypt(token, context=project.id) if token else None
    store.set_status_token(project.id, ciphertext, api_url)


def secret_for(project: Project) -> str:
    return webhook_secret(get_settings().secret_key, project.id)


def webhook_path(project: Project) -> str:
    return f"/hooks/{project.provider}"


def readable(account: Account, project_id: str) -> Project:
    if not ids.is_object_id(project_id):
        raise Invalid("projectId must be a 24 character hex id", field="projectId")
    return require_readable(store.get_project(project_id), account)


def writable(account: Account, project_id: str) -> Project:
    if not ids.is_object_id(project_id):
        raise Invalid("projectId must be a 24 character hex id", field="projectId")
    return require_writable(store.get_project(project_id), account)


def visible_to(account: Account, limit: int = 100) -> list[Project]:
    """The account's own projects, then public ones it does not own."""
    own = store.list_owned(account.id, limit=limit) if not account.is_admin else []
    seen = {p.id for p in own}
    public = [p for p in store.list_public(limit=limit) if p.id not in seen]
    return own + public
