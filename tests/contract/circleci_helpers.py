"""Shared setup of the CircleCI contract tests: a stack, a repository with a CircleCI config, a pycircleci client."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests
from pycircleci.api import Api

from tests.builds import account_and_project, commit, make_repo
from tests.conftest import Stack

JUNIT = (
    '<testsuite name="unit" tests="2">'
    '<testcase classname="demo.Math" name="adds" file="tests/test_math.py" time="0.25"/>'
    '<testcase classname="demo.Math" name="subtracts" file="tests/test_math.py" time="0.5"/>'
    "</testsuite>"
)
CONFIG = """\
version: 2.1
jobs:
  build:
    docker:
      - image: cimg/base:stable
    steps:
      - checkout
      - run:
          name: greet
          command: echo "greeting is ${GREETING:-unset}; branch is $CIRCLE_BRANCH"
      - run: echo "deploy key is [${DEPLOY_KEY:-absent}]"
      - run: mkdir -p results/unit && cp junit.xml results/unit/
      - store_test_results:
          path: results
      - run: mkdir -p out/logs && echo "hello artifact" > out/report.txt && echo "a log" > out/logs/build.log
      - store_artifacts:
          path: out
  slow:
    steps:
      - checkout
      - run: echo started && sleep 300
workflows:
  main:
    jobs: [build]
"""


@dataclass
class World:
    stack: Stack
    repo: Path
    token: str
    project: dict
    user: str
    name: str
    sha: str

    def api(self, token: str | None = None) -> Api:
        return Api(token=token or self.token, url=f"{self.stack.url}/api")

    def project_url(self) -> str:
        return f"{self.stack.url}/api/v1.1/project/github/{self.user}/{self.name}"


def start_world(base: Path, login: str = "ada", name: str = "demo") -> World:
    stack = Stack(base / "data", runners=2).start()
    repo = base / "repo"
    sha = make_repo(repo, {".circleci/config.yml": CONFIG, "junit.xml": JUNIT})
    token, project = account_and_project(stack, login, f"{login}/{name}", f"file://{repo}")
    return World(stack, repo, token, project, login, name, sha)


def commit_on_branch(repo: Path, branch: str, files: dict[str, str], message: str) -> str:
    """Commit on a new branch started from HEAD, then put HEAD back where it was; returns the new sha."""
    from dulwich.repo import Repo

    git = Repo(str(repo))
    head = git.refs.follow(b"HEAD")[0][-1]
    git.refs[f"refs/heads/{branch}".encode()] = git.head()
    git.refs.set_symbolic_ref(b"HEAD", f"refs/heads/{branch}".encode())
    try:
        return commit(repo, files, message)
    finally:
        git.refs.set_symbolic_ref(b"HEAD", head)


def wait_finished(api: Api, world: World, build_num: int, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = api.get_build_info(world.user, world.name, build_num)
        if info["lifecycle"] in ("finished", "not_run"):
            return info
        time.sleep(0.3)
    raise TimeoutError(f"build {build_num} did not finish: {info['lifecycle']}/{info['status']}")


def step_output(info: dict, name: str) -> str:
    """The console output of the build's step with that name, fetched from its output_url."""
    for step in info["steps"]:
        if step["name"] == name:
            url = step["actions"][0]["output_url"]
            answer = requests.get(url, timeout=30)
            answer.raise_for_status()
            return "".join(item["message"] for item in answer.json())
    raise AssertionError(f"no step named {name!r} in {[s['name'] for s in info['steps']]}")
