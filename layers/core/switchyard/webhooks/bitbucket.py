"""Bitbucket Cloud deliveries: repo:push, pullrequest:created and pullrequest:updated."""

from __future__ import annotations

from ..domain.model import Commit
from .events import Event, Ignored, Push
from .payload import Fields, iso_time, name_and_email, same_repo, text_of

PROVIDER = "bitbucket"
EVENT_HEADER = "X-Event-Key"
DELIVERY_HEADERS = ("X-Request-UUID",)
PULL_REQUEST_EVENTS = ("pullrequest:created", "pullrequest:updated")


def parse(event_name: str, doc: Fields, delivery_id: str) -> Event:
    if event_name == "repo:push":
        return _push(doc, delivery_id)
    if event_name in PULL_REQUEST_EVENTS:
        return _pull_request(event_name, doc, delivery_id)
    repo = doc.dig_text("repository", "full_name")
    return Ignored(f"Bitbucket event '{event_name}' is not built", repo, delivery_id)


def _repo_name(doc: Fields) -> str:
    return doc.obj("repository").text("full_name")


def _login(account: Fields | None) -> str:
    # Bitbucket dropped `username` in 2019; `nickname` is what remains.
    return text_of(account, "nickname") or text_of(account, "username")


def _push(doc: Fields, delivery_id: str) -> Event:
    repo = _repo_name(doc)
    changes = doc.obj("push").objs("changes")
    # One push may move several refs; the first that still exists is built. `new` is null on deletion.
    change = next((c for c in changes if c.has("new")), None)
    if change is None:
        gone = next((c.obj("old") for c in changes if c.has("old")), None)
        if gone is None:
            return Ignored("push has no changes", repo, delivery_id)
        return Ignored(f"{text_of(gone, 'type') or 'ref'} '{text_of(gone, 'name')}' was deleted", repo, delivery_id)
    new = change.obj("new")
    kind, name = new.text("type"), new.text("name")
    if kind not in ("branch", "tag"):
        return Ignored(f"push to {kind} '{name}' is neither a branch nor a tag", repo, delivery_id)
    target = new.opt_obj("target")
    sha = target.opt_text("hash") if target else None
    if target is None or not sha:
        return Ignored(f"push to {kind} '{name}' has no head commit", repo, delivery_id)
    author = target.opt_obj("author")
    author_name, author_email = name_and_email(text_of(author, "raw"))
    account = author.opt_obj("user") if author else None
    commit = Commit(
        sha=sha,
        message=target.opt_text("message") or "",
        author_name=text_of(account, "display_name") or author_name,
        author_email=author_email,
        author_login=_login(account),
        timestamp=iso_time(target.opt_text("date")),
        url=target.dig_text("links", "html", "href"),
    )
    old = change.opt_obj("old")
    return Push(
        provider=PROVIDER,
        repo_full_name=repo,
        delivery_id=delivery_id,
        event_name="repo:push",
        event="push" if kind == "branch" else "tag",
        revision=sha,
        commit=commit,
        branch=name if kind == "branch" else None,
        tag=name if kind == "tag" else None,
        before_sha=old.dig_text("target", "hash") if old else None,
        compare_url=change.dig_text("links", "html", "href"),
        triggered_by=_login(doc.opt_obj("actor")) or None,
    )


def _pull_request(event_name: str, doc: Fields, delivery_id: str) -> Event:
    repo = _repo_name(doc)
    pr = doc.obj("pullrequest")
    state = pr.opt_text("state")
    if state not in (None, "OPEN"):
        return Ignored(f"pull request is {state.lower()}", repo, delivery_id)
    source, destination = pr.obj("source"), pr.obj("destination")
    # Bitbucket sends only 12 hex characters of the head commit here.
    sha = source.obj("commit").text("hash")
    head_repo, base_repo = source.opt_obj("repository"), destination.opt_obj("repository")
    head_name = head_repo.opt_text("full_name") if head_repo else None
    base_name = base_repo.opt_text("full_name") if base_repo else repo
    is_fork = head_repo is None or not same_repo(
        head_repo.opt_text("uuid"), base_repo.opt_text("uuid") if base_repo else None, head_name, base_name
    )
    author = pr.opt_obj("author")
    html_url = pr.dig_text("links", "html", "href")
    head_web = head_repo.dig_text("links", "html", "href") if head_repo else None
    commit = Commit(
        sha=sha,
        message=pr.opt_text("title") or "",
        author_name=text_of(author, "display_name"),
        author_login=_login(author),
        timestamp=iso_time(pr.opt_text("updated_on")),
        url=f"{head_web}/commits/{sha}" if head_web else None,
    )
    return Push(
        provider=PROVIDER,
        repo_full_name=repo,
        delivery_id=delivery_id,
        event_name=event_name,
        event="pull_request",
        revision=sha,
        commit=commit,
        branch=source.obj("branch").text("name"),
        is_pull_request=True,
        pull_request_number=pr.integer("id"),
        pull_request_base_branch=destination.obj("branch").text("name"),
        head_repo_full_name=head_name,
        is_fork=is_fork,
        compare_url=html_url,
        triggered_by=_login(doc.opt_obj("actor")) or None,
    )
