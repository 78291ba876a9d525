"""The runner and project secrets on moto: decrypted for the job, layered in the environment, withheld from forks."""

from __future__ import annotations

import shutil

import pytest

from switchyard.domain.model import Commit, Job, Project, Run, Trigger
from switchyard.domain.states import State


@pytest.fixture
def project(aws):
    from switchyard.services import envvars, projects
    from switchyard.store import accounts

    owner, _ = accounts.create_account("ada")
    made = projects.create(owner, projects.NewProject(repository_provider="github", full_name="ada/demo",
                                                      clone_url="file:///nowhere"))
    envvars.put(owner, made, "DEPLOY_KEY", "deploy-secret-1234")
    envvars.put(owner, made, "GREETING", "from-the-project")
    return made


def _execution(project: Project, **trigger_fields):
    from switchyard.runner.job import JobExecution

    trigger = Trigger(id="t", project_id=project.id, source="webhook", dialect="github", branch="main",
                      commit=Commit(sha="a" * 40), parameters={"GREETING": "from-the-trigger"}, **trigger_fields)
    run = Run(state=State.PROCESSING, history=[], id="r" * 24, project_id=project.id, trigger=trigger,
              commit_sha="a" * 40)
    job = Job(state=State.PROCESSING, history=[], id="j" * 24, run_id=run.id, project_id=project.id, build_num=1)
    execution = JobExecution(job, run, project, "runner-1")
    return execution


def _environment(execution) -> dict[str, str]:
    try:
        return execution._environment({})
    finally:
        execution.log.discard()
        shutil.rmtree(execution.workspace, ignore_errors=True)


def test_secrets_reach_the_environment_under_trigger_parameters(project):
    execution = _execution(project)
    assert execution.secrets_problem is None
    env = _environment(execution)
    assert env["DEPLOY_KEY"] == "deploy-secret-1234"
    assert env["GREETING"] == "from-the-trigger"  # the trigger's own parameters win
    assert env["CIRCLECI"] == "true"


def test_forks_get_no_secrets_and_are_told_why(project):
    execution = _execution(project, is_pull_request=True, is_fork=True, head_repo_full_name="mallory/demo")
    assert execution.secrets == {}
    assert "fork (mallory/demo)" in execution.secrets_problem
    env = _environment(execution)
    assert "DEPLOY_KEY" not in env and env["GREETING"] == "from-the-trigger"


def test_a_secret_printed_by_the_build_is_masked_in_the_console(project):
    execution = _execution(project)
    try:
        execution.log.write(b"the key is deploy-secret-1234!\n")
        execution.log.close()
        assert execution.log.spool_path.read_bytes() == b"the key is ********!\n"
    finally:
        execution.log.discard()
        shutil.rmtree(execution.workspace, ignore_errors=True)
