"""Webhook verification on every fixture body: the right secret passes; wrong, tampered, missing or SHA-1 fail."""

import hashlib
import hmac
from pathlib import Path

import pytest

from switchyard.domain.model import webhook_secret
from switchyard.webhooks.verify import verify_bitbucket, verify_github, verify_gitlab

HOOKS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
SECRET = webhook_secret("service-key-for-tests", "5f1e0c2a9b8d7e6f5a4b3c2d")
OTHER = webhook_secret("service-key-for-tests", "000000000000000000000000")


def fixtures(provider: str) -> list[Path]:
    return sorted((HOOKS / provider).rglob("*.json"))


def rel(path: Path) -> str:
    return path.relative_to(HOOKS).as_posix()


def sign(secret: str, body: bytes, digest=hashlib.sha256) -> str:
    return hmac.new(secret.encode(), body, digest).hexdigest()


def test_every_fixture_directory_has_bodies():
    assert (len(fixtures("github")), len(fixtures("gitlab")), len(fixtures("bitbucket"))) == (28, 3, 4)


@pytest.mark.parametrize("path", fixtures("github"), ids=rel)
def test_github_signature(path):
    body = path.read_bytes()
    good = {"X-Hub-Signature-256": "sha256=" + sign(SECRET, body)}
    assert verify_github(SECRET, body, good)
    assert verify_github(SECRET, body, {"x-hub-signature-256": good["X-Hub-Signature-256"]})
    assert not verify_github(OTHER, body, good)
    assert not verify_github(SECRET, body + b" ", good)
    # The same JSON with one more space is other bytes: the signature covers the raw body.
    assert not verify_github(SECRET, body.replace(b": ", b":  ", 1), good)
    assert not verify_github(SECRET, body, {})


@pytest.mark.parametrize("path", fixtures("github")[:3], ids=rel)
def test_github_sha1_signature_alone_is_refused(path):
    body = path.read_bytes()
    sha1 = {"X-Hub-Signature": "sha1=" + sign(SECRET, body, hashlib.sha1)}
    assert not verify_github(SECRET, body, sha1)
    # Even a correct SHA-256 value under the SHA-1 header name is not GitHub's SHA-256 header.
    assert not verify_github(SECRET, body, {"X-Hub-Signature": "sha256=" + sign(SECRET, body)})
    both = {**sha1, "X-Hub-Signature-256": "sha256=" + sign(SECRET, body)}
    assert verify_github(SECRET, body, both)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "sha256=",
        "sha256",
        "sha1={good}",
        "sha512={good}",
        "{good}",
        "sha256={good}00",
        "sha256=zz{good}",
        "sha256=é{good}",
    ],
)
def test_github_malformed_signatures_are_refused(value):
    body = (HOOKS / "github/push.branch.json").read_bytes()
    assert not verify_github(SECRET, body, {"X-Hub-Signature-256": value.format(good=sign(SECRET, body))})


def test_an_empty_secret_never_verifies():
    body = (HOOKS / "github/push.branch.json").read_bytes()
    assert not verify_github("", body, {"X-Hub-Signature-256": "sha256=" + sign("", body)})
    assert not verify_bitbucket("", body, {"X-Hub-Signature": "sha256=" + sign("", body)})
    assert not verify_gitlab("", {"X-Gitlab-Token": ""})


def test_uppercase_hex_is_the_same_signature():
    body = (HOOKS / "github/ping.json").read_bytes()
    assert verify_github(SECRET, body, {"X-Hub-Signature-256": "sha256=" + sign(SECRET, body).upper()})


@pytest.mark.parametrize("path", fixtures("gitlab"), ids=rel)
def test_gitlab_token(path):
    # GitLab's token is the secret itself, independent of the body.
    assert path.read_bytes()
    assert verify_gitlab(SECRET, {"X-Gitlab-Token": SECRET})
    assert verify_gitlab(SECRET, {"x-gitlab-token": SECRET})
    assert not verify_gitlab(SECRET, {"X-Gitlab-Token": OTHER})
    assert not verify_gitlab(SECRET, {"X-Gitlab-Token": SECRET[:-1]})
    assert not verify_gitlab(SECRET, {"X-Gitlab-Token": SECRET + "0"})
    assert not verify_gitlab(SECRET, {"X-Gitlab-Token": "é" + SECRET})
    assert not verify_gitlab(SECRET, {})
    assert not verify_gitlab(SECRET, {"X-Hub-Signature-256": "sha256=" + sign(SECRET, path.read_bytes())})


@pytest.mark.parametrize("path", fixtures("bitbucket"), ids=rel)
def test_bitbucket_signature(path):
    body = path.read_bytes()
    good = {"X-Hub-Signature": "sha256=" + sign(SECRET, body)}
    assert verify_bitbucket(SECRET, body, good)
    assert verify_bitbucket(SECRET, body, {"x-hub-signature": good["X-Hub-Signature"]})
    assert not verify_bitbucket(OTHER, body, good)
    assert not verify_bitbucket(SECRET, body.replace(b"repo_name", b"repo_nane", 1), good)
    assert not verify_bitbucket(SECRET, body.replace(b": ", b":  ", 1), good)
    assert not verify_bitbucket(SECRET, body, {})
    assert not verify_bitbucket(SECRET, body, {"X-Hub-Signature": "sha1=" + sign(SECRET, body, hashlib.sha1)})
