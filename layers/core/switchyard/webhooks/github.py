"""GitHub deliveries: push (branches and tags), pull_request (opened, synchronize, reopened) and ping."""

from __future__ import annotations

from ..domain.model import Commit
from .events import Event, Ignored, Ping, Push
from .payload import Fields, commit_from, is_zero_sha, iso_time, same_repo, split_ref, text_of

PROVIDER = "github"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADERS = ("X-GitHub-Delivery",)
BUILT_PR_ACTIONS = ("opened", "synchronize", "reopened")


def parse(event_name: str, doc: Fields, delivery_id: str) -> Event:
    repo = doc.dig_text("repository", "full_name")
    if event_name == "ping":
        return Ping(repo_full_name=repo, delivery_id=delivery_id)
    if event_name == "push":
        return _push(doc, delivery_id)
    if event_name == "pull_request":
        return _pull_request(doc, delivery_id)
    return Ignored(f"GitHub event '{event_name}' is not built", repo, delivery_id)


def _repo_name(doc: Fields) -> str:
    return doc.obj("repository").text("full_name")


def _push(doc: Fields, delivery_id: str) -> Event:
    repo = _repo_name(doc)
    ref = doc.text("ref")
    branch, tag = split_ref(ref)
    if branch is None and tag is None:
        return Ignored(f"push to {ref} is neither a branch nor a tag", repo, delivery_id)
    kind, name = ("branch", branch) if branch is not None else ("tag", tag)
    after = doc.opt_text("after")
    if doc.flag("deleted") or is_zero_sha(after):
        return Ignored(f"{kind} '{name}' was deleted", repo, delivery_id)
    head = doc.opt_obj("head_commit")
    after = after or (head.opt_text("id") if head else None)
    if head is None or not after:
        return Ignored(f"push to {kind} '{name}' has no head commit", repo, delivery_id)
    author, committer = head.opt_obj("author"), head.opt_obj("committer")
    commit = commit_from(
        after,
        head,
        author,
        author_login=text_of(author, "username"),
        committer_name=text_of(committer, "name"),
        committer_email=text_of(committer, "email"),
        committer_login=text_of(committer, "username"),
    )
    return Push(
        provider=PROVIDER,
        repo_full_name=repo,
        delivery_id=delivery_id,
        event_name="push",
        event="push" if branch is not None else "tag",
        revision=after,
        commit=commit,
        branch=branch,
        tag=tag,
        before_sha=doc.opt_text("before"),
        compare_url=doc.opt_text("compare"),
        triggered_by=doc.dig_text("sender", "login") or doc.dig_text("pusher", "name"),
    )


def _pull_request(doc: Fields, delivery_id: str) -> Event:
    repo = _repo_name(doc)
    action = doc.opt_text("action")
    if action not in BUILT_PR_ACTIONS:
        return Ignored(f"pull_request action '{action}' is not built", repo, delivery_id)
    pr = doc.obj("pull_request")
    number = doc.opt_int("number")
    if number is None:
        number = pr.integer("number")
    head, base = pr.obj("head"), pr.obj("base")
    head_repo, base_repo = head.opt_obj("repo"), base.opt_obj("repo")
    head_name = head_repo.opt_text("full_name") if head_repo else None
    base_name = base_repo.opt_text("full_name") if base_repo else repo
    sha = head.text("sha")
    # A deleted fork leaves head.repo null: unknown origin is treated as a fork (no secrets).
    is_fork = head_repo is None or not same_repo(
        head_repo.data.get("id"), base_repo.data.get("id") if base_repo else None, head_name, base_name
    )
    html_url = pr.opt_text("html_url")
    commit = Commit(
        sha=sha,
        message=pr.opt_text("title") or "",
        author_login=pr.dig_text("user", "login") or "",
        timestamp=iso_time(pr.opt_text("updated_at")),
        url=f"{html_url}/commits/{sha}" if html_url else None,
    )
    return Push(
        provider=PROVIDER,
        repo_full_name=repo,
        delivery_id=delivery_id,
        event_name="pull_request",
        event="pull_request",
        revision=sha,
        commit=commit,
        branch=head.text("ref"),
        is_pull_request=True,
        pull_request_number=number,
        pull_request_base_branch=base.text("ref"),
        head_repo_full_name=head_name,
        is_fork=is_fork,
        before_sha=doc.opt_text("before"),
        compare_url=html_url,
        triggered_by=doc.dig_text("sender", "login"),
    )
