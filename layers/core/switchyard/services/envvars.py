"""Project environment secrets (CircleCI's envvar API): encrypted with KMS at rest, decrypted only for builds."""

from __future__ import annotations

import re

from ..auth import require_writable
from ..domain.errors import Invalid, NotFound
from ..domain.model import Account, Project
from ..store import secrets as secret_store
from ..store.secrets import StoredSecret
from . import secrets

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_NAME = 256
MAX_VALUE = 32 * 1024
MAX_PER_PROJECT = 200
# A masked value shows its last four characters only when that leaves most of it hidden.
HINT_CHARS = 4
HINT_MIN_LENGTH = 8


def hint_of(value: str) -> str:
    return value[-HINT_CHARS:] if len(value) >= HINT_MIN_LENGTH else ""


def check_name(name: str) -> str:
    if not NAME.match(name or "") or len(name) > MAX_NAME:
        raise Invalid("name must be an environment variable name: letters, digits and _, not starting with a digit",
                      field="name")
    return name


def put(account: Account, project: Project, name: str, value: str) -> StoredSecret:
    """Create or replace a variable; only the project's owner may."""
    require_writable(project, account)
    check_name(name)
    if len(value.encode()) > MAX_VALUE:
        raise Invalid(f"value is longer than {MAX_VALUE} bytes", field="value")
    if "\0" in value:
        raise Invalid("value cannot contain a NUL character", field="value")
    is_new = secret_store.get_secret(project.id, name) is None
    if is_new and len(secret_store.list_secrets(project.id)) >= MAX_PER_PROJECT:
        raise Invalid(f"a project can have at most {MAX_PER_PROJECT} environment variables", field="name")
    ciphertext = secrets.encrypt(value, context=project.id)
    return secret_store.put_secret(project.id, name, ciphertext, hint_of(value))


def list_all(account: Account, project: Project) -> list[StoredSecret]:
    require_writable(project, account)
    return secret_store.list_secrets(project.id)


def get(account: Account, project: Project, name: str) -> StoredSecret:
    require_writable(project, account)
    found = secret_store.get_secret(project.id, name)
    if found is None:
        raise NotFound("Environment variable not found")
    return found


def delete(account: Account, project: Project, name: str) -> None:
    require_writable(project, account)
    if not secret_store.delete_secret(project.id, name):
        raise NotFound("Environment variable not found")


def for_build(project_id: str) -> dict[str, str]:
    """Every variable of a project in clear, for the runner that is about to start one of its builds."""
    stored = secret_store.list_secrets(project_id)
    return {item.name: secrets.decrypt(item.ciphertext, context=project_id) for item in stored}
