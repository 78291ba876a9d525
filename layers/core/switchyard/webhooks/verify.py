"""Webhook authenticity: GitHub and Bitbucket HMAC-SHA256 signatures, GitLab's shared token; constant-time always."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from .payload import header

# Where each provider puts its proof; a delivery without it is refused before anything else is read.
SIGNATURE_HEADERS = {"github": "X-Hub-Signature-256", "gitlab": "X-Gitlab-Token", "bitbucket": "X-Hub-Signature"}


def carries_proof(provider: str, headers: Mapping[str, str]) -> bool:
    name = SIGNATURE_HEADERS.get(provider)
    return name is not None and bool(header(headers, name))


def _signature_matches(secret: str, body: bytes, value: str | None) -> bool:
    """Whether `value` is `sha256=<hex>` of the raw body keyed with the secret; any other algorithm is refused."""
    if not secret or value is None:
        return False
    algorithm, sep, digest = value.partition("=")
    if not sep or algorithm.strip().lower() != "sha256":
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.strip().lower().encode("utf-8", "replace"))


def verify_github(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """GitHub: X-Hub-Signature-256. The SHA-1 X-Hub-Signature alone is not accepted."""
    return _signature_matches(secret, body, header(headers, SIGNATURE_HEADERS["github"]))


def verify_gitlab(secret: str, headers: Mapping[str, str]) -> bool:
    """GitLab: X-Gitlab-Token carries the secret itself."""
    token = header(headers, SIGNATURE_HEADERS["gitlab"])
    if not secret or token is None:
        return False
    return hmac.compare_digest(secret.encode(), token.encode("utf-8", "replace"))


def verify_bitbucket(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Bitbucket Cloud: X-Hub-Signature, which Bitbucket sends as sha256=<hex>."""
    return _signature_matches(secret, body, header(headers, SIGNATURE_HEADERS["bitbucket"]))
