"""The `switchyard` CLI against `switchyard serve` with a real repository: trigger, runs, logs --follow."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.builds import make_repo, wait_for
from tests.conftest import Stack

MAIN_YML = """\
build:
  ci:
    - echo "compiling widgets"
    - sleep 12
    - printf '\\033[32mwidgets built\\033[0m\\n'
"""
BROKEN_YML = "build:\n  ci:\n    - echo before the break\n    - exit 3\n    - echo never\n"
MATRIX_YML = """\
env:
  - FLAVOR=one
  - FLAVOR=two
build:
  ci:
    - echo "flavour $FLAVOR"
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    stack = Stack(base / "data", runners=2).start()
    try:
        repo = base / "repo"
        make_repo(repo, {"shippable.yml": MAIN_YML})
        make_repo(repo, {"shippable.yml": BROKEN_YML}, branch="broken", message="broken")
        make_repo(repo, {"shippable.yml": MATRIX_YML}, branch="matrix", message="matrix")
        token = stack.admin().post(f"{stack.url}/accounts", json={"login": "erin"}).json()["apiToken"]
        answer = Stack.session(token).post(f"{stack.url}/projects", json={
            "repositoryProvider": "github", "fullName": "erin/app", "cloneUrl": f"file://{repo}",
            "sourceDefaultBranch": "main"})
        assert answer.status_code == 201, answer.text
        workdir = base / "elsewhere"  # no .switchyard/ here: the token must come from a flag or the environment
        workdir.mkdir()
        yield {"stack": stack, "token": token, "project": answer.json(), "cwd": workdir}
    finally:
        stack.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")}
    env.update(extra)
    return env


def _cli(world, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "switchyard.cli", *args], capture_output=True, text=True,
                          env=env or _env(), cwd=world["cwd"], timeout=timeout)


def _flags(world) -> list[str]:
    return ["--url", world["stack"].url, "--token", world["token"]]


class Lines:
    """A child's output read line by line as it comes, each with the moment it arrived."""

    def __init__(self, stream):
        self.lines: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def next(self, timeout: float) -> str | None:
        return self.lines.get(timeout=timeout)

    def rest(self) -> str:
        self.thread.join(timeout=30)
        parts = []
        while not self.lines.empty():
            line = self.lines.get()
            if line is not None:
                parts.append(line)
        return "".join(parts)


@pytest.mark.stack
def test_trigger_runs_and_follow_with_environment_variables(world):
    env = _env(SWITCHYARD_URL=world["stack"].url, SWITCHYARD_TOKEN=world["token"])
    assert "no token" in _cli(world, "runs", "erin/app", env=_env(SWITCHYARD_URL=world["stack"].url)).stderr

    triggered = _cli(world, "trigger", "erin/app", env=env)
    assert triggered.returncode == 0, triggered.stderr
    build_id = json.loads(triggered.stdout)["BuildId"]
    assert f"switchyard logs {build_id} --follow" in triggered.stderr

    # `runs` lists the build and, once planned, its job: the id to follow
    def job_line():
        listed = _cli(world, "runs", "erin/app", env=env)
        assert listed.returncode == 0, listed.stderr
        return next((line for line in listed.stdout.splitlines() if "job 1.1:" in line), None)

    line = wait_for(job_line, timeout=60, interval=0.5)
    listing = _cli(world, "runs", "erin/app", env=env).stdout
    assert listing.splitlines()[0].split() == ["BUILD", "STATUS", "BRANCH", "COMMIT", "ID"]
    assert build_id in listing and " main " in listing
    job_id = line.split()[3]

    follower = subprocess.Popen([sys.executable, "-m", "switchyard.cli", "logs", job_id, "--follow"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                cwd=world["cwd"])
    out, err = Lines(follower.stdout), Lines(follower.stderr)
    try:
        # output arrives while the job still runs
        first = out.next(timeout=60)
        assert first and first.startswith("[switchyard] job build")
        seen = [first]
        while "compiling widgets" not in "".join(seen):
            seen.append(out.next(timeout=30))
        job = requests.get(f"{world['stack'].url}/jobs/{job_id}", timeout=10,
                           headers={"Authorization": f"apiToken {world['token']}"}).json()
        assert job["statusCode"] == 20 and job["isCompleted"] is False
        assert follower.wait(timeout=90) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
    streamed = "".join(seen) + out.rest()
    assert "\x1b[32mwidgets built\x1b[0m\n" in streamed and "job ended: success" in streamed
    # the twelve quiet seconds were reported on stderr, not mixed into the console
    progress = err.rest()
    assert "[processing] running, no new output" in progress and "no new output" not in streamed


@pytest.mark.stack
def test_follow_exits_with_a_failing_builds_outcome_using_flags(world):
    started = time.monotonic()
    result = _cli(world, "trigger", "erin/app", "--branch", "broken", "--follow", *_flags(world))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "before the break" in result.stdout and "job ended: failed" in result.stdout
    assert "never\n" not in result.stdout.replace("echo never", "")
    assert "==> build" in result.stderr and "failed" in result.stderr
    assert time.monotonic() - started < 90

    build_id = json.loads(result.stdout.splitlines()[0])["BuildId"]
    again = _cli(world, "logs", build_id, *_flags(world))  # a build id prints its jobs' consoles
    assert again.returncode == 0 and "before the break" in again.stdout
    followed = _cli(world, "logs", build_id, "--follow", *_flags(world))  # a finished build: its outcome at once
    assert followed.returncode == 1 and "job ended: failed" in followed.stdout


@pytest.mark.stack
def test_following_a_matrix_build_streams_every_job(world):
    triggered = _cli(world, "trigger", world["project"]["id"], "--branch", "matrix", *_flags(world))
    build_id = json.loads(triggered.stdout)["BuildId"]
    result = _cli(world, "logs", build_id, "--follow", *_flags(world))
    assert result.returncode == 0, result.stderr
    assert "flavour one" in result.stdout and "flavour two" in result.stdout
    assert "==> job " in result.stderr and "FLAVOR=one" in result.stderr and "FLAVOR=two" in result.stderr


@pytest.mark.stack
def test_errors_are_one_line_and_non_zero(world):
    unknown = _cli(world, "logs", "0" * 24, "--follow", *_flags(world))
    assert unknown.returncode == 1 and "404" in unknown.stderr and "Traceback" not in unknown.stderr
    missing = _cli(world, "runs", "nobody/nothing", *_flags(world))
    assert missing.returncode == 1 and "no project named nobody/nothing" in missing.stderr
    down = _cli(world, "runs", "erin/app", "--url", "http://127.0.0.1:9", "--token", world["token"])
    assert down.returncode == 1 and "cannot reach" in down.stderr and "Traceback" not in down.stderr
    bad_token = _cli(world, "trigger", "erin/app", "--url", world["stack"].url, "--token", "sy_wrong")
    assert bad_token.returncode == 1 and "401" in bad_token.stderr
