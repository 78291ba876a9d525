"""CircleCI views: the state vocabulary, the build shapes, tests, artifacts, envvars and per-branch summaries."""

from __future__ import annotations

import pytest

from switchyard.api.circleci import views
from switchyard.api.circleci.links import Links
from switchyard.domain.model import Commit, Job, Project, Run, StepResult, Trigger
from switchyard.domain.states import State, StateEntry

LINKS = Links("http://ci.test", "key")
PROJECT = Project(id="p" * 24, owner_id="o" * 24, provider="github", full_name="ada/demo",
                  clone_url="file:///x", default_branch="main", is_private=True, auto_build=True,
                  created_at="2024-01-01T00:00:00.000Z", updated_at="2024-01-01T00:00:00.000Z")
COMMIT = Commit(sha="a" * 40, message="Fix the thing\n\nLonger story.", author_name="Ada", author_email="ada@x.org",
                committer_name="Bob", committer_email="bob@x.org", timestamp="2024-01-02T00:00:00.000Z")


def _job(state: State, *, build_num: int = 7, history: list[StateEntry] | None = None, **fields) -> Job:
    return Job(state=state, history=history or [StateEntry(state, "2024-01-03T00:00:00.000Z")], id="j" * 24,
               run_id="r" * 24, project_id=PROJECT.id, owner_id=PROJECT.owner_id, build_num=build_num,
               created_at="2024-01-03T00:00:00.000Z", updated_at="2024-01-03T00:00:00.000Z", **fields)


def _run(**trigger_fields) -> Run:
    trigger = Trigger(id="t", project_id=PROJECT.id, source="api", dialect="circleci", branch="feature/x",
                      commit=COMMIT, parameters={"GREETING": "hi"}, triggered_by="ada", **trigger_fields)
    return Run(state=State.PROCESSING, history=[], id="r" * 24, project_id=PROJECT.id, trigger=trigger,
               commit_sha=COMMIT.sha)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.WAITING, ("not_running", None, "not_running")),
        (State.QUEUED, ("queued", None, "queued")),
        (State.PROCESSING, ("running", None, "running")),
        (State.SUCCESS, ("finished", "success", "success")),
        (State.FAILED, ("finished", "failed", "failed")),
        (State.UNSTABLE, ("finished", "failed", "failed")),
        (State.TIMEOUT, ("finished", "timedout", "timedout")),
        (State.CANCELED, ("finished", "canceled", "canceled")),
        (State.SKIPPED, ("not_run", None, "not_run")),
        (State.STOPPED, ("finished", "infrastructure_fail", "infrastructure_fail")),
    ],
)
def test_every_state_has_circleci_words(state, expected):
    assert views.vocabulary(state) == expected


def test_a_requested_cancel_reads_as_canceled_until_the_runner_stops():
    assert views.vocabulary(State.PROCESSING, cancel_requested=True) == ("running", "canceled", "canceled")
    assert views.vocabulary(State.SUCCESS, cancel_requested=True) == ("finished", "success", "success")


def test_summary_has_the_seed_fields():
    history = [StateEntry(State.QUEUED, "2024-01-03T00:00:00.000Z"),
               StateEntry(State.PROCESSING, "2024-01-03T00:00:01.000Z"),
               StateEntry(State.SUCCESS, "2024-01-03T00:00:24.505Z")]
    job = _job(State.SUCCESS, history=history)
    previous = _job(State.FAILED, build_num=6)
    view = views.summary(job, _run(), PROJECT, LINKS, retry_of=5, previous=previous)
    assert view["vcs_url"] == "https://github.com/ada/demo"
    assert view["build_url"] == "http://ci.test/api/v1.1/project/github/ada/demo/7"
    assert (view["build_num"], view["branch"], view["vcs_revision"]) == (7, "feature/x", COMMIT.sha)
    assert (view["committer_name"], view["committer_email"], view["author_name"]) == ("Bob", "bob@x.org", "Ada")
    assert (view["subject"], view["body"], view["why"]) == ("Fix the thing", "Longer story.", "api")
    assert view["queued_at"] == "2024-01-03T00:00:00.000Z"
    assert (view["start_time"], view["stop_time"]) == ("2024-01-03T00:00:01.000Z", "2024-01-03T00:00:24.505Z")
    assert view["build_time_millis"] == 23505
    assert (view["lifecycle"], view["outcome"], view["status"]) == ("finished", "success", "success")
    assert view["retry_of"] == 5 and view["previous"] == {"build_num": 6, "status": "failed", "build_time_millis": None}
    assert view["build_parameters"] == {"GREETING": "hi"} and view["parallel"] == 1
    assert (view["username"], view["reponame"], view["user"]["login"]) == ("ada", "demo", "ada")
    assert view["canceled"] is False and view["failed"] is None


def test_shallow_summary_skips_lookups():
    view = views.summary(_job(State.QUEUED), _run(), PROJECT, LINKS, shallow=True)
    assert "previous" not in view and "retry_of" not in view and view["status"] == "queued"


def test_detail_lists_steps_with_signed_output_urls():
    steps = [StepResult(name="Spin up environment", kind="setup", status="success", output_offset=0, output_bytes=9),
             StepResult(name="make test", kind="run", command="make test", exit_code=2, status="failed",
                        started_at="2024-01-03T00:00:01.000Z", ended_at="2024-01-03T00:00:03.000Z",
                        output_offset=9, output_bytes=100),
             StepResult(name="store_test_results out", kind="store_test_results", status="success")]
    job = _job(State.FAILED, steps=steps, status_message="exit code 2")
    view = views.detail(job, _run(ssh_enabled=True), PROJECT, LINKS)
    assert [s["name"] for s in view["steps"]] == ["Spin up environment", "make test", "store_test_results out"]
    action = view["steps"][1]["actions"][0]
    assert (action["bash_command"], action["exit_code"], action["status"], action["failed"]) == (
        "make test", 2, "failed", True)
    assert action["run_time_millis"] == 2000 and action["step"] == 1 and action["index"] == 0
    assert action["output_url"].startswith("http://ci.test/api/v1.1/project/github/ada/demo/7/output/1/0?expires=")
    assert view["steps"][2]["actions"][0]["output_url"] is None
    assert view["steps"][0]["actions"][0]["type"] == "infrastructure"
    assert view["ssh_enabled"] is True and view["messages"] == [{"type": "error", "message": "exit code 2"}]
    assert view["all_commit_details"][0]["commit"] == COMMIT.sha


def test_tests_shape():
    items = [{"classname": "c", "name": "n", "file": "f.py", "time": 1.5, "result": "error", "message": "boom"}]
    assert views.tests(items) == {"tests": [{"message": "boom", "file": "f.py", "source": "junit",
                                             "source_type": "junit", "run_time": 1.5, "result": "failure",
                                             "name": "n", "classname": "c"}], "exceptions": []}


def test_artifact_urls_end_with_the_file_name():
    job = _job(State.SUCCESS, artifacts=[{"path": "out/my report.txt", "key": "k", "node_index": 0}])
    [artifact] = views.artifacts(PROJECT, job, LINKS)
    assert artifact["path"] == artifact["pretty_path"] == "out/my report.txt" and artifact["node_index"] == 0
    assert artifact["url"] == "http://ci.test/api/v1.1/project/github/ada/demo/7/artifacts/0/out/my%20report.txt"


def test_envvar_is_masked():
    assert views.envvar("TOKEN", "1234") == {"name": "TOKEN", "value": "xxxx1234"}


def test_branches_summarise_recent_running_and_last_outcomes():
    done = [(_job(State.SUCCESS, build_num=n), _run()) for n in (9, 8)]
    failed = (_job(State.FAILED, build_num=7), _run())
    running = (_job(State.PROCESSING, build_num=10), _run())
    branches = views.branches([running, *done, failed])
    entry = branches["feature/x"]
    assert [b["build_num"] for b in entry["recent_builds"]] == [9, 8, 7]
    assert [b["build_num"] for b in entry["running_builds"]] == [10]
    assert entry["last_success"]["build_num"] == 9 and entry["last_non_success"]["build_num"] == 7
    assert entry["pusher_logins"] == ["ada"]
