"""Real builds for the dialect tests: a dulwich repository, planned and executed in-process by the real runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from dulwich import porcelain

# Two matrix jobs: FLAVOR=one passes with a 2-test JUnit report, FLAVOR=two prints an error and fails.
FLAVORS_YML = """\
env:
  - FLAVOR=one
  - FLAVOR=two
build:
  ci:
    - mkdir -p shippable/testresults
    - >-
      printf '<testsuite name="unit" tests="2" failures="0"><testcase classname="t" name="a"/><testcase
      classname="t" name="b"/></testsuite>' > shippable/testresults/junit.xml
    - 'echo "warning: flavor $FLAVOR is experimental"'
    - 'echo "drivers/foo.o: warning: Section mismatch in reference"'
    - 'test "$FLAVOR" = one || { echo "main.c:1: error: flavor two is broken"; exit 1; }'
"""
PASSING_YML = "build:\n  ci:\n    - echo all good\n"


@dataclass
class Repo:
    path: Path
    sha: str

    @property
    def url(self) -> str:
        return self.path.as_uri()


def make_repo(path: Path, files: dict[str, str], message: str = "Add the build") -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    porcelain.init(str(path))
    return commit(path, files, message)


def commit(path: Path, files: dict[str, str], message: str) -> Repo:
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    porcelain.add(str(path), [str(path / name) for name in files])
    sha = porcelain.commit(str(path), message=message.encode(), author=b"Ada <ada@example.com>",
                           committer=b"Ada <ada@example.com>")
    return Repo(path, sha.decode())


def tag(repo: Repo, name: str) -> None:
    porcelain.tag_create(str(repo.path), name, objectish=repo.sha)


def make_account(login: str):
    """(account, token) stored for real."""
    from switchyard.store import accounts

    return accounts.create_account(login)


def make_project(account, full_name: str, clone_url: str, *, private: bool = True):
    from switchyard.services import projects

    return projects.create(account, projects.NewProject("github", full_name, clone_url, default_branch="master",
                                                        is_private=private))


def flavors_owner(login: str, repo_path: Path, message: str = "Add the build") -> SimpleNamespace:
    """`login` with a project `<login>/flavors` building FLAVORS_YML from a repository at `repo_path`; no run yet."""
    account, token = make_account(login)
    repo = make_repo(repo_path, {"shippable.yml": FLAVORS_YML}, message)
    project = make_project(account, f"{login}/flavors", repo.url)
    return SimpleNamespace(account=account, token=token, project=project, repo=repo, run=None)


def build(project, branch: str | None = "master", *, tag_name: str | None = None, message: str = "",
          host: str = "local"):
    """A push planned by the planner and every job executed by the runner on `host`; the finished run."""
    from switchyard.domain.ids import new_id
    from switchyard.domain.model import Commit, Trigger
    from switchyard.queues import JobMessage
    from switchyard.runner import job as job_runner
    from switchyard.services import planner
    from switchyard.store import jobs, runs

    trigger = Trigger(id=new_id(), project_id=project.id, source="webhook", dialect="github", branch=branch,
                      tag=tag_name, commit=Commit(message=message))
    run = planner.plan(trigger)
    for job in jobs.list_run_jobs(run.id):
        job_runner.handle(JobMessage(job_id=job.id, run_id=run.id), f"runner-{host}", host=host)
    return runs.get_run(run.id)


def plan_only(project, branch: str = "master"):
    """A push planned but not run: its jobs stay queued."""
    from switchyard.domain.ids import new_id
    from switchyard.domain.model import Trigger
    from switchyard.services import planner

    return planner.plan(Trigger(id=new_id(), project_id=project.id, source="webhook", dialect="github",
                                branch=branch))
