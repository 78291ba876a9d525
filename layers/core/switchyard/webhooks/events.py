"""What a parsed webhook delivery is: a Ping, an Ignored event with its reason, or a Push to build; and its Trigger."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..domain.model import Commit, Trigger


@dataclass(frozen=True)
class Ping:
    """The SCM checking the hook works; answered, never built."""

    repo_full_name: str | None = None
    delivery_id: str | None = None


@dataclass(frozen=True)
class Ignored:
    """A delivery that builds nothing, and why (answered 200 {"ignored": reason})."""

    reason: str
    repo_full_name: str | None = None
    delivery_id: str | None = None


@dataclass(frozen=True)
class Push:
    """A delivery that should start a run: a branch or tag push, or the head of a pull/merge request.

    `event` is normalised (push | tag | pull_request); `event_name` is the SCM's own header value.
    For pull requests `branch` is the head branch and `pull_request_base_branch` the target.
    """

    provider: str
    repo_full_name: str
    delivery_id: str
    event_name: str
    event: str
    revision: str
    commit: Commit = field(default_factory=Commit)
    branch: str | None = None
    tag: str | None = None
    is_pull_request: bool = False
    pull_request_number: int | None = None
    pull_request_base_branch: str | None = None
    head_repo_full_name: str | None = None
    is_fork: bool = False
    before_sha: str | None = None
    compare_url: str | None = None
    triggered_by: str | None = None


Event = Ping | Ignored | Push


def to_trigger(event: Push, project_id: str, trigger_id: str) -> Trigger:
    """The trigger-queue message for a Push that passed verification and the project's filters."""
    return Trigger(
        id=trigger_id,
        project_id=project_id,
        source="webhook",
        dialect=event.provider,
        branch=event.branch,
        tag=event.tag,
        revision=event.revision,
        commit=dataclasses.replace(event.commit),
        is_pull_request=event.is_pull_request,
        pull_request_number=event.pull_request_number,
        pull_request_base_branch=event.pull_request_base_branch,
        head_repo_full_name=event.head_repo_full_name,
        is_fork=event.is_fork,
        triggered_by=event.triggered_by,
        before_sha=event.before_sha,
        compare_url=event.compare_url,
        event=event.event,
    )
