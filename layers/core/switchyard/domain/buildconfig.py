"""Build configs (shippable.yml, .circleci/config.yml): parsing, branch filters and expansion into job plans."""

from __future__ import annotations

import copy
import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Invalid
from .model import PHASES

SHIPPABLE = "shippable"
CIRCLECI = "circleci"
# Looked up in this order at the pushed commit; the first present wins.
CONFIG_FILES: tuple[tuple[str, str], ...] = ((SHIPPABLE, "shippable.yml"), (CIRCLECI, ".circleci/config.yml"))
FILE_NAMES = dict(CONFIG_FILES)

STEP_KINDS = ("checkout", "run", "store_test_results", "store_artifacts", "unsupported")
SHIPPABLE_TEST_PATHS = ("shippable/testresults",)
SHIPPABLE_COVERAGE_PATHS = ("shippable/codecoverage",)
DEFAULT_JOB = "build"
MAX_JOBS = 256

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SKIP = re.compile(r"\[(?:ci skip|skip ci)\]", re.IGNORECASE)
_PARAM = re.compile(r"<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>")
_CIRCLE_VERSIONS = ("2", "2.0", "2.1")
_MAX_COMMAND_DEPTH = 8


@dataclass
class MatrixEntry:
    """One `env` entry of shippable.yml: the text as written and its NAME=value pairs."""

    label: str
    env: list[str]


@dataclass
class CircleJob:
    name: str
    steps: list[dict[str, Any]]
    environment: list[str] = field(default_factory=list)
    working_directory: str | None = None
    parallelism: int = 1
    # Each (only, ignore) pair is one place the job is filtered: the job's own `branches` or a workflow entry.
    branch_filters: list[tuple[list[str], list[str]]] = field(default_factory=list)


@dataclass
class BuildConfig:
    kind: str
    file_name: str
    matrix: list[MatrixEntry] = field(default_factory=list)
    global_env: list[str] = field(default_factory=list)
    exclude: list[frozenset[str]] = field(default_factory=list)
    allow_failures: list[frozenset[str]] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=lambda: {phase: [] for phase in PHASES})
    branches_only: list[str] = field(default_factory=list)
    branches_except: list[str] = field(default_factory=list)
    archive: bool = False
    jobs: dict[str, CircleJob] = field(default_factory=dict)


@dataclass
class JobPlan:
    """One job to queue. `steps` are JSON-ready specs; node_index is 0-based, the label's `#n` 1-based."""

    label: str
    env: list[str]
    steps: list[dict[str, Any]]
    allow_failure: bool = False
    node_index: int = 0
    node_total: int = 1
    working_directory: str | None = None
    archive: bool = False
    test_paths: list[str] = field(default_factory=list)
    coverage_paths: list[str] = field(default_factory=list)
    job_name: str | None = None


def is_skip_message(message: str | None) -> bool:
    return bool(message and _SKIP.search(message))


def parse(kind: str, text: str | bytes) -> BuildConfig:
    if kind not in FILE_NAMES:
        raise ValueError(f"unknown build config kind {kind!r}")
    file_name = FILE_NAMES[kind]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(f"{file_name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    doc = _load(file_name, text)
    if not isinstance(doc, dict):
        found = "nothing" if doc is None else _type_name(doc)
        raise Invalid(f"{file_name}: expected a mapping at the top level, found {found}")
    return _parse_shippable(doc) if kind == SHIPPABLE else _parse_circleci(doc)


def _load(file_name: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise Invalid(f"{file_name}: invalid YAML{where}: {problem}") from exc


class _Reader:
    """Type checks for one file, so every error names the file and the key."""

    def __init__(self, file_name: str):
        self.file_name = file_name

    def fail(self, where: str, what: str) -> Invalid:
        return Invalid(f"{self.file_name}: {where} {what}", field=where)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a mapping, not {_type_name(value)}")
        return value

    def scalar(self, value: Any, where: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        hint = " (quote commands that contain ': ')" if isinstance(value, dict) else ""
        raise self.fail(where, f"must be a string, not {_type_name(value)}{hint}")

    def strings(self, value: Any, where: str) -> list[str]:
        """A list of strings; a single string stands for a list of one."""
        if value is None:
            return []
        if not isinstance(value, list):
            return [self.scalar(value, where)]
        return [self.scalar(item, f"{where}[{i}]") for i, item in enumerate(value)]

    def flag(self, value: Any, where: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(where, f"must be true or false, not {_type_name(value)}")
        return value

    def env_words(self, text: str, where: str) -> list[str]:
        """Split "A=1 B='two words'" into NAME=value pairs, shell quoting removed."""
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise self.fail(where, f"cannot be split into variables: {exc}") from exc
        for word in words:
            if "=" not in word or not _ENV_NAME.match(word.partition("=")[0]):
                raise self.fail(where, f"has {word!r}, which is not NAME=value")
        return words

    def env_map(self, value: Any, where: str) -> list[str]:
        pairs: list[str] = []
        for name, raw in self.mapping(value, where).items():
            key = str(name)
            if not _ENV_NAME.match(key):
                raise self.fail(where, f"has {key!r}, which is not a variable name")
            pairs.append(f"{key}={self.scalar(raw, f'{where}.{key}')}")
        return pairs

    def positive_int(self, value: Any, where: str) -> int:
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise self.fail(where, f"must be a whole number of at least 1, not {value!r}")
        return number


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", type(None): "empty"}.get(type(value), type(value).__name__)


# -- shippable.yml ---------------------------------------------------------------------------------------------------


def _parse_shippable(doc: dict[str, Any]) -> BuildConfig:
    read = _Reader(FILE_NAMES[SHIPPABLE])
    config = BuildConfig(kind=SHIPPABLE, file_name=read.file_name)
    config.matrix, config.global_env = _shippable_env(read, doc.get("env"))
    matrix = read.mapping(doc.get("matrix"), "matrix")
    config.exclude = _env_selectors(read, matrix.get("exclude"), "matrix.exclude")
    config.allow_failures = _env_selectors(read, matrix.get("allow_failures"), "matrix.allow_failures")
    build = read.mapping(doc.get("build"), "build")
    config.commands = {phase: read.strings(build.get(phase), f"build.{phase}") for phase in PHASES}
    branches = doc.get("branches")
    if isinstance(branches, str | list):
        branches = {"only": branches}
    branches = read.mapping(branches, "branches")
    config.branches_only = read.strings(branches.get("only"), "branches.only")
    config.branches_except = read.strings(branches.get("except"), "branches.except")
    config.archive = read.flag(doc.get("archive"), "archive") or read.flag(build.get("archive"), "build.archive")
    return config


def _shippable_env(read: _Reader, value: Any) -> tuple[list[MatrixEntry], list[str]]:
    """The matrix entries and the global variables, from `env` as a string, a list or {global, matrix}."""
    if isinstance(value, dict):
        unknown = sorted(str(key) for key in value if key not in ("global", "matrix"))
        if unknown:
            raise read.fail("env", f"may only have 'global' and 'matrix', not {', '.join(unknown)}")
        global_env = [
            word
            for i, entry in enumerate(_env_entries(read, value.get("global"), "env.global"))
            for word in read.env_words(entry, f"env.global[{i}]")
        ]
        return _matrix(read, value.get("matrix"), "env.matrix"), global_env
    return _matrix(read, value, "env"), []


def _env_entries(read: _Reader, value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise read.fail(where, f"must be a string or a list of strings like 'NAME=value', not {_type_name(value)}")
    entries = value
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and "secure" in entry:
            raise read.fail(f"{where}[{i}]", "is an encrypted 'secure' entry, which Switchyard cannot decrypt")
        if not isinstance(entry, str):
            raise read.fail(f"{where}[{i}]", f"must be a string like 'NAME=value', not {_type_name(entry)}")
    return [entry.strip() for entry in entries]


def _matrix(read: _Reader, value: Any, where: str) -> list[MatrixEntry]:
    return [
        MatrixEntry(label=entry, env=read.env_words(entry, f"{where}[{i}]"))
        for i, entry in enumerate(_env_entries(read, value, where))
    ]


def _env_selectors(read: _Reader, value: Any, where: str) -> list[frozenset[str]]:
    """`matrix.exclude` / `matrix.allow_failures`: entries naming an `env`; entries without one match nothing."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise read.fail(where, f"must be a list of {{env: ...}} entries, not {_type_name(value)}")
    selectors = []
    for i, item in enumerate(value):
        entry = read.mapping(item, f"{where}[{i}]")
        if "env" in entry:
            text = read.scalar(entry["env"], f"{where}[{i}].env")
            selectors.append(frozenset(read.env_words(text, f"{where}[{i}].env")))
    return selectors


def _selected(selectors: list[frozenset[str]], entry: MatrixEntry, global_env: list[str]) -> bool:
    own = frozenset(entry.env)
    return any(selector in (own, own | frozenset(global_env)) for selector in selectors)


def _expand_shippable(config: BuildConfig) -> list[JobPlan]:
    steps = [_step("checkout", "checkout")]
    for phase in PHASES:
        steps.extend(_step(_first_line(cmd), "run", command=cmd, phase=phase) for cmd in config.commands[phase])
    plans = []
    for entry in config.matrix or [MatrixEntry(label=DEFAULT_JOB, env=[])]:
        if _selected(config.exclude, entry, config.global_env):
            continue
        plans.append(
            JobPlan(
                label=entry.label,
                env=[*config.global_env, *entry.env],
                steps=copy.deepcopy(steps),
                allow_failure=_selected(config.allow_failures, entry, config.global_env),
                archive=config.archive,
                test_paths=list(SHIPPABLE_TEST_PATHS),
                coverage_paths=list(SHIPPABLE_COVERAGE_PATHS),
            )
        )
    return plans


# -- .circleci/config.yml --------------------------------------------------------------------------------------------


def _parse_circleci(doc: dict[str, Any]) -> BuildConfig:
    read = _Reader(FILE_NAMES[CIRCLECI])
    version = doc.get("version")
    if version is not None and str(version) not in _CIRCLE_VERSIONS:
        raise read.fail("version", f"must be 2 or 2.1, not {version!r}")
    jobs = read.mapping(doc.get("jobs"), "jobs")
    if not jobs:
        raise read.fail("jobs", "must define at least one job")
    commands = read.mapping(doc.get("commands"), "commands")
    filters = _workflow_filters(read, doc.get("workflows"))
    config = BuildConfig(kind=CIRCLECI, file_name=read.file_name)
    for name, body in jobs.items():
        job = _circle_job(read, str(name), body, commands)
        job.branch_filters.extend(filters.get(job.name, []))
        config.jobs[job.name] = job
    return config


def _circle_job(read: _Reader, name: str, body: Any, commands: dict[str, Any]) -> CircleJob:
    where = f"jobs.{name}"
    body = read.mapping(body, where)
    if not isinstance(body.get("steps"), list):
        raise read.fail(f"{where}.steps", "must be a list of steps")
    defaults = _parameter_defaults(read, body.get("parameters"), f"{where}.parameters")
    raw_steps = _substitute(body["steps"], defaults)
    job = CircleJob(
        name=name,
        steps=_circle_steps(read, raw_steps, commands, f"{where}.steps", depth=0),
        environment=read.env_map(body.get("environment"), f"{where}.environment"),
        parallelism=read.positive_int(body.get("parallelism", 1), f"{where}.parallelism"),
    )
    if body.get("working_directory") is not None:
        job.working_directory = read.scalar(body["working_directory"], f"{where}.working_directory")
    if body.get("branches") is not None:
        job.branch_filters.append(_only_ignore(read, body["branches"], f"{where}.branches"))
    return job


def _circle_steps(
    read: _Reader, raw_steps: list[Any], commands: dict[str, Any], where: str, depth: int
) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for i, raw in enumerate(raw_steps):
        here = f"{where}[{i}]"
        if isinstance(raw, list):  # a steps-typed parameter spliced in place
            steps.extend(_circle_steps(read, raw, commands, here, depth))
            continue
        if isinstance(raw, str):
            kind, args = raw, None
        elif isinstance(raw, dict) and len(raw) == 1:
            kind, args = next(iter(raw.items()))
            kind = str(kind)
        else:
            raise read.fail(here, "must be a step name or a mapping with exactly one step name")
        if kind in commands and kind not in STEP_KINDS:
            steps.extend(_invoke_command(read, kind, args, commands, here, depth))
        else:
            steps.append(_circle_step(read, kind, args, here))
    return steps


def _invoke_command(
    read: _Reader, name: str, args: Any, commands: dict[str, Any], where: str, depth: int
) -> list[dict[str, Any]]:
    """Inline a 2.1 reusable command, its `<< parameters.x >>` filled from the call or the defaults."""
    if depth >= _MAX_COMMAND_DEPTH:
        raise read.fail(where, f"nests commands more than {_MAX_COMMAND_DEPTH} deep (is '{name}' recursive?)")
    definition = read.mapping(commands[name], f"commands.{name}")
    if not isinstance(definition.get("steps"), list):
        raise read.fail(f"commands.{name}.steps", "must be a list of steps")
    values = _parameter_defaults(read, definition.get("parameters"), f"commands.{name}.parameters")
    values.update(read.mapping(args, where))
    return _circle_steps(read, _substitute(definition["steps"], values), commands, f"commands.{name}.steps", depth + 1)


def _circle_step(read: _Reader, kind: str, args: Any, where: str) -> dict[str, Any]:
    if kind == "checkout":
        options = read.mapping(args, f"{where}.checkout")
        path = options.get("path")
        return _step("checkout", "checkout", path=None if path is None else read.scalar(path, f"{where}.checkout.path"))
    if kind == "run":
        return _run_step(read, args, f"{where}.run")
    if kind in ("store_test_results", "store_artifacts"):
        options = read.mapping(args, f"{where}.{kind}")
        if options.get("path") is None:
            raise read.fail(f"{where}.{kind}.path", "is required")
        path = read.scalar(options["path"], f"{where}.{kind}.path")
        destination = options.get("destination")
        if destination is not None:
            destination = read.scalar(destination, f"{where}.{kind}.destination")
        name = read.scalar(options.get("name") or f"{kind} {path}", f"{where}.{kind}.name")
        return _step(name, kind, path=path, destination=destination)
    return _step(kind, "unsupported", message=f"skipped: step {kind} is not supported by Switchyard")


def _run_step(read: _Reader, args: Any, where: str) -> dict[str, Any]:
    if not isinstance(args, dict):
        command = read.scalar(args, where)
        return _step(_first_line(command), "run", command=command)
    if args.get("command") is None:
        raise read.fail(f"{where}.command", "is required")
    command = read.scalar(args["command"], f"{where}.command")
    name = read.scalar(args["name"], f"{where}.name") if args.get("name") is not None else _first_line(command)
    directory = args.get("working_directory")
    return _step(
        name,
        "run",
        command=command,
        environment=dict(pair.split("=", 1) for pair in read.env_map(args.get("environment"), f"{where}.environment")),
        working_directory=None if directory is None else read.scalar(directory, f"{where}.working_directory"),
    )


def _parameter_defaults(read: _Reader, value: Any, where: str) -> dict[str, Any]:
    defaults = {}
    for name, spec in read.mapping(value, where).items():
        spec = read.mapping(spec, f"{where}.{name}")
        if "default" in spec:
            defaults[str(name)] = spec["default"]
    return defaults


def _substitute(value: Any, values: dict[str, Any]) -> Any:
    """Fill `<< parameters.x >>` in every string; unknown parameters stay as written."""
    if isinstance(value, str):
        whole = _PARAM.fullmatch(value.strip())
        if whole and whole.group(1) in values and not isinstance(values[whole.group(1)], str):
            return values[whole.group(1)]  # a steps-typed parameter keeps its list shape
        return _PARAM.sub(lambda m: _param_text(values, m), value)
    if isinstance(value, list):
        return [_substitute(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, values) for key, item in value.items()}
    return value


def _param_text(values: dict[str, Any], match: re.Match[str]) -> str:
    if match.group(1) not in values:
        return match.group(0)
    value = values[match.group(1)]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _workflow_filters(read: _Reader, value: Any) -> dict[str, list[tuple[list[str], list[str]]]]:
    filters: dict[str, list[tuple[list[str], list[str]]]] = {}
    for name, workflow in read.mapping(value, "workflows").items():
        if not isinstance(workflow, dict) or not isinstance(workflow.get("jobs"), list):
            continue  # `version: 2` sits among the workflows
        for i, entry in enumerate(workflow["jobs"]):
            if not isinstance(entry, dict) or len(entry) != 1:
                continue
            job, options = next(iter(entry.items()))
            where = f"workflows.{name}.jobs[{i}].{job}"
            branches = read.mapping(read.mapping(options, where).get("filters"), f"{where}.filters").get("branches")
            if branches is not None:
                filters.setdefault(str(job), []).append(_only_ignore(read, branches, f"{where}.filters.branches"))
    return filters


def _only_ignore(read: _Reader, value: Any, where: str) -> tuple[list[str], list[str]]:
    branches = read.mapping(value, where)
    return read.strings(branches.get("only"), f"{where}.only"), read.strings(branches.get("ignore"), f"{where}.ignore")


def _expand_circleci(config: BuildConfig, job_name: str | None, parallel: int | None) -> list[JobPlan]:
    job = _circle_job_named(config, job_name)
    total = job.parallelism if parallel is None else _Reader("the request").positive_int(parallel, "parallel")
    if total > MAX_JOBS:
        raise Invalid(f"parallelism {total} is over the limit of {MAX_JOBS} nodes", field="parallel")
    return [
        JobPlan(
            label=job.name if total == 1 else f"{job.name} #{index + 1}",
            env=list(job.environment),
            steps=copy.deepcopy(job.steps),
            node_index=index,
            node_total=total,
            working_directory=job.working_directory,
            job_name=job.name,
        )
        for index in range(total)
    ]


def _circle_job_named(config: BuildConfig, job_name: str | None) -> CircleJob:
    name = job_name or DEFAULT_JOB
    if name not in config.jobs:
        raise Invalid(f"{config.file_name} has no job named '{name}'; it has: {', '.join(config.jobs)}", field="job")
    return config.jobs[name]


# -- shared ----------------------------------------------------------------------------------------------------------


def _step(
    name: str,
    kind: str,
    *,
    command: str | None = None,
    phase: str = "ci",
    environment: dict[str, str] | None = None,
    path: str | None = None,
    destination: str | None = None,
    working_directory: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "command": command,
        "phase": phase,
        "environment": environment or {},
        "path": path,
        "destination": destination,
        "working_directory": working_directory,
        "message": message,
    }


def _first_line(command: str) -> str:
    lines = [line for line in command.strip().splitlines() if line.strip()]
    return lines[0].strip() if lines else command


def expand(
    config: BuildConfig, trigger_branch: str | None, job_name: str | None = None, parallel: int | None = None
) -> list[JobPlan]:
    """The jobs a trigger queues, or none when the branch filters exclude the branch.

    `job_name` and `parallel` apply to CircleCI only; an unknown job raises Invalid even on an excluded branch.
    """
    if config.kind == CIRCLECI:
        _circle_job_named(config, job_name)
    if not branch_allowed(config, trigger_branch, job_name)[0]:
        return []
    plans = _expand_shippable(config) if config.kind == SHIPPABLE else _expand_circleci(config, job_name, parallel)
    if len(plans) > MAX_JOBS:
        raise Invalid(f"{config.file_name} expands to {len(plans)} jobs; at most {MAX_JOBS} are allowed")
    return plans


def branch_allowed(config: BuildConfig, branch: str | None, job_name: str | None = None) -> tuple[bool, str]:
    """Whether a push to `branch` builds, and why not. A trigger with no branch (a tag) always builds."""
    if branch is None:
        return True, ""
    if config.kind == SHIPPABLE:
        return _check_branch(branch, config.branches_only, config.branches_except, "branches.only", "branches.except")
    job = config.jobs.get(job_name or DEFAULT_JOB)
    if job is None or not job.branch_filters:
        return True, ""
    reasons = []
    for only, ignore in job.branch_filters:
        allowed, reason = _check_branch(branch, only, ignore, "filters.branches.only", "filters.branches.ignore")
        if allowed:
            return True, ""
        reasons.append(reason)
    return False, "; ".join(dict.fromkeys(reasons))


def _check_branch(branch: str, only: list[str], ignore: list[str], only_key: str, ignore_key: str) -> tuple[bool, str]:
    if only and not any(_branch_matches(pattern, branch) for pattern in only):
        return False, f"branch '{branch}' is not in {only_key} ({', '.join(only)})"
    for pattern in ignore:
        if _branch_matches(pattern, branch):
            return False, f"branch '{branch}' matches {ignore_key} '{pattern}'"
    return True, ""


def _branch_matches(pattern: str, branch: str) -> bool:
    """A glob (`release/*`), or a regular expression written as `/.../` as Travis and CircleCI allow."""
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        try:
            return re.fullmatch(pattern[1:-1], branch) is not None
        except re.error:
            return pattern == branch
    return fnmatch.fnmatchcase(branch, pattern)
