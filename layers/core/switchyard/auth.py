"""Token → account for every dialect's header form, and the ownership rules (own or public to read, own to write)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping

from .domain.errors import Forbidden, NotFound, Unauthenticated
from .domain.model import Account, Project, hash_token
from .settings import get_settings
from .store import accounts

ADMIN = Account(id="0" * 24, login="admin", created_at="1970-01-01T00:00:00.000Z", name="Administrator", is_admin=True)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def shippable_token(headers: Mapping[str, str] | None) -> str | None:
    """`Authorization: apiToken T`."""
    value = (_header(headers, "Authorization") or "").strip()
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "apitoken" else None


def circleci_token(headers: Mapping[str, str] | None, query: Mapping[str, str] | None) -> str | None:
    """`Circle-Token: T`, HTTP basic with T as the user name, or `?circle-token=T`."""
    token = (_header(headers, "Circle-Token") or "").strip()
    if token:
        return token
    value = (_header(headers, "Authorization") or "").strip()
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            user = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return user
    return ((query or {}).get("circle-token") or "").strip() or None


def orchestrator_token(headers: Mapping[str, str] | None) -> str | None:
    """`X-Authentication: T`."""
    return (_header(headers, "X-Authentication") or "").strip() or None


def kernelci_token(headers: Mapping[str, str] | None) -> str | None:
    """`Authorization: T`, also `Authorization: token T`."""
    value = (_header(headers, "Authorization") or "").strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "token":
        return rest.strip() or None
    return value or None


def is_admin_token(token: str) -> bool:
    settings = get_settings()
    expected = settings.admin_token_sha256 or (hash_token(settings.admin_token) if settings.admin_token else "")
    return bool(expected) and hmac.compare_digest(hash_token(token), expected)


def authenticate(token: str | None) -> Account:
    """The account behind a token; Unauthenticated when there is none or it matches nothing."""
    if not token:
        raise Unauthenticated("an API token is required")
    if is_admin_token(token):
        return ADMIN
    account = accounts.account_for_token(token)
    if account is None:
        raise Unauthenticated("the API token is not valid")
    return account


def require_readable(project: Project | None, account: Account, what: str = "project") -> Project:
    """The project, if the account may see it; otherwise NotFound, so ids of private projects do not leak."""
    if project is None or not project.readable_by(account):
        raise NotFound(f"{what} not found")
    return project


def require_writable(project: Project | None, account: Account, what: str = "project") -> Project:
    """The project, if the account owns it. A private project of someone else stays invisible (404)."""
    project = require_readable(project, account, what)
    if not project.writable_by(account):
        raise Forbidden(f"only the owner of {project.full_name} may do this")
    return project
