"""Reading repositories with dulwich alone (Lambda has no git binary): refs, one commit's files, checkouts."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from dulwich.client import GitClient, LocalGitClient, get_transport_and_path
from dulwich.config import ConfigDict
from dulwich.errors import NotTreeError
from dulwich.index import build_index_from_tree
from dulwich.objects import Commit as GitCommit
from dulwich.objects import Tag
from dulwich.repo import BaseRepo, MemoryRepo, Repo

from .domain import clock
from .domain.errors import DomainError, NotFound, Unavailable
from .domain.model import Commit
from .urls import redact, without_credentials

HTTP_TIMEOUT_SECONDS = 60
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_PEELED = b"^{}"
_IDENTITY = re.compile(rb"^(.*?)\s*<([^>]*)>\s*$")


@dataclass
class FetchedCommit:
    """One commit and its tree, held in memory."""

    sha: str
    commit: Commit
    _repo: BaseRepo = field(repr=False)
    _tree: bytes = field(repr=False)

    def read(self, path: str) -> bytes | None:
        """The file at `path` (relative to the repository root; a symlink gives its target), or None if absent."""
        parts = path.replace("\\", "/").strip("/").removeprefix("./")
        if not parts:
            return None
        try:
            mode, sha = self._repo[self._tree].lookup_path(self._repo.__getitem__, parts.encode())  # type: ignore[attr-defined]
        except (KeyError, NotTreeError):
            return None
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            return None
        return self._repo[sha].data


def resolve(clone_url: str, ref: str) -> str:
    """The commit sha a branch, tag, full ref name or 40-hex sha stands for."""
    if _SHA.match(ref):
        return ref.lower()
    client, path = _client(clone_url)
    found, is_tag = _lookup(_refs(client, path, clone_url), ref, clone_url)
    if is_tag and isinstance(client, LocalGitClient):
        # Remote servers advertise what annotated tags peel to; a local transport does not, so read the tag.
        return _fetch(client, path, clone_url, MemoryRepo(), found).decode()
    return found.decode()


def fetch_commit(clone_url: str, ref_or_sha: str) -> FetchedCommit:
    """One commit with its whole tree (no history), fetched into memory."""
    client, path = _client(clone_url)
    want = _want(client, path, clone_url, ref_or_sha)
    repo = MemoryRepo()
    sha = _fetch(client, path, clone_url, repo, want)
    commit = repo[sha]
    return FetchedCommit(sha=sha.decode(), commit=_commit_model(commit), _repo=repo, _tree=commit.tree)  # type: ignore[attr-defined]


def read_files(clone_url: str, sha: str, paths: list[str]) -> dict[str, bytes | None]:
    fetched = fetch_commit(clone_url, sha)
    return {path: fetched.read(path) for path in paths}


def commit_info(clone_url: str, sha: str) -> Commit:
    return fetch_commit(clone_url, sha).commit


def checkout(clone_url: str, ref_or_sha: str, dest_dir: str, branch: str | None = None) -> str:
    """Write the tree of one commit into an empty `dest_dir`, with a shallow `.git`; returns the commit sha.

    HEAD is detached at the commit, or on `branch` when given, so builds that run git still see a repository.
    """
    if os.path.exists(dest_dir) and os.listdir(dest_dir):
        raise FileExistsError(f"checkout target {dest_dir} is not empty")
    client, path = _client(clone_url)
    want = _want(client, path, clone_url, ref_or_sha)
    created = not os.path.exists(dest_dir)
    repo = Repo.init(dest_dir, mkdir=created)
    try:
        with repo:
            sha = _materialise(repo, client, path, clone_url, want, branch)
    except BaseException:
        # Leave the directory as we found it, so a retry is not refused as "not empty".
        shutil.rmtree(dest_dir, ignore_errors=True)
        if not created:
            os.makedirs(dest_dir, exist_ok=True)
        raise
    return sha.decode()


def _materialise(repo: Repo, client: GitClient, path: str, clone_url: str, want: bytes, branch: str | None) -> bytes:
    """Fetch the commit into `repo`, point HEAD at it and write its tree and index."""
    sha = _fetch(client, path, clone_url, repo, want)
    commit = repo[sha]
    if any(parent not in repo.object_store for parent in commit.parents):  # type: ignore[attr-defined]
        repo.update_shallow({sha}, None)
    _point_head(repo, sha, branch)
    config = repo.get_config()
    config.set((b"remote", b"origin"), b"url", without_credentials(clone_url).encode())
    config.set((b"remote", b"origin"), b"fetch", b"+refs/heads/*:refs/remotes/origin/*")
    config.write_to_path()
    build_index_from_tree(repo.path, repo.index_path(), repo.object_store, commit.tree)  # type: ignore[attr-defined]
    return sha


def _point_head(repo: Repo, sha: bytes, branch: str | None) -> None:
    if branch:
        repo.refs[b"refs/heads/" + branch.encode()] = sha
        repo.refs[b"refs/remotes/origin/" + branch.encode()] = sha
        repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/" + branch.encode())
    else:
        del repo.refs[b"HEAD"]  # drop the symbolic HEAD so the sha lands in HEAD itself, detached
        repo.refs[b"HEAD"] = sha


def _client(clone_url: str) -> tuple[GitClient, str]:
    config = ConfigDict()
    config.set((b"http",), b"timeout", str(HTTP_TIMEOUT_SECONDS).encode())
    location = clone_url
    if clone_url.startswith("file://"):
        location = url2pathname(urlsplit(clone_url).path)  # dulwich would keep %20 and the like encoded
    with _reading(clone_url):
        return get_transport_and_path(location, config=config)


def _refs(client: GitClient, path: str, clone_url: str) -> Mapping[bytes, bytes | None]:
    with _reading(clone_url):
        return client.get_refs(path).refs


def _lookup(refs: Mapping[bytes, bytes | None], ref: str, clone_url: str) -> tuple[bytes, bool]:
    """The object a ref name points to (peeled when the server says), and whether it may be an unpeeled tag."""
    name = ref.encode()
    full = ref == "HEAD" or ref.startswith("refs/")
    candidates = [name] if full else [b"refs/heads/" + name, b"refs/tags/" + name]
    for candidate in candidates:
        if refs.get(candidate + _PEELED):
            return refs[candidate + _PEELED], False  # type: ignore[return-value]
        if refs.get(candidate):
            return refs[candidate], candidate.startswith(b"refs/tags/")  # type: ignore[return-value]
    what = "ref" if len(candidates) == 1 else "branch"
    raise NotFound(f"{what} '{ref}' not found in {redact(clone_url)}")


def _want(client: GitClient, path: str, clone_url: str, ref_or_sha: str) -> bytes:
    if _SHA.match(ref_or_sha):
        return ref_or_sha.lower().encode()
    return _lookup(_refs(client, path, clone_url), ref_or_sha, clone_url)[0]


def _fetch(client: GitClient, path: str, clone_url: str, repo: BaseRepo, want: bytes) -> bytes:
    """Fetch `want` at depth 1 into `repo`, peel tags, and return the commit sha."""
    with _reading(clone_url):
        try:
            client.fetch(path, repo, determine_wants=lambda refs, depth=None: [want], depth=1)
        except KeyError:
            pass  # a local transport raises KeyError for an object it does not have
        except Exception:
            # Some servers refuse shallow fetches or wants that are not a ref tip: take everything instead.
            client.fetch(path, repo)
    if want not in repo.object_store:
        raise NotFound(f"commit {want.decode()} not found in {redact(clone_url)}")
    obj = repo[want]
    while isinstance(obj, Tag):
        obj = repo[obj.object[1]]
    if not isinstance(obj, GitCommit):
        raise NotFound(f"'{want.decode()}' in {redact(clone_url)} is a {obj.type_name.decode()}, not a commit")
    return obj.id


@contextmanager
def _reading(clone_url: str) -> Iterator[None]:
    """Turn transport failures into Unavailable, with credentials scrubbed and the original chain dropped."""
    try:
        yield
    except DomainError:
        raise
    except Exception as exc:
        detail = _scrub(str(exc) or type(exc).__name__, clone_url)
        raise Unavailable(f"could not reach {redact(clone_url)}: {detail}") from None


def _scrub(text: str, clone_url: str) -> str:
    parts = urlsplit(clone_url)
    if "@" in parts.netloc:
        text = text.replace(clone_url, redact(clone_url))
        userinfo = parts.netloc.rsplit("@", 1)[0]
        for secret in {userinfo, unquote(userinfo), *userinfo.split(":"), *unquote(userinfo).split(":")}:
            if len(secret) >= 4:  # masking one-letter users would garble the message
                text = text.replace(secret, "***")
    return text


def _commit_model(commit: GitCommit) -> Commit:
    encoding = (commit.encoding or b"utf-8").decode("ascii", "replace")
    author_name, author_email = _identity(commit.author, encoding)
    committer_name, committer_email = _identity(commit.committer, encoding)
    return Commit(
        sha=commit.id.decode(),
        message=_decode(commit.message, encoding),
        author_name=author_name,
        author_email=author_email,
        committer_name=committer_name,
        committer_email=committer_email,
        timestamp=clock.iso(datetime.fromtimestamp(commit.author_time, UTC)),
    )


def _identity(raw: bytes, encoding: str) -> tuple[str, str]:
    match = _IDENTITY.match(raw)
    if not match:
        return _decode(raw, encoding).strip(), ""
    return _decode(match.group(1), encoding), _decode(match.group(2), encoding)


def _decode(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding, "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")
