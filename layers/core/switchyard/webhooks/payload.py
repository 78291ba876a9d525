"""Careful readers over an untrusted webhook: header lookup, JSON loading, typed field access that names its path."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs

from ..domain import clock
from ..domain.errors import Invalid
from ..domain.model import Commit

_NAME_EMAIL = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value by case-insensitive name; None when absent or blank."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == wanted), None)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def body_digest(body: bytes) -> str:
    """The delivery id of last resort: the same bytes redelivered give the same id."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def load_object(body: bytes, *, form_field: str | None = None) -> Fields:
    """The body as a JSON object; with form_field, a form-encoded body carrying the JSON in that field is accepted."""
    if form_field is not None and not body.lstrip().startswith(b"{") and body.startswith(form_field.encode() + b"="):
        try:
            values = parse_qs(body.decode("utf-8"), strict_parsing=True).get(form_field, [])
        except (UnicodeDecodeError, ValueError) as exc:
            raise Invalid(f"webhook body is not a valid form: {exc}") from None
        if len(values) != 1:
            raise Invalid(f"webhook form body must carry exactly one {form_field} field")
        body = values[0].encode()
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid(f"webhook body is not valid JSON: {exc}") from None
    except RecursionError:
        raise Invalid("webhook body is nested too deeply") from None
    if not isinstance(data, dict):
        raise Invalid(f"webhook body must be a JSON object, not {type(data).__name__}")
    return Fields(data)


class Fields:
    """A JSON object read by key, so a missing or mistyped field names its full path in the Invalid error."""

    def __init__(self, data: dict[str, Any], path: str = ""):
        self.data = data
        self.path = path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _fail(self, key: str, expected: str) -> Invalid:
        return Invalid(f"webhook payload field {self.where(key)} must be {expected}", field=self.where(key))

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def opt_obj(self, key: str) -> Fields | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._fail(key, "an object")
        return Fields(value, self.where(key))

    def obj(self, key: str) -> Fields:
        found = self.opt_obj(key)
        if found is None:
            raise self._fail(key, "an object")
        return found

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def text(self, key: str) -> str:
        value = self.opt_text(key)
        if not value:
            raise self._fail(key, "a non-empty string")
        return value

    def opt_int(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "an integer")
        return value

    def integer(self, key: str) -> int:
        value = self.opt_int(key)
        if value is None:
            raise self._fail(key, "an integer")
        return value

    def flag(self, key: str) -> bool:
        return self.data.get(key) is True

    def objs(self, key: str) -> list[Fields]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self._fail(key, "a list of objects")
        return [Fields(item, f"{self.where(key)}[{i}]") for i, item in enumerate(value)]

    def dig_text(self, *keys: str) -> str | None:
        """A string at a nested path, or None when any step is missing; never raises on shape."""
        value: Any = self.data
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value if isinstance(value, str) and value else None


def text_of(fields: Fields | None, key: str) -> str:
    """An optional object's optional string field, empty when either is missing."""
    return (fields.opt_text(key) if fields is not None else None) or ""


def commit_from(sha: str, head: Fields | None, author: Fields | None, **more: str) -> Commit:
    """A commit in the shape GitHub's push and GitLab's push and merge request hooks share.

    `head` holds message, timestamp and url; `more` adds fields only some providers send.
    """
    return Commit(
        sha=sha,
        message=text_of(head, "message"),
        author_name=text_of(author, "name"),
        author_email=text_of(author, "email"),
        timestamp=iso_time(head.opt_text("timestamp")) if head else None,
        url=head.opt_text("url") if head else None,
        **more,
    )


def split_ref(ref: str) -> tuple[str | None, str | None]:
    """(branch, tag) of a full ref; both None for anything else (notes, pull refs)."""
    if ref.startswith("refs/heads/") and len(ref) > len("refs/heads/"):
        return ref[len("refs/heads/") :], None
    if ref.startswith("refs/tags/") and len(ref) > len("refs/tags/"):
        return None, ref[len("refs/tags/") :]
    return None, None


def is_zero_sha(value: str | None) -> bool:
    """The SCMs' 'no commit' sha: forty (or sixty-four) zeros."""
    return value is not None and value != "" and set(value) == {"0"}


def iso_time(value: str | None) -> str | None:
    """An SCM timestamp in the domain's form (UTC, milliseconds, Z); None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = clock.parse_iso(value)
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return clock.iso(moment)


def name_and_email(raw: str | None) -> tuple[str, str]:
    """Split git's 'Name <email>' form; a value without brackets is all name."""
    if not raw:
        return "", ""
    match = _NAME_EMAIL.match(raw)
    if match is None:
        return raw.strip(), ""
    return match.group(1), match.group(2).strip()


def same_repo(head_id: object, base_id: object, head_name: str | None, base_name: str | None) -> bool:
    """Whether a PR's head repository is its base: by stable id when both have one, else by full name."""
    if head_id is not None and base_id is not None:
        return head_id == base_id
    if head_name is None or base_name is None:
        return False
    return head_name.lower() == base_name.lower()
