"""Webhook parsing, driven by every fixture in events/webhooks: what builds, what is ignored and why, what fails."""

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from switchyard.domain.errors import Invalid
from switchyard.domain.model import Trigger
from switchyard.webhooks.events import Ignored, Ping, Push, to_trigger
from switchyard.webhooks.parse import delivery_id, parse_event
from switchyard.webhooks.skip import skip_reason

HOOKS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
FIXTURES = sorted(HOOKS.rglob("*.json"))
EVENT_HEADER = {"github": "X-GitHub-Event", "gitlab": "X-Gitlab-Event", "bitbucket": "X-Event-Key"}
GITLAB_EVENTS = {"push": "Push Hook", "tag_push": "Tag Push Hook", "merge_request": "Merge Request Hook"}

GH_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
GH_PR_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
GH_EMAIL = "21031067+Codertocat@users.noreply.github.com"
GL_SHA = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
BB_SHA = "709d658dc5b6d6afcd46049c2f332ee3f515a67d"


def rel(path: Path) -> str:
    return path.relative_to(HOOKS).as_posix()


def provider_of(path: Path) -> str:
    return path.relative_to(HOOKS).parts[0]


def event_of(path: Path) -> str:
    """The event header the SCM sends with this fixture, from its file name (see each README)."""
    stem = path.name.split(".")[0]
    provider = provider_of(path)
    if provider == "gitlab":
        return GITLAB_EVENTS[stem]
    if provider == "bitbucket":
        return stem.replace("_", ":", 1)
    return stem


def headers_for(path: Path, **extra: str) -> dict[str, str]:
    return {EVENT_HEADER[provider_of(path)]: event_of(path), **extra}


def parse(name: str, body: bytes | None = None, **extra: str):
    path = HOOKS / name
    return parse_event(provider_of(path), headers_for(path, **extra), path.read_bytes() if body is None else body)


def payload(name: str) -> dict:
    return json.loads((HOOKS / name).read_text())


def parse_changed(name: str, change) -> object:
    """Parse a fixture after `change` edited its payload: variations on real payloads, never JSON typed by hand."""
    data = payload(name)
    change(data)
    return parse(name, json.dumps(data).encode())


# What each top-level fixture must give; github/all/* is checked apart (ignored, whatever it is).
EXPECTED = {
    "github/ping.json": Ping,
    "github/push.branch.json": Push,
    "github/push.branch_update.derived.json": Push,
    "github/push.tag.json": Push,
    "github/push.tag_delete.json": "tag 'simple-tag' was deleted",
    "github/push.delete.derived.json": "branch 'simple-branch' was deleted",
    "github/pull_request.opened.json": Push,
    "github/pull_request.opened.fork.derived.json": Push,
    "github/pull_request.synchronize.json": Push,
    "github/pull_request.reopened.json": Push,
    "github/pull_request.closed.json": "pull_request action 'closed' is not built",
    "github/pull_request.closed.merged.derived.json": "pull_request action 'closed' is not built",
    "github/pull_request.labeled.json": "pull_request action 'labeled' is not built",
    "gitlab/push.json": Push,
    "gitlab/tag_push.json": Push,
    "gitlab/merge_request.json": Push,
    "bitbucket/repo_push.json": Push,
    "bitbucket/pullrequest_created.json": Push,
    "bitbucket/pullrequest_created.fork.json": Push,
    "bitbucket/pullrequest_updated.json": Push,
}


def test_every_fixture_is_covered():
    names = {rel(p) for p in FIXTURES}
    assert len(names) == 35
    assert names - set(EXPECTED) == {rel(p) for p in FIXTURES if rel(p).startswith("github/all/")}
    assert set(EXPECTED) <= names


@pytest.mark.parametrize("path", FIXTURES, ids=rel)
def test_every_fixture_parses_to_its_expected_outcome(path):
    event = parse_event(provider_of(path), headers_for(path), path.read_bytes())
    expected = EXPECTED.get(rel(path), "is not built")
    if isinstance(expected, str):
        assert isinstance(event, Ignored)
        assert expected in event.reason
    else:
        assert type(event) is expected
    assert event.delivery_id is not None


@pytest.mark.parametrize("path", sorted((HOOKS / "github" / "all").glob("*.json")), ids=rel)
def test_other_github_events_are_ignored_by_name(path):
    event = parse_event("github", {"X-GitHub-Event": event_of(path)}, path.read_bytes())
    assert event == Ignored(
        f"GitHub event '{event_of(path)}' is not built",
        payload(rel(path)).get("repository", {}).get("full_name"),
        event.delivery_id,
    )


def test_github_ping_names_its_repository():
    assert parse("github/ping.json", **{"X-GitHub-Delivery": "d-1"}) == Ping("Octocoders/Hello-World", "d-1")


def test_github_branch_push():
    event = parse("github/push.branch.json", **{"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"})
    assert event.provider == "github"
    assert event.repo_full_name == "Codertocat/Hello-World"
    assert event.delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert (event.event_name, event.event) == ("push", "push")
    assert (event.branch, event.tag, event.revision) == ("master", None, GH_SHA)
    assert event.before_sha == "0" * 40
    assert event.compare_url == f"https://github.com/Codertocat/Hello-World/commit/{GH_SHA}"
    assert event.triggered_by == "Codertocat"
    assert not event.is_pull_request and not event.is_fork
    commit = event.commit
    assert (commit.sha, commit.message) == (GH_SHA, "Initial commit")
    assert (commit.author_name, commit.author_email, commit.author_login) == ("Codertocat", GH_EMAIL, "Codertocat")
    assert (commit.committer_name, commit.committer_email, commit.committer_login) == (
        "Codertocat",
        GH_EMAIL,
        "Codertocat",
    )
    assert commit.timestamp == "2019-05-15T15:19:25.000Z"
    assert commit.url == f"https://github.com/Codertocat/Hello-World/commit/{GH_SHA}"


def test_github_push_to_existing_branch_keeps_before_and_compare():
    event = parse("github/push.branch_update.derived.json")
    assert event.before_sha == "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
    assert event.compare_url == "https://github.com/Codertocat/Hello-World/compare/0d1a26e67d8f...6113728f27ae"


def test_github_tag_push():
    event = parse("github/push.tag.json")
    assert (event.event, event.branch, event.tag, event.revision) == ("tag", None, "simple-tag", GH_SHA)
    assert event.commit.message == "Adding a .gitignore file"
    assert event.commit.timestamp == "2019-05-15T15:20:41.000Z"


def test_github_deletion_by_zero_after_alone_is_ignored():
    def zero_after(data):
        data["deleted"] = False
        data["after"] = "0" * 40

    assert parse_changed("github/push.branch.json", zero_after).reason == "branch 'master' was deleted"


def test_github_push_without_head_commit_is_ignored():
    event = parse_changed("github/push.branch.json", lambda d: d.update(head_commit=None))
    assert event.reason == "push to branch 'master' has no head commit"


def test_github_push_to_other_ref_is_ignored():
    event = parse_changed("github/push.branch.json", lambda d: d.update(ref="refs/notes/commits"))
    assert event.reason == "push to refs/notes/commits is neither a branch nor a tag"


def test_github_pull_request_opened_builds_the_head():
    event = parse("github/pull_request.opened.json")
    assert (event.event_name, event.event, event.is_pull_request) == ("pull_request", "pull_request", True)
    assert event.repo_full_name == "Codertocat/Hello-World"
    assert event.pull_request_number == 2
    assert (event.branch, event.pull_request_base_branch, event.revision) == ("changes", "master", GH_PR_SHA)
    assert event.head_repo_full_name == "Codertocat/Hello-World"
    assert event.is_fork is False
    assert event.commit.message == "Update the README with new information."
    assert event.commit.author_login == "Codertocat"
    assert event.commit.url == f"https://github.com/Codertocat/Hello-World/pull/2/commits/{GH_PR_SHA}"
    assert event.compare_url == "https://github.com/Codertocat/Hello-World/pull/2"
    assert event.before_sha is None


def test_github_pull_request_from_a_fork():
    event = parse("github/pull_request.opened.fork.derived.json")
    assert event.repo_full_name == "Codertocat/Hello-World"
    assert event.head_repo_full_name == "Octocoders/Hello-World"
    assert event.is_fork is True
    assert (event.branch, event.revision) == ("changes", GH_PR_SHA)


def test_github_pull_request_from_a_deleted_fork_counts_as_fork():
    event = parse_changed("github/pull_request.opened.json", lambda d: d["pull_request"]["head"].update(repo=None))
    assert event.head_repo_full_name is None
    assert event.is_fork is True


def test_github_same_repository_is_not_a_fork_even_when_that_repository_is_itself_a_fork():
    def mark_fork(data):
        data["pull_request"]["head"]["repo"]["fork"] = True
        data["pull_request"]["base"]["repo"]["fork"] = True

    assert parse_changed("github/pull_request.opened.json", mark_fork).is_fork is False


def test_github_synchronize_carries_before():
    event = parse("github/pull_request.synchronize.json")
    assert event.before_sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    assert event.revision == GH_PR_SHA


def test_github_reopened_builds():
    assert parse("github/pull_request.reopened.json").pull_request_number == 2


def test_github_form_encoded_body_is_read():
    raw = (HOOKS / "github/push.branch.json").read_text()
    event = parse("github/push.branch.json", urlencode({"payload": raw}).encode())
    assert event.revision == GH_SHA


def test_gitlab_push():
    event = parse("gitlab/push.json", **{"X-Gitlab-Event-UUID": "13792a34-cac6-4fda-95a8-c58e00a3954e"})
    assert event.provider == "gitlab"
    assert event.repo_full_name == "mike/diaspora"
    assert event.delivery_id == "13792a34-cac6-4fda-95a8-c58e00a3954e"
    assert (event.event_name, event.event) == ("Push Hook", "push")
    assert (event.branch, event.tag, event.revision) == ("master", None, GL_SHA)
    assert event.before_sha == "95790bf891e76fee5e1747ab589903a6a1f80f22"
    assert event.compare_url == (
        f"http://example.com/mike/diaspora/-/compare/95790bf891e76fee5e1747ab589903a6a1f80f22...{GL_SHA}"
    )
    assert event.triggered_by == "jsmith"
    commit = event.commit
    assert (commit.sha, commit.message) == (GL_SHA, "fixed readme")
    assert (commit.author_name, commit.author_email) == ("GitLab dev user", "gitlabdev@dv6700.(none)")
    assert commit.timestamp == "2012-01-03T21:36:29.000Z"
    assert commit.url == f"http://example.com/mike/diaspora/commit/{GL_SHA}"


def test_gitlab_head_commit_is_the_checkout_sha_not_the_last_listed():
    def reorder(data):
        data["commits"].reverse()

    event = parse_changed("gitlab/push.json", reorder)
    assert event.commit.message == "fixed readme"


def test_gitlab_tag_push():
    event = parse("gitlab/tag_push.json")
    assert event.repo_full_name == "jsmith/example"
    assert (event.event_name, event.event) == ("Tag Push Hook", "tag")
    assert (event.branch, event.tag) == (None, "v1.0.0")
    assert event.revision == "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"
    assert event.commit.message == ""
    assert event.compare_url is None
    assert event.triggered_by == "John Smith"


def test_gitlab_branch_deletion_is_ignored():
    def delete(data):
        data.update(after="0" * 40, checkout_sha=None, commits=[])

    assert parse_changed("gitlab/push.json", delete).reason == "branch 'master' was deleted"


def test_gitlab_merge_request_open():
    event = parse("gitlab/merge_request.json")
    assert event.repo_full_name == "gitlabhq/gitlab-test"
    assert (event.event_name, event.event, event.is_pull_request) == ("Merge Request Hook", "pull_request", True)
    assert event.pull_request_number == 1
    assert (event.branch, event.pull_request_base_branch, event.revision) == ("ms-viewport", "master", GL_SHA)
    assert event.head_repo_full_name == "awesome_space/awesome_project"
    assert event.is_fork is False
    assert event.commit.message == "fixed readme"
    assert event.commit.author_name == "GitLab dev user"
    assert event.compare_url == "http://example.com/diaspora/merge_requests/1"
    assert event.triggered_by == "root"


def test_gitlab_merge_request_from_another_project_is_a_fork():
    def fork(data):
        attrs = data["object_attributes"]
        attrs["source_project_id"] = 15
        attrs["source"]["path_with_namespace"] = "mike/awesome_project"

    event = parse_changed("gitlab/merge_request.json", fork)
    assert (event.is_fork, event.head_repo_full_name) == (True, "mike/awesome_project")


@pytest.mark.parametrize("action", ["close", "merge", "approved"])
def test_gitlab_merge_request_other_actions_are_ignored(action):
    event = parse_changed("gitlab/merge_request.json", lambda d: d["object_attributes"].update(action=action))
    assert event.reason == f"merge_request action '{action}' is not built"


def test_gitlab_merge_request_update_builds_only_with_new_commits():
    edited = parse_changed("gitlab/merge_request.json", lambda d: d["object_attributes"].update(action="update"))
    assert edited.reason == "merge_request update without new commits is not built"

    def pushed(data):
        data["object_attributes"].update(action="update", oldrev="95790bf891e76fee5e1747ab589903a6a1f80f22")

    event = parse_changed("gitlab/merge_request.json", pushed)
    assert event.before_sha == "95790bf891e76fee5e1747ab589903a6a1f80f22"


def test_gitlab_prefers_idempotency_key():
    headers = {"X-Gitlab-Event-UUID": "event-uuid", "Idempotency-Key": "retry-stable"}
    assert delivery_id("gitlab", headers, b"{}") == "retry-stable"
    assert delivery_id("gitlab", {"X-Gitlab-Event-UUID": "event-uuid"}, b"{}") == "event-uuid"


def test_gitlab_other_hooks_are_ignored():
    event = parse_event("gitlab", {"X-Gitlab-Event": "Note Hook"}, (HOOKS / "gitlab/push.json").read_bytes())
    assert event.reason == "GitLab event 'Note Hook' is not built"
    assert event.repo_full_name == "mike/diaspora"


def test_bitbucket_push():
    event = parse("bitbucket/repo_push.json", **{"X-Request-UUID": "9f1c2b8e-0000-4000-8000-000000000001"})
    assert event.provider == "bitbucket"
    assert event.repo_full_name == "team_name/repo_name"
    assert event.delivery_id == "9f1c2b8e-0000-4000-8000-000000000001"
    assert (event.event_name, event.event) == ("repo:push", "push")
    assert (event.branch, event.tag, event.revision) == ("name-of-branch", None, BB_SHA)
    assert event.before_sha == "1e65c05c1d5171631d92438a13901ca7dae9618c"
    assert event.compare_url.startswith("https://bitbucket.org/user_name/repo_name/branches/compare/")
    assert event.triggered_by == "emmap1"
    commit = event.commit
    assert (commit.sha, commit.message) == (BB_SHA, "new commit message\n")
    assert (commit.author_name, commit.author_email, commit.author_login) == ("Emma", "emmap1@bitbucket.com", "emmap1")
    assert commit.timestamp == "2015-06-09T03:34:49.000Z"


def test_bitbucket_branch_deletion_is_ignored():
    def delete(data):
        data["push"]["changes"][0].update(new=None, closed=True)

    assert parse_changed("bitbucket/repo_push.json", delete).reason == "branch 'name-of-branch' was deleted"


def test_bitbucket_tag_push():
    def tag(data):
        data["push"]["changes"][0]["new"].update(type="tag", name="v1.0")

    event = parse_changed("bitbucket/repo_push.json", tag)
    assert (event.event, event.branch, event.tag, event.revision) == ("tag", None, "v1.0", BB_SHA)


def test_bitbucket_author_without_account_uses_raw():
    def anonymous(data):
        data["push"]["changes"][0]["new"]["target"]["author"].pop("user")

    event = parse_changed("bitbucket/repo_push.json", anonymous)
    assert (event.commit.author_name, event.commit.author_email, event.commit.author_login) == (
        "Emma",
        "emmap1@bitbucket.com",
        "",
    )


def test_bitbucket_pull_request_created():
    event = parse("bitbucket/pullrequest_created.json")
    assert event.repo_full_name == "team_name/repo_name"
    assert (event.event_name, event.event, event.is_pull_request) == ("pullrequest:created", "pull_request", True)
    assert event.pull_request_number == 1
    assert (event.branch, event.pull_request_base_branch) == ("branch2", "master")
    assert event.revision == "d3022fc0ca3d"
    assert event.commit.message == "Title of pull request"
    assert (event.commit.author_name, event.commit.author_login) == ("Emma", "emmap1")
    assert event.head_repo_full_name == "team_name/repo_name"
    assert event.is_fork is False


def test_bitbucket_pull_request_from_a_fork():
    event = parse("bitbucket/pullrequest_created.fork.json")
    assert event.repo_full_name == "team_name/repo_name"
    assert event.head_repo_full_name == "emmap1/repo_name"
    assert event.is_fork is True
    assert event.commit.url == "https://bitbucket.org/emmap1/repo_name/commits/d3022fc0ca3d"


def test_bitbucket_pull_request_updated_builds_the_new_head():
    event = parse("bitbucket/pullrequest_updated.json")
    assert (event.event_name, event.revision) == ("pullrequest:updated", "709d658dc5b6")
    assert event.commit.timestamp == "2015-06-09T03:35:12.482Z"


def test_bitbucket_closed_pull_request_is_ignored():
    event = parse_changed("bitbucket/pullrequest_updated.json", lambda d: d["pullrequest"].update(state="MERGED"))
    assert event.reason == "pull request is merged"


def test_bitbucket_other_events_are_ignored():
    body = (HOOKS / "bitbucket/repo_push.json").read_bytes()
    event = parse_event("bitbucket", {"X-Event-Key": "repo:fork"}, body)
    assert event.reason == "Bitbucket event 'repo:fork' is not built"


def test_missing_delivery_id_falls_back_to_the_body_digest():
    body = (HOOKS / "github/push.branch.json").read_bytes()
    first = parse_event("github", {"X-GitHub-Event": "push"}, body)
    again = parse_event("github", {"x-github-event": "push"}, body)
    assert first.delivery_id == again.delivery_id
    assert first.delivery_id.startswith("sha256:") and len(first.delivery_id) == 7 + 64
    assert parse_event("github", {"X-GitHub-Event": "push"}, body + b"\n").delivery_id != first.delivery_id


def test_headers_are_read_case_insensitively():
    body = (HOOKS / "bitbucket/repo_push.json").read_bytes()
    event = parse_event("bitbucket", {"x-event-key": "repo:push", "x-request-uuid": "abc"}, body)
    assert (event.event_name, event.delivery_id) == ("repo:push", "abc")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object, not list"),
        (b"payload=1&payload=2", "exactly one payload field"),
        (b"[" * 100_000 + b"]" * 100_000, "webhook body"),
        (b"{}", "repository must be an object"),
        (b'{"repository": {"full_name": 7}, "ref": "refs/heads/x"}', "repository.full_name must be a string"),
    ],
)
def test_malformed_bodies_are_invalid(body, message):
    with pytest.raises(Invalid, match=message):
        parse_event("github", {"X-GitHub-Event": "push"}, body)


def test_malformed_pull_request_names_the_field():
    def break_head(data):
        data["pull_request"]["head"]["sha"] = None

    with pytest.raises(Invalid, match=r"pull_request\.head\.sha"):
        parse_changed("github/pull_request.opened.json", break_head)


def test_missing_repository_is_invalid_for_every_provider():
    cases = [
        ("gitlab", {"X-Gitlab-Event": "Push Hook"}, "project must be an object"),
        ("gitlab", {"X-Gitlab-Event": "Merge Request Hook"}, "project must be an object"),
        ("bitbucket", {"X-Event-Key": "repo:push"}, "repository must be an object"),
        ("bitbucket", {"X-Event-Key": "pullrequest:created"}, "repository must be an object"),
        ("github", {"X-GitHub-Event": "pull_request"}, "repository must be an object"),
    ]
    for provider, headers, message in cases:
        with pytest.raises(Invalid, match=message):
            parse_event(provider, headers, b'{"ref": "refs/heads/main"}')


def test_missing_event_header_is_invalid():
    with pytest.raises(Invalid, match="missing X-GitHub-Event header"):
        parse_event("github", {}, (HOOKS / "github/push.branch.json").read_bytes())


def test_unknown_provider_is_invalid():
    with pytest.raises(Invalid, match="unknown webhook provider 'gitea'"):
        parse_event("gitea", {}, b"{}")


def test_to_trigger_carries_every_field():
    event = parse("github/pull_request.opened.fork.derived.json")
    trigger = to_trigger(event, "5f1e0c2a9b8d7e6f5a4b3c2d", "64b7f00d1c2e3f4a5b6c7d8e")
    assert isinstance(trigger, Trigger)
    assert (trigger.id, trigger.project_id) == ("64b7f00d1c2e3f4a5b6c7d8e", "5f1e0c2a9b8d7e6f5a4b3c2d")
    assert (trigger.source, trigger.dialect, trigger.event) == ("webhook", "github", "pull_request")
    assert (trigger.branch, trigger.tag, trigger.revision) == ("changes", None, GH_PR_SHA)
    assert (trigger.is_pull_request, trigger.pull_request_number) == (True, 2)
    assert trigger.pull_request_base_branch == "master"
    assert (trigger.head_repo_full_name, trigger.is_fork) == ("Octocoders/Hello-World", True)
    assert trigger.commit == event.commit and trigger.commit is not event.commit
    assert trigger.triggered_by == "Codertocat"
    assert trigger.compare_url == "https://github.com/Codertocat/Hello-World/pull/2"


def test_to_trigger_of_a_tag_push():
    trigger = to_trigger(parse("gitlab/tag_push.json"), "p", "t")
    assert (trigger.dialect, trigger.tag, trigger.branch, trigger.event) == ("gitlab", "v1.0.0", None, "tag")
    assert trigger.before_sha == "0" * 40


@pytest.mark.parametrize(
    ("message", "marker"),
    [
        ("[ci skip] docs", "[ci skip]"),
        ("fix typo [skip ci]", "[skip ci]"),
        ("Wip\n\n[CI SKIP]", "[CI SKIP]"),
        ("tidy [Skip CI] later", "[Skip CI]"),
    ],
)
def test_skip_markers_in_the_head_commit_message(message, marker):
    def with_message(data):
        data["head_commit"]["message"] = message

    trigger = to_trigger(parse_changed("github/push.branch.json", with_message), "p", "t")
    assert skip_reason(trigger) == f"commit message contains {marker}"


@pytest.mark.parametrize("message", ["Initial commit", "ci skip", "[ci-skip]", "[skip-ci]", "[skip ci"])
def test_messages_without_a_marker_build(message):
    def with_message(data):
        data["head_commit"]["message"] = message

    trigger = to_trigger(parse_changed("github/push.branch.json", with_message), "p", "t")
    assert skip_reason(trigger) is None


def test_skip_marker_in_a_gitlab_merge_request_commit():
    def with_message(data):
        data["object_attributes"]["last_commit"]["message"] = "bump [skip ci]"

    trigger = to_trigger(parse_changed("gitlab/merge_request.json", with_message), "p", "t")
    assert skip_reason(trigger) == "commit message contains [skip ci]"
