"""KernelCI: status and kernel of a run, query-string and POST parsing, projections, sorts, log summaries."""

from datetime import UTC, datetime

import pytest

from switchyard.api.kernelci import logs, params, views
from switchyard.api.kernelci.errors import JsonNotValid, NoJsonData
from switchyard.domain.errors import Invalid, Unsupported
from switchyard.domain.model import Commit, Project, Run, Trigger
from switchyard.domain.states import State, StateEntry

NOW = datetime(2015, 9, 2, 11, 12, 50, tzinfo=UTC)


def _run(state: State = State.SUCCESS, **extra) -> Run:
    return Run(state=state, history=[StateEntry(state, "2015-09-02T11:00:00.000Z")], id="5" * 24,
               created_at="2015-09-02T11:00:00.000Z", **extra)


@pytest.mark.parametrize(
    ("state", "status"),
    [(State.SUCCESS, "PASS"), (State.FAILED, "FAIL"), (State.UNSTABLE, "FAIL"), (State.TIMEOUT, "FAIL"),
     (State.CANCELED, "FAIL"), (State.STOPPED, "FAIL"), (State.WAITING, "BUILD"), (State.QUEUED, "BUILD"),
     (State.PROCESSING, "BUILD"), (State.SKIPPED, "UNKNOWN")],
)
def test_status_of_each_canonical_state(state, status):
    assert views.status(_run(state)) == status


def test_a_status_set_from_outside_wins():
    assert views.status(_run(State.SUCCESS, external_status="FAIL")) == "FAIL"


def test_kernel_is_the_posted_name_else_the_tag_else_the_short_sha():
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert views.kernel(_run(commit_sha=sha)) == "0123456789ab"
    tagged = Trigger(id="t", project_id="p", source="webhook", dialect="github", tag="v4.2", commit=Commit(sha=sha))
    assert views.kernel(_run(commit_sha=sha, trigger=tagged)) == "v4.2"
    assert views.kernel(_run(commit_sha=sha, kernel="next-20150826")) == "next-20150826"
    assert views.kernel(_run()) is None


def test_job_document_uses_bson_extended_json_and_hides_clone_credentials():
    project = Project(id="p", owner_id="o", provider="github", full_name="alice/next",
                      clone_url="https://bot:s3cret@git.example.com/alice/next.git", default_branch="master",
                      is_private=False, auto_build=True, created_at="", updated_at="")
    trigger = Trigger(id="t", project_id="p", source="webhook", dialect="github", branch="master")
    document = views.job_document(_run(trigger=trigger, commit_sha="f" * 40), project)
    assert document["_id"] == {"$oid": "5" * 24}
    assert document["created_on"] == {"$date": 1441191600000}
    assert document["job"] == "next" and document["git_branch"] == "master" and document["git_commit"] == "f" * 40
    assert document["git_url"] == "https://git.example.com/alice/next.git"
    assert document["status"] == "PASS" and document["kernel"] == "f" * 12


def test_query_defaults():
    query = params.parse_query({}, NOW)
    assert (query.limit, query.skip, query.sort, query.sort_order, query.since, query.until) == (0, 0, (), -1, None,
                                                                                                 None)


def test_query_filters_repeat_as_any_of_and_ignore_unknown_keys():
    query = params.parse_query({"job": ["next", "mainline"], "kernel": ["null"], "status": [""],
                                "compiler": ["gcc"]}, NOW)
    assert query.spec == {"job": ["next", "mainline"], "kernel": [None]}


@pytest.mark.parametrize("name", ["limit", "skip", "sort_order"])
def test_non_integer_numbers_are_400_not_500(name):
    with pytest.raises(Invalid, match=name):
        params.parse_query({name: ["abc"]}, NOW)


def test_sort_order_other_than_one_or_minus_one_is_descending():
    assert params.parse_query({"sort": ["created_on"], "sort_order": ["7"]}, NOW).sort_order == -1
    assert params.parse_query({"sort": ["kernel"], "sort_order": ["1"]}, NOW).ascending


@pytest.mark.parametrize("value", ["2015-08-26", "20150826"])
def test_created_on_is_that_utc_day(value):
    query = params.parse_query({"created_on": [value]}, NOW)
    assert (query.since, query.until) == ("2015-08-26T00:00:00.000Z", "2015-08-26T23:59:58.999Z")


def test_an_invalid_created_on_is_ignored():
    assert params.parse_query({"created_on": ["yesterday"]}, NOW).since is None


def test_date_range_counts_days_back_from_today_or_from_created_on():
    query = params.parse_query({"date_range": ["5"]}, NOW)
    assert (query.since, query.until) == ("2015-08-28T00:00:00.000Z", "2015-09-02T23:59:58.999Z")
    anchored = params.parse_query({"date_range": ["1"], "created_on": ["20150826"]}, NOW)
    assert (anchored.since, anchored.until) == ("2015-08-25T00:00:00.000Z", "2015-08-26T23:59:58.999Z")
    assert params.parse_query({"date_range": ["soon"]}, NOW).since == "2015-08-28T00:00:00.000Z"


@pytest.mark.parametrize(("minutes", "since"), [("30", "2015-09-02T10:42:50.000Z"), ("1", "2015-09-02T11:02:50.000Z"),
                                                ("99999", "2015-09-01T11:12:50.000Z"),
                                                ("x", "2015-09-02T10:12:50.000Z")])
def test_time_range_is_clamped_to_10_minutes_and_a_day_and_wins(minutes, since):
    query = params.parse_query({"time_range": [minutes], "date_range": ["3"]}, NOW)
    assert (query.since, query.until) == (since, "2015-09-02T11:12:50.000Z")


def test_projection_keeps_id_unless_excluded():
    document = {"_id": {"$oid": "x"}, "status": "PASS", "kernel": "k", "job": "j"}
    assert views.projected(document, ("status", "kernel"), ()) == {"_id": {"$oid": "x"}, "status": "PASS",
                                                                    "kernel": "k"}
    assert views.projected(document, ("status",), ("_id",)) == {"status": "PASS"}
    assert views.projected(document, (), ("job", "kernel")) == {"_id": {"$oid": "x"}, "status": "PASS"}


def test_filters_compare_ids_and_booleans_as_strings():
    document = {"_id": {"$oid": "abc"}, "private": False, "kernel": None, "job": "next"}
    assert views.matches(document, {"_id": ["abc"], "private": ["false"], "kernel": [None]})
    assert not views.matches(document, {"job": ["mainline"]})
    assert views.matches(document, {"job": ["mainline", "next"]})


def test_sort_applies_the_order_to_every_field():
    documents = [{"job": "b", "kernel": "1"}, {"job": "a", "kernel": "2"}, {"job": "a", "kernel": "1"},
                 {"job": None, "kernel": "3"}]
    ascending = views.sort_documents(documents, ["job", "kernel"], 1)
    assert [(d["job"], d["kernel"]) for d in ascending] == [(None, "3"), ("a", "1"), ("a", "2"), ("b", "1")]
    assert views.sort_documents(documents, ["job", "kernel"], -1) == list(reversed(ascending))


def test_distinct_keeps_first_seen_order():
    assert views.distinct([{"job": "next"}, {"job": "omap"}, {"job": "next"}, {}], "job") == ["next", "omap"]


def test_post_body_is_checked_in_kernelci_order():
    with pytest.raises(Unsupported):
        params.parse_job_update("text/plain", b'{"job": "next"}')
    with pytest.raises(NoJsonData):
        params.parse_job_update("application/json", b"{nope")
    with pytest.raises(NoJsonData):
        params.parse_job_update("application/json", b"")
    for body, error in ((b"[]", "Provided data is not JSON"), (b"{}", "No valid or acceptable keys"),
                        (b'{"foo": 1}', "No valid or acceptable keys"),
                        (b'{"job": "next"}', "mandatory keys are missing: ['kernel', 'git_branch']"),
                        (b'{"job": 1, "kernel": "k", "git_branch": "b"}', "Value of 'job' must be a string")):
        with pytest.raises(JsonNotValid) as caught:
            params.parse_job_update("application/json", body)
        assert caught.value.message == "Provided JSON is not valid" and error in caught.value.details[0]


def test_post_status_defaults_to_pass_and_must_be_known():
    body = b'{"job": "next", "kernel": "next-20140801", "git_branch": "master", "version": "1.0"}'
    update = params.parse_job_update("application/json; charset=UTF-8", body)
    assert (update.status, update.ignored) == ("PASS", ("version",))
    assert update.warnings == ["Found non recognizable keys, they will not be considered: version"]
    with pytest.raises(Invalid, match=r"Status value 'pass' is not valid, should be one of: \['BUILD', 'FAIL'"):
        params.parse_job_update("application/json", b'{"job": "n", "kernel": "k", "git_branch": "b", '
                                                     b'"status": "pass"}')


def test_log_summary_categorises_counts_and_ranks_lines():
    console = "\n".join([
        "$ make",  # the runner's echo of the command, not output
        "../drivers/a.c:1: error: boom",
        "drivers/a.c:1: error: boom",
        "ERROR: modpost failed",
        "undefined reference to `foo'",
        "a.c:2: warning: unused variable",
        "b.c:3: warning: Section mismatch in reference",
        "WARNING: modpost: Section mismatch",
        "warning: TODO: return_address should use unwind tables",
        "all good",
    ]).encode()
    summary = logs.summarise([console, b"a.c:2: warning: unused variable\n"])
    assert logs.ranked(summary.errors) == [[2, "drivers/a.c:1: error: boom"], [1, "undefined reference to `foo'"],
                                           [1, "ERROR: modpost failed"]]
    assert logs.ranked(summary.warnings) == [[2, "a.c:2: warning: unused variable"]]
    assert logs.ranked(summary.mismatches) == [[1, "b.c:3: warning: Section mismatch in reference"],
                                               [1, "WARNING: modpost: Section mismatch"]]
