"""GitLab deliveries: Push Hook, Tag Push Hook and Merge Request Hook (open, reopen, update with new commits)."""

from __future__ import annotations

from .events import Event, Ignored, Push
from .payload import Fields, commit_from, is_zero_sha, same_repo, split_ref

PROVIDER = "gitlab"
EVENT_HEADER = "X-Gitlab-Event"
# Idempotency-Key stays the same when GitLab retries a delivery; the event UUID is the older fallback.
DELIVERY_HEADERS = ("Idempotency-Key", "X-Gitlab-Event-UUID")
PUSH_EVENTS = ("Push Hook", "Tag Push Hook")
MERGE_REQUEST_EVENT = "Merge Request Hook"
BUILT_MR_ACTIONS = ("open", "reopen", "update")


def parse(event_name: str, doc: Fields, delivery_id: str) -> Event:
    if event_name in PUSH_EVENTS:
        return _push(event_name, doc, delivery_id)
    if event_name == MERGE_REQUEST_EVENT:
        return _merge_request(doc, delivery_id)
    repo = doc.dig_text("project", "path_with_namespace")
    return Ignored(f"GitLab event '{event_name}' is not built", repo, delivery_id)


def _repo_name(doc: Fields) -> str:
    return doc.obj("project").text("path_with_namespace")


def _push(event_name: str, doc: Fields, delivery_id: str) -> Event:
    repo = _repo_name(doc)
    ref = doc.text("ref")
    branch, tag = split_ref(ref)
    if branch is None and tag is None:
        return Ignored(f"push to {ref} is neither a branch nor a tag", repo, delivery_id)
    kind, name = ("branch", branch) if branch is not None else ("tag", tag)
    after = doc.opt_text("after")
    if is_zero_sha(after):
        return Ignored(f"{kind} '{name}' was deleted", repo, delivery_id)
    # checkout_sha is the commit itself; `after` may be an annotated tag object.
    sha = doc.opt_text("checkout_sha") or after
    if not sha:
        return Ignored(f"push to {kind} '{name}' has no head commit", repo, delivery_id)
    head = next((c for c in doc.objs("commits") if c.opt_text("id") in (sha, after)), None)
    author = head.opt_obj("author") if head else None
    before = doc.opt_text("before")
    web_url = doc.obj("project").opt_text("web_url")
    compare = f"{web_url}/-/compare/{before}...{sha}" if web_url and before and not is_zero_sha(before) else None
    commit = commit_from(sha, head, author)
    return Push(
        provider=PROVIDER,
        repo_full_name=repo,
        delivery_id=delivery_id,
        event_name=event_name,
        event="push" if branch is not None else "tag",
        revision=sha,
        commit=commit,
        branch=branch,
        tag=tag,
        before_sha=before,
        compare_url=compare,
        triggered_by=doc.opt_text("user_username") or doc.opt_text("user_name"),
    )


def _merge_request(doc: Fields, delivery_id: str) -> Event:
    repo = _repo_name(doc)
    attrs = doc.obj("object_attributes")
    action = attrs.opt_text("action")
    if action not in BUILT_MR_ACTIONS:
        return Ignored(f"merge_request action '{action}' is not built", repo, delivery_id)
    # `update` also fires on title, label or assignee edits; only a push to the MR carries oldrev.
    if action == "update" and not attrs.opt_text("oldrev"):
        return Ignored("merge_request update without new commits is not built", repo, delivery_id)
    state = attrs.opt_text("state")
    if state not in (None, "opened"):
        return Ignored(f"merge request is {state}", repo, delivery_id)
    last = attrs.obj("last_commit")
    author = last.opt_obj("author")
    sha = last.text("id")
    source, target = attrs.opt_obj("source"), attrs.opt_obj("target")
    head_name = source.opt_text("path_with_namespace") if source else None
    base_name = target.opt_text("path_with_namespace") if target else repo
    is_fork = source is None or not same_repo(
        attrs.opt_int("source_project_id"), attrs.opt_int("target_project_id"), head_name, base_name
    )
    commit = commit_from(sha, last, author)
    return Push(
        provider=PROVIDER,
        repo_full_name=repo,
        delivery_id=delivery_id,
        event_name=MERGE_REQUEST_EVENT,
        event="pull_request",
        revision=sha,
        commit=commit,
        branch=attrs.text("source_branch"),
        is_pull_request=True,
        pull_request_number=attrs.integer("iid"),
        pull_request_base_branch=attrs.text("target_branch"),
        head_repo_full_name=head_name,
        is_fork=is_fork,
        before_sha=attrs.opt_text("oldrev"),
        compare_url=attrs.opt_text("url"),
        triggered_by=doc.dig_text("user", "username"),
    )
