"""Query and path parameters of the jobs routes, parsed and validated before any lookup."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...domain.errors import Invalid

ORDER_BY = ("owner", "timestamp", "environment", "name", "state")
ORDERS = ("asc", "desc")
MAX_LIMIT = 500
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


@dataclass(frozen=True)
class ListQuery:
    """`GET /jobs`: a page of `limit` jobs after `offset`, ordered by `order_by` (None: by job id)."""

    limit: int
    offset: int
    order_by: str | None
    order: str

    @property
    def descending(self) -> bool:
        return self.order == "desc"


def parse_integer(name: str, value: str) -> int:
    if not _INTEGER.match(value.strip()):
        raise Invalid(f"The '{name}' parameter must be an integer, got '{value}'", field=name,
                      details={"parameter": name, "value": value})
    return int(value)


def parse_job_id(value: str) -> int:
    """The `:job-id` of a path; a job id is an integer."""
    if not _INTEGER.match(value.strip()):
        raise Invalid(f"The job id '{value}' is not an integer", field="job-id", details={"job-id": value})
    return int(value)


def _last(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[-1] if values else None


def _non_negative(params: Mapping[str, Sequence[str]], name: str) -> int | None:
    raw = _last(params, name)
    if raw is None:
        return None
    number = parse_integer(name, raw)
    if number < 0:
        raise Invalid(f"The '{name}' parameter must not be negative, got '{raw}'", field=name,
                      details={"parameter": name, "value": raw})
    return number


def _choice(params: Mapping[str, Sequence[str]], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = _last(params, name)
    if raw is None:
        return None
    if raw.lower() not in allowed:
        raise Invalid(f"The '{name}' parameter must be one of {', '.join(allowed)}, got '{raw}'", field=name,
                      details={"parameter": name, "value": raw, "allowed": list(allowed)})
    return raw.lower()


def parse_list_query(params: Mapping[str, Sequence[str]] | None) -> ListQuery:
    """`limit` (at most MAX_LIMIT, which is also the default), `offset`, `order_by`, `order`.

    Without `order_by` the most recent jobs come first, as the seed's "the most recent n jobs" says;
    with it, `order` defaults to `asc` as the later orchestrator documents it.
    """
    params = params or {}
    limit = _non_negative(params, "limit")
    offset = _non_negative(params, "offset") or 0
    order_by = _choice(params, "order_by", ORDER_BY)
    order = _choice(params, "order", ORDERS) or ("asc" if order_by else "desc")
    return ListQuery(limit=MAX_LIMIT if limit is None else min(limit, MAX_LIMIT), offset=offset,
                     order_by=order_by, order=order)
