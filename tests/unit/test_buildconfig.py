"""Build config parsing and expansion: shippable.yml matrices, CircleCI jobs, branch filters, skip messages."""

from __future__ import annotations

import json
import textwrap

import pytest

from switchyard.domain import buildconfig
from switchyard.domain.buildconfig import branch_allowed, expand, is_skip_message, parse
from switchyard.domain.errors import Invalid


def shippable(text: str) -> buildconfig.BuildConfig:
    return parse("shippable", textwrap.dedent(text))


def circleci(text: str) -> buildconfig.BuildConfig:
    return parse("circleci", textwrap.dedent(text))


# -- shippable.yml ---------------------------------------------------------------------------------------------------


def test_env_list_is_one_job_per_entry_with_quoted_values_unquoted():
    config = shippable(
        """
        env:
          - FOO=1 BAR=two
          - FOO=2 MSG="hello world"
        build:
          ci:
            - make test
        """
    )
    plans = expand(config, "main")
    assert [p.label for p in plans] == ["FOO=1 BAR=two", 'FOO=2 MSG="hello world"']
    assert plans[0].env == ["FOO=1", "BAR=two"]
    assert plans[1].env == ["FOO=2", "MSG=hello world"]
    assert all(not p.allow_failure for p in plans)


def test_env_as_single_string_is_one_job():
    plans = expand(shippable("env: A=1 B=2\n"), "main")
    assert [(p.label, p.env) for p in plans] == [("A=1 B=2", ["A=1", "B=2"])]


def test_no_env_gives_one_job_with_empty_env_and_shippable_report_paths():
    plans = expand(shippable("build:\n  ci: make\n"), "main")
    assert len(plans) == 1
    plan = plans[0]
    assert plan.env == []
    assert plan.label == "build"
    assert (plan.node_index, plan.node_total) == (0, 1)
    assert plan.test_paths == ["shippable/testresults"]
    assert plan.coverage_paths == ["shippable/codecoverage"]
    assert plan.archive is False


def test_global_env_applies_to_every_matrix_job():
    config = shippable(
        """
        env:
          global:
            - CI_NAME=switchyard DEBUG=0
          matrix:
            - PY=3.10
            - PY=3.11
        """
    )
    plans = expand(config, "main")
    assert [p.env for p in plans] == [
        ["CI_NAME=switchyard", "DEBUG=0", "PY=3.10"],
        ["CI_NAME=switchyard", "DEBUG=0", "PY=3.11"],
    ]
    assert [p.label for p in plans] == ["PY=3.10", "PY=3.11"]


def test_global_env_without_matrix_is_one_job():
    plans = expand(shippable("env:\n  global: A=1\n"), "main")
    assert [(p.label, p.env) for p in plans] == [("build", ["A=1"])]


def test_exclude_drops_matching_entries_regardless_of_order():
    config = shippable(
        """
        env:
          - A=1 B=1
          - A=1 B=2
          - A=2 B=1
        matrix:
          exclude:
            - env: B=2 A=1
            - python: "2.7"
        """
    )
    assert [p.label for p in expand(config, "main")] == ["A=1 B=1", "A=2 B=1"]


def test_allow_failures_marks_matching_jobs():
    config = shippable(
        """
        env:
          - DB=postgres
          - DB=sqlite
        matrix:
          allow_failures:
            - env: DB=sqlite
        """
    )
    assert [(p.label, p.allow_failure) for p in expand(config, "main")] == [
        ("DB=postgres", False),
        ("DB=sqlite", True),
    ]


def test_build_phases_become_steps_after_an_implicit_checkout():
    config = shippable(
        """
        build:
          ci:
            - pip install -r requirements.txt
            - pytest
          on_success: echo ok
          on_failure:
            - echo failed
          post_ci:
            - ./upload.sh
        """
    )
    steps = expand(config, "main")[0].steps
    assert [(s["kind"], s["phase"], s["command"]) for s in steps] == [
        ("checkout", "ci", None),
        ("run", "ci", "pip install -r requirements.txt"),
        ("run", "ci", "pytest"),
        ("run", "on_success", "echo ok"),
        ("run", "on_failure", "echo failed"),
        ("run", "post_ci", "./upload.sh"),
    ]
    assert steps[1]["name"] == "pip install -r requirements.txt"
    assert json.loads(json.dumps(steps)) == steps


def test_multiline_command_is_named_by_its_first_line():
    config = shippable("build:\n  ci:\n    - |\n      echo one\n      echo two\n")
    step = expand(config, "main")[0].steps[1]
    assert step["name"] == "echo one"
    assert step["command"] == "echo one\necho two\n"


def test_yaml_scalars_in_commands_are_rendered_as_shell_words():
    steps = expand(shippable("build:\n  ci:\n    - true\n    - 42\n"), "main")[0].steps
    assert [s["command"] for s in steps[1:]] == ["true", "42"]


def test_plans_do_not_share_step_dicts():
    plans = expand(shippable("env: [A=1, A=2]\nbuild:\n  ci: make\n"), "main")
    plans[0].steps[1]["command"] = "changed"
    assert plans[1].steps[1]["command"] == "make"


@pytest.mark.parametrize(
    ("text", "expected"), [("archive: true\n", True), ("build:\n  archive: true\n", True), ("", False)]
)
def test_archive_flag_at_top_level_or_under_build(text, expected):
    config = shippable(text + "env: A=1\n")
    assert expand(config, "main")[0].archive is expected


def test_command_parsed_as_mapping_is_invalid_with_a_hint():
    with pytest.raises(Invalid) as caught:
        shippable("build:\n  ci:\n    - make\n    - echo result: ok\n")
    assert "build.ci[1]" in caught.value.message
    assert "quote" in caught.value.message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("env: 3\n", "env"),
        ("env:\n  - NOT_AN_ASSIGNMENT\n", "env[0]"),
        ("env:\n  - A='unbalanced\n", "env[0]"),
        ("env:\n  - secure: abcdef\n", "env[0]"),
        ("env:\n  global: [A=1]\n  other: [B=2]\n", "env"),
        ("matrix: [1, 2]\n", "matrix"),
        ("matrix:\n  exclude: {env: A=1}\n", "matrix.exclude"),
        ("build: [make]\n", "build"),
        ("branches:\n  only: {a: b}\n", "branches.only"),
        ("archive: yes please\n", "archive"),
    ],
)
def test_wrong_types_are_invalid_naming_the_key(text, key):
    with pytest.raises(Invalid) as caught:
        shippable(text)
    assert caught.value.message.startswith(f"shippable.yml: {key} ")
    assert caught.value.field == key


@pytest.mark.parametrize(("text", "found"), [("- a\n- b\n", "a list"), ("", "nothing"), ("just text\n", "str")])
def test_top_level_must_be_a_mapping(text, found):
    with pytest.raises(Invalid, match=f"shippable.yml: expected a mapping at the top level, found {found}"):
        shippable(text)


def test_invalid_yaml_reports_the_file_and_one_based_line():
    text = "build:\n  ci:\n    - make\n   bad: [\n"
    with pytest.raises(Invalid) as caught:
        parse("shippable", text)
    assert caught.value.message.startswith("shippable.yml: invalid YAML at line 4: ")


def test_invalid_yaml_in_circleci_names_its_path():
    with pytest.raises(Invalid, match=r"^\.circleci/config\.yml: invalid YAML at line 2: "):
        parse("circleci", "version: 2\njobs: a: b\n")


def test_bytes_are_decoded_and_non_utf8_is_invalid():
    assert expand(parse("shippable", b"env: A=1\n"), "main")[0].env == ["A=1"]
    with pytest.raises(Invalid, match="not UTF-8"):
        parse("shippable", b"env: \xff\n")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        parse("travis", "language: python\n")


# -- branch filters --------------------------------------------------------------------------------------------------


def test_branches_only_with_globs():
    config = shippable("branches:\n  only:\n    - main\n    - release/*\n")
    assert branch_allowed(config, "main") == (True, "")
    assert branch_allowed(config, "release/1.2")[0] is True
    allowed, reason = branch_allowed(config, "feature/x")
    assert allowed is False
    assert reason == "branch 'feature/x' is not in branches.only (main, release/*)"
    assert expand(config, "feature/x") == []
    assert len(expand(config, "release/2.0")) == 1


def test_branches_except_and_regex_patterns():
    config = shippable("branches:\n  except:\n    - gh-pages\n    - /^wip-.*$/\n")
    assert branch_allowed(config, "main") == (True, "")
    assert branch_allowed(config, "gh-pages") == (False, "branch 'gh-pages' matches branches.except 'gh-pages'")
    assert branch_allowed(config, "wip-thing")[0] is False
    assert branch_allowed(config, "not-wip-thing")[0] is True


def test_a_bare_branches_list_means_only():
    config = shippable("branches: [main]\n")
    assert branch_allowed(config, "main")[0] is True
    assert branch_allowed(config, "dev")[0] is False


def test_a_trigger_without_a_branch_passes_the_filters():
    config = shippable("branches:\n  only: [main]\n")
    assert branch_allowed(config, None) == (True, "")
    assert len(expand(config, None)) == 1


def test_globs_are_case_sensitive():
    assert branch_allowed(shippable("branches:\n  only: [Main]\n"), "main")[0] is False


# -- .circleci/config.yml --------------------------------------------------------------------------------------------

CIRCLE = """
version: 2.1
jobs:
  build:
    docker:
      - image: cimg/python:3.11
    working_directory: ~/repo
    environment:
      MODE: ci
      RETRIES: 3
      FAST: true
    steps:
      - checkout
      - setup_remote_docker
      - restore_cache:
          keys: [deps-v1]
      - run: pip install -r requirements.txt
      - run:
          name: Tests
          command: |
            mkdir -p reports
            pytest --junitxml=reports/junit.xml
          environment:
            PYTHONWARNINGS: ignore
          working_directory: src
          when: always
      - store_test_results:
          path: reports
      - store_artifacts:
          path: dist
          destination: packages
  lint:
    docker:
      - image: cimg/python:3.11
    parallelism: 3
    steps:
      - checkout
      - run: ruff check
workflows:
  main:
    jobs:
      - build
      - lint:
          filters:
            branches:
              only: [main, release/*]
"""


def test_circleci_job_steps_in_order():
    plans = expand(circleci(CIRCLE), "main")
    assert len(plans) == 1
    plan = plans[0]
    assert plan.label == "build"
    assert plan.job_name == "build"
    assert plan.env == ["MODE=ci", "RETRIES=3", "FAST=true"]
    assert plan.working_directory == "~/repo"
    assert plan.test_paths == [] and plan.archive is False
    assert [(s["kind"], s["name"]) for s in plan.steps] == [
        ("checkout", "checkout"),
        ("unsupported", "setup_remote_docker"),
        ("unsupported", "restore_cache"),
        ("run", "pip install -r requirements.txt"),
        ("run", "Tests"),
        ("store_test_results", "store_test_results reports"),
        ("store_artifacts", "store_artifacts dist"),
    ]
    assert all(s["phase"] == "ci" for s in plan.steps)
    assert json.loads(json.dumps(plan.steps)) == plan.steps


def test_circleci_run_map_keeps_command_environment_and_directory():
    tests = expand(circleci(CIRCLE), "main")[0].steps[4]
    assert tests["command"] == "mkdir -p reports\npytest --junitxml=reports/junit.xml\n"
    assert tests["environment"] == {"PYTHONWARNINGS": "ignore"}
    assert tests["working_directory"] == "src"


def test_circleci_report_steps_carry_path_and_destination():
    steps = expand(circleci(CIRCLE), "main")[0].steps
    assert (steps[5]["path"], steps[5]["destination"]) == ("reports", None)
    assert (steps[6]["path"], steps[6]["destination"]) == ("dist", "packages")


def test_unknown_step_kinds_are_skipped_with_a_message_not_a_failure():
    unsupported = [s for s in expand(circleci(CIRCLE), "main")[0].steps if s["kind"] == "unsupported"]
    assert [s["message"] for s in unsupported] == [
        "skipped: step setup_remote_docker is not supported by Switchyard",
        "skipped: step restore_cache is not supported by Switchyard",
    ]
    assert all(s["command"] is None for s in unsupported)


def test_circleci_parallelism_gives_one_plan_per_node():
    plans = expand(circleci(CIRCLE), "main", job_name="lint")
    assert [(p.label, p.node_index, p.node_total) for p in plans] == [
        ("lint #1", 0, 3),
        ("lint #2", 1, 3),
        ("lint #3", 2, 3),
    ]
    assert all(p.job_name == "lint" for p in plans)


def test_api_parallel_overrides_parallelism():
    config = circleci(CIRCLE)
    assert [p.node_index for p in expand(config, "main", job_name="build", parallel=2)] == [0, 1]
    assert len(expand(config, "main", job_name="lint", parallel=1)) == 1
    with pytest.raises(Invalid, match="parallel"):
        expand(config, "main", parallel=0)
    with pytest.raises(Invalid, match="limit"):
        expand(config, "main", parallel=buildconfig.MAX_JOBS + 1)


def test_unknown_job_lists_the_jobs_there_are():
    with pytest.raises(Invalid) as caught:
        expand(circleci(CIRCLE), "main", job_name="deploy")
    assert caught.value.message == ".circleci/config.yml has no job named 'deploy'; it has: build, lint"


def test_missing_default_job_is_invalid():
    config = circleci("version: 2\njobs:\n  test:\n    steps: [checkout]\n")
    with pytest.raises(Invalid, match="has no job named 'build'; it has: test"):
        expand(config, "main")


def test_workflow_branch_filters_apply_to_the_selected_job():
    config = circleci(CIRCLE)
    assert branch_allowed(config, "feature/x", "build") == (True, "")
    allowed, reason = branch_allowed(config, "feature/x", "lint")
    assert allowed is False
    assert "filters.branches.only" in reason
    assert expand(config, "feature/x", job_name="lint") == []
    assert len(expand(config, "release/9", job_name="lint")) == 3


def test_workflow_ignore_filter_and_job_level_branches():
    config = circleci(
        """
        version: 2
        jobs:
          build:
            branches:
              ignore: [gh-pages]
            steps: [checkout]
          deploy:
            steps: [checkout]
        workflows:
          version: 2
          ship:
            jobs:
              - deploy:
                  filters:
                    branches:
                      ignore: /dependabot\\/.*/
        """
    )
    assert branch_allowed(config, "gh-pages")[0] is False
    assert branch_allowed(config, "main")[0] is True
    assert branch_allowed(config, "dependabot/pip/x", "deploy")[0] is False
    assert branch_allowed(config, "main", "deploy")[0] is True


def test_a_job_in_two_workflows_runs_if_either_allows():
    config = circleci(
        """
        version: 2.1
        jobs:
          build: {steps: [checkout]}
        workflows:
          a: {jobs: [{build: {filters: {branches: {only: main}}}}]}
          b: {jobs: [{build: {filters: {branches: {only: dev}}}}]}
        """
    )
    assert branch_allowed(config, "main")[0] is True
    assert branch_allowed(config, "dev")[0] is True
    assert branch_allowed(config, "other")[0] is False


def test_reusable_commands_are_inlined_with_parameters():
    config = circleci(
        """
        version: 2.1
        commands:
          greet:
            parameters:
              who: {type: string, default: world}
            steps:
              - run: echo hello << parameters.who >>
        jobs:
          build:
            steps:
              - greet
              - greet: {who: switchyard}
        """
    )
    assert [s["command"] for s in expand(config, "main")[0].steps] == ["echo hello world", "echo hello switchyard"]


def test_recursive_commands_are_invalid():
    with pytest.raises(Invalid, match="recursive"):
        circleci("version: 2.1\ncommands:\n  loop: {steps: [loop]}\njobs:\n  build: {steps: [loop]}\n")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("version: 1\njobs: {build: {steps: [checkout]}}\n", "version"),
        ("version: 2\n", "jobs"),
        ("version: 2\njobs: {build: {docker: []}}\n", "jobs.build.steps"),
        ("version: 2\njobs: {build: {parallelism: 0, steps: [checkout]}}\n", "jobs.build.parallelism"),
        ("version: 2\njobs: {build: {environment: [A], steps: [checkout]}}\n", "jobs.build.environment"),
        ("version: 2\njobs: {build: {steps: [{run: {name: x}}]}}\n", "jobs.build.steps[0].run.command"),
        ("version: 2\njobs: {build: {steps: [{store_artifacts: {}}]}}\n", "jobs.build.steps[0].store_artifacts.path"),
        ("version: 2\njobs: {build: {steps: [{run: a, checkout: {}}]}}\n", "jobs.build.steps[0]"),
    ],
)
def test_circleci_wrong_shapes_are_invalid_naming_the_key(text, key):
    with pytest.raises(Invalid) as caught:
        circleci(text)
    assert caught.value.message.startswith(f".circleci/config.yml: {key} ")


def test_circleci_parallelism_may_be_a_digit_string():
    config = circleci("version: 2\njobs: {build: {parallelism: '2', steps: [checkout]}}\n")
    assert len(expand(config, "main")) == 2


# -- skip messages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "skip"),
    [
        ("Fix typo [ci skip]", True),
        ("Docs\n\n[SKIP CI]", True),
        ("[Ci Skip] release notes", True),
        ("ci skip without brackets", False),
        ("[skip-ci]", False),
        ("", False),
        (None, False),
    ],
)
def test_skip_messages(message, skip):
    assert is_skip_message(message) is skip
