"""switchyard.git against real repositories made with dulwich, over local paths, file:// and smart HTTP."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from dulwich import porcelain
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import make_wsgi_chain

from switchyard import git
from switchyard.domain.errors import NotFound, Unavailable

FIRST_TIME = 1_700_000_000  # 2023-11-14T22:13:20Z
SECOND_TIME = FIRST_TIME + 3600


@dataclass
class Sample:
    path: Path
    first: str
    second: str
    feature: str

    @property
    def url(self) -> str:
        return self.path.as_uri()


def _commit(repo: Path, files: dict[str, str], message: str, when: int, executable: tuple[str, ...] = ()) -> str:
    for name, content in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        target.chmod(0o755 if name in executable else 0o644)
    porcelain.add(str(repo), [str(repo / name) for name in files])
    sha = porcelain.commit(
        str(repo),
        message=message.encode(),
        author=b"Ada Lovelace <ada@example.com>",
        committer=b"Grace Hopper <grace@example.com>",
        author_timestamp=when,
        author_timezone=3600,
        commit_timestamp=when + 60,
        commit_timezone=0,
    )
    return sha.decode()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Sample:
    """master: two commits; feature/x: one more; tags v1 (annotated, on the first) and light (on the second)."""
    path = tmp_path_factory.mktemp("origin") / "repo"
    path.mkdir()
    porcelain.init(str(path))
    first = _commit(path, {"shippable.yml": "env: A=1\n", "src/app.py": "VERSION = 1\n"}, "First\n\nBody.", FIRST_TIME)
    second = _commit(
        path, {"src/app.py": "VERSION = 2\n", "bin/run.sh": "#!/bin/sh\n"}, "Second", SECOND_TIME, ("bin/run.sh",)
    )
    porcelain.tag_create(
        str(path), "v1", author=b"Ada <ada@example.com>", message=b"one", annotated=True, objectish=first
    )
    porcelain.tag_create(str(path), "light", objectish=second)
    porcelain.branch_create(str(path), "feature/x", second)
    with Repo(str(path)) as repo:
        repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/feature/x")
    feature = _commit(path, {"feature.txt": "new\n"}, "Feature [ci skip]", SECOND_TIME + 10)
    with Repo(str(path)) as repo:
        repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/master")
    return Sample(path=path, first=first, second=second, feature=feature)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def http_url(sample) -> Iterator[str]:
    """The sample repository served by dulwich's smart HTTP server."""
    app = make_wsgi_chain(DictBackend({"/": Repo(str(sample.path))}))
    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["path", "file", "http"])
def url(request, sample) -> str:
    if request.param == "path":
        return str(sample.path)
    if request.param == "file":
        return sample.url
    return request.getfixturevalue("http_url")


# -- resolve ---------------------------------------------------------------------------------------------------------


def test_resolve_branches_tags_refs_and_shas(url, sample):
    assert git.resolve(url, "master") == sample.second
    assert git.resolve(url, "feature/x") == sample.feature
    assert git.resolve(url, "refs/heads/feature/x") == sample.feature
    assert git.resolve(url, "v1") == sample.first  # annotated: peeled to its commit
    assert git.resolve(url, "refs/tags/v1") == sample.first
    assert git.resolve(url, "light") == sample.second
    assert git.resolve(url, sample.first.upper()) == sample.first


def test_file_urls_are_percent_decoded(sample, tmp_path):
    spaced = tmp_path / "with space"
    shutil.copytree(sample.path, spaced)
    assert "%20" in spaced.as_uri()
    assert git.resolve(spaced.as_uri(), "master") == sample.second


def test_resolve_unknown_branch_is_not_found(url):
    with pytest.raises(NotFound) as caught:
        git.resolve(url, "nope")
    assert caught.value.message == f"branch 'nope' not found in {url}"
    with pytest.raises(NotFound, match="ref 'refs/heads/nope' not found"):
        git.resolve(url, "refs/heads/nope")


def test_unreadable_repository_is_unavailable(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(Unavailable, match=f"^could not reach {re.escape(str(missing))}: "):
        git.resolve(str(missing), "master")
    with pytest.raises(Unavailable, match=r"^could not reach file://"):
        git.fetch_commit(missing.as_uri(), "master")


def test_credentials_never_reach_the_message():
    url = "http://deploy:hunter2secret@127.0.0.1:9/owner/repo.git"
    with pytest.raises(Unavailable) as caught:
        git.resolve(url, "master")
    assert "hunter2secret" not in caught.value.message
    assert "http://***@127.0.0.1:9/owner/repo.git" in caught.value.message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True


def test_redact_and_without_credentials():
    assert git.redact("https://x-token:abc@github.com/o/r.git") == "https://***@github.com/o/r.git"
    assert git.redact("https://github.com/o/r.git") == "https://github.com/o/r.git"
    assert git.redact("/srv/repos/r") == "/srv/repos/r"
    assert git.without_credentials("https://tok@github.com/o/r.git") == "https://github.com/o/r.git"


# -- fetching one commit ---------------------------------------------------------------------------------------------


def test_read_files_at_a_commit(url, sample):
    files = git.read_files(url, sample.first, ["shippable.yml", "src/app.py", ".circleci/config.yml", "src"])
    assert files == {
        "shippable.yml": b"env: A=1\n",
        "src/app.py": b"VERSION = 1\n",
        ".circleci/config.yml": None,
        "src": None,
    }
    assert git.read_files(url, sample.second, ["src/app.py", "./bin/run.sh"]) == {
        "src/app.py": b"VERSION = 2\n",
        "./bin/run.sh": b"#!/bin/sh\n",
    }


def test_fetch_commit_by_ref_gives_sha_metadata_and_files(url, sample):
    fetched = git.fetch_commit(url, "feature/x")
    assert fetched.sha == sample.feature
    assert fetched.read("feature.txt") == b"new\n"
    assert fetched.read("src/app.py") == b"VERSION = 2\n"
    assert fetched.read("missing/deeper.txt") is None
    assert fetched.commit.message == "Feature [ci skip]"


def test_commit_info(url, sample):
    info = git.commit_info(url, sample.first)
    assert info.sha == sample.first
    assert info.message == "First\n\nBody."
    assert (info.subject, info.body) == ("First", "Body.")
    assert (info.author_name, info.author_email) == ("Ada Lovelace", "ada@example.com")
    assert (info.committer_name, info.committer_email) == ("Grace Hopper", "grace@example.com")
    assert info.timestamp == "2023-11-14T22:13:20.000Z"


def test_fetch_of_a_tag_gives_the_tagged_commit(url, sample):
    assert git.fetch_commit(url, "v1").sha == sample.first


def test_unknown_sha_is_not_found(url):
    with pytest.raises(NotFound, match=r"^commit 0{40} not found in "):
        git.fetch_commit(url, "0" * 40)


# -- checkout --------------------------------------------------------------------------------------------------------


def test_checkout_of_an_older_sha_gives_the_older_tree(url, sample, tmp_path):
    dest = tmp_path / "old"
    assert git.checkout(url, sample.first, str(dest)) == sample.first
    assert (dest / "src/app.py").read_text() == "VERSION = 1\n"
    assert not (dest / "bin").exists()
    assert sorted(p.name for p in dest.iterdir()) == [".git", "shippable.yml", "src"]
    with Repo(str(dest)) as repo:
        assert repo.refs.read_ref(b"HEAD") == sample.first.encode()  # detached, not a symbolic ref


def test_checkout_of_a_branch_is_shallow_and_on_the_branch(url, sample, tmp_path):
    dest = tmp_path / "work"
    dest.mkdir()
    assert git.checkout(url, sample.feature, str(dest), branch="feature/x") == sample.feature
    assert (dest / "feature.txt").read_text() == "new\n"
    assert (dest / "src/app.py").read_text() == "VERSION = 2\n"
    assert os.access(dest / "bin/run.sh", os.X_OK)
    with Repo(str(dest)) as repo:
        assert repo.refs.read_ref(b"HEAD") == b"ref: refs/heads/feature/x"
        assert repo.head() == sample.feature.encode()
        assert repo.get_shallow() == {sample.feature.encode()}
        assert repo.get_config().get((b"remote", b"origin"), b"url") == url.encode()


def test_checkout_by_tag_name(url, sample, tmp_path):
    assert git.checkout(url, "v1", str(tmp_path / "tagged")) == sample.first
    assert (tmp_path / "tagged/src/app.py").read_text() == "VERSION = 1\n"


def test_failed_checkout_leaves_the_directory_as_it_was(sample, tmp_path):
    fresh, existing = tmp_path / "fresh", tmp_path / "existing"
    existing.mkdir()
    for dest in (fresh, existing):
        with pytest.raises(NotFound):
            git.checkout(sample.url, "0" * 40, str(dest))
    assert not fresh.exists()
    assert list(existing.iterdir()) == []
    assert git.checkout(sample.url, sample.first, str(existing)) == sample.first


def test_checkout_refuses_a_non_empty_directory(sample, tmp_path):
    (tmp_path / "leftover").write_text("x")
    with pytest.raises(FileExistsError):
        git.checkout(sample.url, sample.first, str(tmp_path))


def test_checkout_records_origin_without_credentials(sample, tmp_path, http_url):
    with_credentials = http_url.replace("http://", "http://user:s3cret-token@")
    dest = tmp_path / "creds"
    assert git.checkout(with_credentials, "master", str(dest)) == sample.second
    config = (dest / ".git/config").read_text()
    assert "s3cret-token" not in config
    assert http_url in config


@pytest.mark.skipif(shutil.which("git") is None, reason="git binary not installed")
def test_git_binary_sees_a_clean_checkout(sample, tmp_path):
    dest = tmp_path / "cli"
    git.checkout(sample.url, sample.feature, str(dest), branch="feature/x")
    run = {"cwd": dest, "capture_output": True, "text": True, "check": True}
    assert subprocess.run(["git", "status", "--porcelain"], **run).stdout == ""
    assert subprocess.run(["git", "rev-parse", "HEAD"], **run).stdout.strip() == sample.feature
    assert subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], **run).stdout.strip() == "feature/x"
    assert subprocess.run(["git", "log", "--format=%s"], **run).stdout == "Feature [ci skip]\n"
