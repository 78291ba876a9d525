"""Who follows which project: one item per (account, project) in the projects table, found by the follower.

The item's `owner_id` is `follower#<account>`, so the projects table's by-owner index lists an account's
follows with one Query, apart from the projects it owns.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..domain import clock
from .models import ProjectModel

PREFIX = "follower#"


def _key(account_id: str, project_id: str) -> str:
    return f"follow#{account_id}#{project_id}"


def follow(account_id: str, project_id: str) -> bool:
    """Record a follow; False when the account already followed the project."""
    if is_following(account_id, project_id):
        return False
    ProjectModel(
        _key(account_id, project_id),
        kind="follow",
        owner_id=f"{PREFIX}{account_id}",
        created_at=clock.now_iso(),
        project_id=project_id,
    ).save()
    return True


def unfollow(account_id: str, project_id: str) -> None:
    ProjectModel(_key(account_id, project_id)).delete()


def is_following(account_id: str, project_id: str) -> bool:
    try:
        return ProjectModel.get(_key(account_id, project_id), attributes_to_get=["id"]) is not None
    except DoesNotExist:
        return False


def followed_project_ids(account_id: str, limit: int = 500) -> list[str]:
    """The projects an account follows, oldest follow first."""
    items = ProjectModel.by_owner.query(f"{PREFIX}{account_id}", limit=limit)
    return [item.project_id for item in items if item.project_id]
