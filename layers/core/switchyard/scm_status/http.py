"""One POST to an SCM, its failures sorted into "retry later" and "give up", the token kept out of both."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: requests adds ~30 ms to the cold start of API functions that never post
    import requests

USER_AGENT = "switchyard-commit-status"

_RATE_LIMITED_FORBIDDEN = "rate limit"


@dataclass(frozen=True)
class CommitStatus:
    sha: str
    state: str  # pending | success | failure | error | canceled (domain.commit_status)
    context: str
    target_url: str
    description: str


@dataclass
class StatusRequest:
    url: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class ScmError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class ScmRejected(ScmError):
    """The SCM refused the status (bad token, no access, unknown repository or commit): retrying will not help."""


class ScmUnavailable(ScmError):
    """The SCM failed, timed out or rate-limited us: try again later (after retry_after seconds if it said)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message, status)
        self.retry_after = retry_after


def send(request: StatusRequest, token: str, timeout: float) -> None:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **request.headers}
    where = request.url.split("?", 1)[0]
    import requests

    try:
        response = requests.post(request.url, json=request.body, headers=headers, timeout=timeout,
                                 allow_redirects=False)
    except requests.Timeout as err:
        raise ScmUnavailable(f"no answer from {where} within {timeout:g} s") from err
    except requests.RequestException as err:
        raise ScmUnavailable(redact(f"could not reach {where}: {type(err).__name__}", token)) from err
    if response.status_code < 300:
        return
    message = redact(f"HTTP {response.status_code} from {where}: {_reason(response)}", token)
    if _is_transient(response):
        raise ScmUnavailable(message, response.status_code, retry_after(response.headers))
    raise ScmRejected(message, response.status_code)


def _is_transient(response: requests.Response) -> bool:
    if response.status_code >= 500 or response.status_code in (408, 429):
        return True
    # GitHub answers 403 (not 429) when a rate limit is exhausted
    if response.status_code == 403:
        exhausted = response.headers.get("X-RateLimit-Remaining") == "0"
        return exhausted or "Retry-After" in response.headers or _RATE_LIMITED_FORBIDDEN in response.text.lower()
    return False


def retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or an HTTP date) or GitHub's X-RateLimit-Reset."""
    now = time.time() if now is None else now
    value = (headers.get("Retry-After") or "").strip()
    if value:
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            return None
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset.isdigit() and headers.get("X-RateLimit-Remaining") == "0":
        return max(0.0, int(reset) - now)
    return None


def _reason(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return " ".join(response.text.split())[:200] or response.reason or "no message"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        text = data.get("message") or error or data
        return " ".join(str(text).split())[:200]
    return " ".join(str(data).split())[:200]


def redact(text: str, token: str) -> str:
    return text.replace(token, "[token]") if token else text
