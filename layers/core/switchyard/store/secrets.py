"""Project environment secrets: ciphertext only (KMS), one item per (project, name), listed in name order."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, DoesNotExist

from ..domain import clock
from .models import SecretModel


@dataclass(frozen=True)
class StoredSecret:
    project_id: str
    name: str
    ciphertext: str
    hint: str  # the trailing characters a masked listing may show; empty for short values
    created_at: str


def _secret(item: SecretModel) -> StoredSecret:
    return StoredSecret(item.project_id, item.name, item.ciphertext, item.last4 or "", item.created_at)


def put_secret(project_id: str, name: str, ciphertext: str, hint: str) -> StoredSecret:
    """Create or overwrite a variable (CircleCI's POST replaces a value of the same name)."""
    item = SecretModel(project_id, name, ciphertext=ciphertext, last4=hint, created_at=clock.now_iso())
    item.save()
    return _secret(item)


def get_secret(project_id: str, name: str) -> StoredSecret | None:
    try:
        return _secret(SecretModel.get(project_id, name))
    except DoesNotExist:
        return None


def list_secrets(project_id: str) -> list[StoredSecret]:
    return [_secret(item) for item in SecretModel.query(project_id)]


def delete_secret(project_id: str, name: str) -> bool:
    """Remove a variable; False when there was none of that name."""
    try:
        SecretModel(project_id, name).delete(condition=SecretModel.name.exists())
    except DeleteError as err:
        if getattr(err, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
    return True
