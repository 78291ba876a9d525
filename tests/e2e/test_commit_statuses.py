"""Commit statuses through `switchyard serve`: a signed push, real builds, and a fake SCM recording every call."""

from __future__ import annotations

import time

import psutil
import pytest

from tests.builds import attach_store, deliver_github, github_push, make_repo, wait_for
from tests.conftest import Stack

TOKEN = "ghp_e2e_status_token_never_shown_0123"
MATRIX = """\
env:
  - FLAVOR=good
  - FLAVOR=bad
build:
  ci:
    - echo "flavor $FLAVOR"
    - test "$FLAVOR" = good
"""


@pytest.fixture
def running(tmp_path, monkeypatch):
    stack = Stack(tmp_path / "data", runners=1, extra_args=["--schedule-interval", "1"],
                  env={"SWITCHYARD_STATUS_RETRY_BASE_SECONDS": "1", "SWITCHYARD_STATUS_MAX_ATTEMPTS": "3"}).start()
    attach_store(stack.data_dir, monkeypatch)
    yield stack
    stack.stop()


def push_project(stack: Stack, tmp_path, scm_url: str, login: str, files: dict[str, str]) -> tuple[dict, str, str]:
    """An account, a project with a status token pointing at the fake SCM, and one signed push to build."""
    repo = tmp_path / f"repo-{login}"
    sha = make_repo(repo, files)
    api_token = stack.admin().post(f"{stack.url}/accounts", json={"login": login}).json()["apiToken"]
    full_name = f"{login}/demo"
    answer = stack.session(api_token).post(f"{stack.url}/projects", json={
        "repositoryProvider": "github", "fullName": full_name, "cloneUrl": f"file://{repo}",
        "statusToken": TOKEN, "scmApiUrl": scm_url})
    assert answer.status_code == 201 and TOKEN not in answer.text
    project = answer.json()
    assert project["hasStatusToken"] is True
    hook = deliver_github(stack.url, project["webhookSecret"], github_push(full_name, sha), f"d-{login}")
    assert hook.status_code == 202, hook.text
    return project, hook.json()["runs"][0], sha


def final_run(run_id: str, timeout: float = 60):
    from switchyard.store import runs

    return wait_for(lambda: (r := runs.get_run(run_id)) is not None and r.is_final and r, timeout=timeout)


@pytest.mark.stack
def test_each_job_gets_one_pending_and_one_final_status(running, scm, tmp_path):
    from switchyard.store import jobs

    _, run_id, sha = push_project(running, tmp_path, scm.url, "ada", {"shippable.yml": MATRIX})
    run = final_run(run_id)
    scm.wait_for_posts(4)
    time.sleep(3)  # anything extra (a duplicate, a late pending) would arrive by now
    posts = scm.posts()
    assert len(posts) == 4
    by_label = {job.label: job for job in jobs.list_run_jobs(run.id)}
    expected_final = {"FLAVOR=good": "success", "FLAVOR=bad": "failure"}
    for label, job in by_label.items():
        mine = [c for c in posts if c.context == f"switchyard/{label}"]
        assert [c.state for c in mine] == ["pending", expected_final[label]]
        for call in mine:
            assert call.path == f"/repos/ada/demo/statuses/{sha}" and call.sha == sha
            assert call.target_url == f"{running.url}/jobs/{job.id}"
            assert call.headers["Authorization"] == f"Bearer {TOKEN}"
            assert 0 < len(call.body["description"]) <= 140
    assert run.state.value == "failed"
    assert TOKEN not in running.log()


@pytest.mark.stack
def test_a_failing_scm_is_retried_then_dropped_and_the_build_is_untouched(running, scm, tmp_path):
    from switchyard.store import projects

    scm.answer(500, body={"message": "GitHub is having a bad day"})
    # the build outlives the pending status' three tries (1 s and 2 s apart), so all of them happen
    project, run_id, _ = push_project(running, tmp_path, scm.url, "bob",
                                      {"shippable.yml": "build:\n  ci:\n    - sleep 6\n"})
    run = final_run(run_id)
    assert run.state.value == "success"
    # SWITCHYARD_STATUS_MAX_ATTEMPTS=3: the pending and the final status are each tried three times
    posts = scm.wait_for_posts(6, timeout=60)
    time.sleep(3)
    assert sorted(c.state for c in scm.posts()) == ["pending"] * 3 + ["success"] * 3
    error = wait_for(lambda: projects.get_project(project["id"]).last_status_error, timeout=10)
    assert "gave up after 3 attempts" in error and "HTTP 500" in error
    assert len(posts) == 6
    assert TOKEN not in running.log()


@pytest.mark.stack
def test_a_refused_token_is_recorded_on_the_project(running, scm, tmp_path):
    from switchyard.store import projects

    scm.answer(401, body={"message": "Bad credentials"})
    project, run_id, _ = push_project(running, tmp_path, scm.url, "cy",
                                      {"shippable.yml": "build:\n  ci:\n    - echo fine\n"})
    assert final_run(run_id).state.value == "success"
    scm.wait_for_posts(2)
    time.sleep(3)
    assert [c.state for c in scm.posts()] == ["pending", "success"]  # refused, so never retried
    error = projects.get_project(project["id"]).last_status_error
    assert "HTTP 401" in error and "Bad credentials" in error and TOKEN not in error
    assert TOKEN not in running.log()


@pytest.mark.stack
def test_a_killed_runners_job_still_gets_a_final_status(running, scm, tmp_path):
    from switchyard.services import reaper
    from switchyard.store import jobs

    _, run_id, _ = push_project(running, tmp_path, scm.url, "dee",
                                {"shippable.yml": "build:\n  ci:\n    - sleep 120\n"})
    job = wait_for(lambda: next((j for j in jobs.list_run_jobs(run_id) if j.state.value == "processing"), None))
    pool = [p for p in psutil.Process(running.process.pid).children() if "runner" in p.cmdline()]
    assert pool, "serve started no runner pool"
    for process in pool:
        for child in [*process.children(recursive=True), process]:
            child.kill()
    # this was the job's last allowed attempt, and its lease ran out (instead of waiting a minute for it)
    jobs.update_fields(job.id, attempts=reaper.MAX_ATTEMPTS, lease_expires=int(time.time()) - 1)
    run = final_run(run_id, timeout=30)
    assert run.state.value == "failed"
    posts = scm.wait_for_posts(2, timeout=30)
    assert [c.state for c in posts] == ["pending", "error"]
    assert "stopped renewing its lease" in posts[1].body["description"]
