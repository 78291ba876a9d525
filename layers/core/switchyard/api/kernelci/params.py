"""kernelci-backend's query parameters and POST body, parsed as its handlers parse them (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ...domain import clock
from ...domain.errors import Invalid, Unsupported
from .errors import JsonNotValid, NoJsonData

# models.JOB_VALID_KEYS["GET"]: other parameters are ignored, as kernelci-backend ignores them.
JOB_FILTER_KEYS = ("git_branch", "git_commit", "git_describe", "_id", "job", "kernel", "kernel_version",
                   "private", "status")
# models.ERROR_SUMMARY_VALID_KEYS["GET"] (created_on is the date filter, handled apart)
LOGS_FILTER_KEYS = ("git_branch", "job_id", "job", "kernel")
DISTINCT_FIELDS = ("compiler", "compiler_version_ext", "compiler_version", "git_branch", "git_commit",
                   "git_describe", "git_describe_v", "git_url", "job", "kernel", "kernel_version")
VALID_STATUS = ("BUILD", "FAIL", "PASS", "UNKNOWN")
MANDATORY_KEYS = ("job", "kernel", "git_branch")
POST_KEYS = (*MANDATORY_KEYS, "git_commit", "git_describe", "kernel_version", "status")
DEFAULT_DATE_RANGE = 5
_INTEGER = re.compile(r"^\s*[+-]?\d{1,18}\s*$")
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class JobQuery:
    """What a list asks for: filters (a repeated key means any of its values), a created_on window, the rest."""

    spec: dict[str, list[str | None]] = field(default_factory=dict)
    since: str | None = None  # ISO, inclusive
    until: str | None = None  # ISO, inclusive
    sort: tuple[str, ...] = ()
    sort_order: int = -1
    fields: tuple[str, ...] = ()
    nfields: tuple[str, ...] = ()
    skip: int = 0
    limit: int = 0

    @property
    def sorted_by_creation_only(self) -> bool:
        return not self.sort or self.sort == ("created_on",)

    @property
    def ascending(self) -> bool:
        """Natural (insertion) order without `sort`, else `sort_order`."""
        return not self.sort or self.sort_order == 1


@dataclass(frozen=True)
class JobUpdate:
    """A valid `POST /job` body; `ignored` are the keys kernelci-backend drops (and reports in `errors`)."""

    job: str
    kernel: str
    git_branch: str
    status: str = "PASS"
    git_commit: str | None = None
    ignored: tuple[str, ...] = ()

    @property
    def warnings(self) -> list[str]:
        if not self.ignored:
            return []
        return [f"Found non recognizable keys, they will not be considered: {', '.join(self.ignored)}"]


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return list(params.get(name) or [])


def _integer(name: str, raw: str) -> int:
    if not _INTEGER.match(raw):
        raise Invalid(f"Invalid value for '{name}': '{raw}' is not an integer", field=name)
    return int(raw)


def _non_negative(params: Mapping[str, Sequence[str]], name: str) -> int:
    values = _values(params, name)
    if not values:
        return 0
    number = _integer(name, values[-1])
    if number < 0:
        raise Invalid(f"Invalid value for '{name}': it must not be negative", field=name)
    return number


def _spec(params: Mapping[str, Sequence[str]], keys: Sequence[str]) -> dict[str, list[str | None]]:
    """One value is an exact match (`null` matches a missing value), several mean any of them; empty is dropped."""
    spec: dict[str, list[str | None]] = {}
    for key in keys:
        values = [v for v in _values(params, key) if v != ""]
        if not values:
            continue
        spec[key] = [None] if values == ["null"] else list(values)
    return spec


def parse_created_on(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _day_end(day: date) -> datetime:
    # kernelci-backend's window ends with `$lt 23:59:59`
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC) - _ONE_MS


def _window(params: Mapping[str, Sequence[str]], now: datetime) -> tuple[datetime | None, datetime | None]:
    """created_on, then date_range (anchored on created_on or today), then time_range, each overriding the last."""
    since = until = None
    created_values = _values(params, "created_on")
    day = parse_created_on(created_values[-1]) if created_values else None
    if day is not None:
        since, until = _day_start(day), _day_end(day)
    range_values = _values(params, "date_range")
    if range_values:
        raw = range_values[-1]
        days = abs(int(raw)) if _INTEGER.match(raw) else DEFAULT_DATE_RANGE
        days = min(days, 100_000)
        anchor = day or now.astimezone(UTC).date()
        since, until = _day_start(anchor) - timedelta(days=days), _day_end(anchor)
    time_values = _values(params, "time_range")
    if time_values:
        raw = time_values[-1]
        minutes = min(max(abs(int(raw)) if _INTEGER.match(raw) else 60, 10), 60 * 24)
        since, until = now - timedelta(minutes=minutes), now
    return since, until


def parse_query(params: Mapping[str, Sequence[str]] | None, now: datetime | None = None,
                filter_keys: Sequence[str] = JOB_FILTER_KEYS) -> JobQuery:
    """A list's query string. Bad integers are 400 here (kernelci-backend let them become 500s)."""
    params = params or {}
    now = now or clock.now()
    since, until = _window(params, now)
    order_values = _values(params, "sort_order")
    sort_order = _integer("sort_order", order_values[-1]) if order_values else -1
    return JobQuery(
        spec=_spec(params, filter_keys),
        since=clock.iso(since),
        until=clock.iso(until),
        sort=tuple(v for v in _values(params, "sort") if v),
        sort_order=sort_order if sort_order in (1, -1) else -1,
        fields=tuple(dict.fromkeys(v for v in _values(params, "field") if v)),
        nfields=tuple(dict.fromkeys(v for v in _values(params, "nfield") if v)),
        skip=_non_negative(params, "skip"),
        limit=_non_negative(params, "limit"),
    )


def parse_job_update(content_type: str | None, body: bytes) -> JobUpdate:
    """`POST /job`, checked in kernelci-backend's order: content type (415), JSON (422), keys (400), status (400)."""
    if not (content_type or "").lower().startswith("application/json"):
        raise Unsupported("Wrong content type defined: Use application/json as the content type")
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise NoJsonData("No JSON data found in the POST request") from err
    if not isinstance(data, dict):
        raise JsonNotValid("Provided JSON is not valid", details=["Provided data is not JSON"])
    ignored = tuple(k for k in data if k not in POST_KEYS)
    accepted = {k: v for k, v in data.items() if k in POST_KEYS}
    if not accepted:
        raise JsonNotValid("Provided JSON is not valid", details=["No valid or acceptable keys in the JSON data"])
    missing = [k for k in MANDATORY_KEYS if k not in accepted]
    if missing:
        raise JsonNotValid("Provided JSON is not valid",
                           details=[f"One or more mandatory keys are missing: {missing}"])
    wrong = [k for k in (*MANDATORY_KEYS, "git_commit") if accepted.get(k) is not None
             and not isinstance(accepted[k], str)]
    if wrong:
        raise JsonNotValid("Provided JSON is not valid", details=[f"Value of '{k}' must be a string" for k in wrong])
    status = accepted.get("status") or "PASS"
    if status not in VALID_STATUS:
        raise Invalid(f"Status value '{status}' is not valid, should be one of: {list(VALID_STATUS)}",
                      field="status")
    return JobUpdate(job=accepted["job"], kernel=accepted["kernel"], git_branch=accepted["git_branch"],
                     status=status, git_commit=accepted.get("git_commit") or None, ignored=ignored)
