"""Executes one job: claim it, check out the commit, run its steps, stream the console, store the results."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import blobs, git
from ..domain import clock
from ..domain.commit_status import RUNNER_ERROR
from ..domain.errors import Conflict, DomainError, Unavailable
from ..domain.model import Job, Project, Run, StepResult
from ..domain.states import State
from ..observability import logger
from ..queues import JobMessage
from ..services import envvars, statuses
from ..services import runs as run_service
from ..store import jobs, projects, reports
from ..store import runs as run_store
from .artifacts import collect_files, make_tarball
from .execute import build_environment, run_command
from .logstream import LogStream, mask_fields
from .reports import find_reports, parse_cobertura, parse_junit

LEASE_SECONDS = 60
HEARTBEAT_SECONDS = 5.0


@dataclass
class Outcome:
    state: State = State.SUCCESS
    message: str | None = None
    test_paths: list[str] = field(default_factory=list)
    coverage_paths: list[str] = field(default_factory=list)


class JobExecution:
    """One claimed job on this runner, from checkout to its final state."""

    def __init__(self, job: Job, run: Run, project: Project, runner_id: str, deadline: float | None = None):
        self.job, self.run, self.project = job, run, project
        self.runner_id = runner_id
        self.deadline = deadline
        self.cancel = threading.Event()
        self.lease_lost = False
        self.workspace = Path(tempfile.mkdtemp(prefix="switchyard-job-"))
        self.source = self.workspace / "src"
        self.home = self.workspace / "home"
        self.home.mkdir()
        self.secrets, self.secrets_problem = self._project_secrets()
        self.log = LogStream(
            lambda seq, data: blobs.put_bytes(blobs.log_chunk_key(job.id, seq), data, "text/plain; charset=utf-8"),
            secrets=self.secrets.values(),
            spool_dir=self.workspace,
        )
        self._last_beat = time.monotonic()

    def _project_secrets(self) -> tuple[dict[str, str], str | None]:
        """The project's variables in clear, unless the build must not see them: (values, why not)."""
        trigger = self.run.trigger
        if trigger is not None and trigger.is_fork:
            origin = trigger.head_repo_full_name or "an unknown repository"
            return {}, f"this build is of a pull request from a fork ({origin}): the project's secrets are withheld"
        try:
            return envvars.for_build(self.project.id), None
        except Exception as err:
            logger.exception("could not decrypt the project's secrets", extra={"job_id": self.job.id})
            return {}, f"could not decrypt the project's secrets ({type(err).__name__}); the build does not start"

    # ---- heartbeat and cancel
    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last_beat < HEARTBEAT_SECONDS:
            return
        self._last_beat = now
        cancel = jobs.heartbeat(self.job.id, self.runner_id, LEASE_SECONDS)
        if cancel is None:
            self.lease_lost = True
            self.cancel.set()
        elif cancel:
            self.cancel.set()

    # ---- the build
    def execute(self) -> None:
        started = time.monotonic()
        outcome = Outcome()
        # The console before the first step (notices, checkout) is a step of its own, as CircleCI shows it.
        setup = StepResult(name="Spin up environment", kind="setup", started_at=clock.now_iso(), output_offset=0)
        self.job.steps.append(setup)
        try:
            self.log.write_line(f"[switchyard] job {self.job.label or self.job.number} on {self.job.runner_host}")
            if self.run.trigger and self.run.trigger.ssh_enabled:
                self.log.write_line("[switchyard] SSH was requested, but this runner cannot offer SSH access; "
                                    "the build runs without it")
            if self.secrets_problem and not (self.run.trigger and self.run.trigger.is_fork):
                raise Unavailable(self.secrets_problem)
            if self.secrets_problem:
                self.log.write_line(f"[switchyard] {self.secrets_problem}")
            elif self.secrets:
                names = ", ".join(sorted(self.secrets))
                self.log.write_line(f"[switchyard] {len(self.secrets)} project secret(s) in the environment: {names}")
            source = git.redact(self.project.clone_url)
            self.log.write_line(f"[switchyard] checking out {self.run.commit_sha} from {source}")
            git.checkout(self.project.clone_url, self.run.commit_sha, self.source, branch=self.run.branch)
            self._end_setup(setup, "success")
            outcome = self._steps(started)
        except DomainError as err:
            outcome = Outcome(State.FAILED, err.message)
            self.log.write_line(f"[switchyard] {err.message}")
        except Exception as err:
            logger.exception("job failed in the runner", extra={"job_id": self.job.id})
            outcome = Outcome(State.FAILED, f"{RUNNER_ERROR}: {type(err).__name__}: {err}")
            self.log.write_line(f"[switchyard] runner error: {type(err).__name__}")
        finally:
            if setup.ended_at is None:
                self._end_setup(setup, "failed")
            self._finish(outcome)
            shutil.rmtree(self.workspace, ignore_errors=True)

    def _end_setup(self, setup: StepResult, status: str) -> None:
        setup.status, setup.ended_at = status, clock.now_iso()
        setup.output_bytes = self.log.boundary()

    def _environment(self, plan: dict[str, Any]) -> dict[str, str]:
        run, job = self.run, self.job
        trigger = run.trigger
        branch = run.branch or ""
        variables = {
            "CI": "true",
            "SHIPPABLE": "true",
            "BRANCH": branch,
            "COMMIT": run.commit_sha or "",
            "BUILD_NUMBER": str(run.number),
            "JOB_NUMBER": str(job.number),
            "REPO_FULL_NAME": self.project.full_name,
            "IS_PULL_REQUEST": "true" if trigger and trigger.is_pull_request else "false",
            "CIRCLECI": "true",
            "CIRCLE_BRANCH": branch,
            "CIRCLE_SHA1": run.commit_sha or "",
            "CIRCLE_BUILD_NUM": str(job.build_num),
            "CIRCLE_JOB": plan.get("job_name") or "build",
            "CIRCLE_NODE_INDEX": str(job.node_index),
            "CIRCLE_NODE_TOTAL": str(job.node_total),
            "CIRCLE_PROJECT_USERNAME": self.project.owner_name,
            "CIRCLE_PROJECT_REPONAME": self.project.name,
        }
        if trigger and trigger.tag:
            variables["CIRCLE_TAG"] = trigger.tag
        variables.update(self.secrets)  # over the built-ins, under the config's and the trigger's own values
        for entry in job.env:
            name, _, value = entry.partition("=")
            if name:
                variables[name] = value
        if trigger:
            variables.update({str(k): str(v) for k, v in (trigger.parameters or {}).items()})
        return build_environment(variables, self.home)

    def _remaining(self, started: float) -> float:
        left = self.job.timeout_seconds - (time.monotonic() - started)
        if self.deadline is not None:
            left = min(left, self.deadline - time.monotonic())
        return max(left, 0.0)

    def _steps(self, started: float) -> Outcome:
        plan = self.job.plan[0] if self.job.plan else {}
        env = self._environment(plan)
        workdir = self.source / (plan.get("working_directory") or "")
        outcome = Outcome(test_paths=list(plan.get("test_paths") or []),
                          coverage_paths=list(plan.get("coverage_paths") or []))
        failed = False
        steps = plan.get("steps") or []
        for phase in ("ci", "on_success", "on_failure", "post_ci"):
            if (phase == "on_success" and failed) or (phase == "on_failure" and not failed):
                continue
            for step in (s for s in steps if s.get("phase", "ci") == phase):
                if phase == "ci" and failed:
                    break
                result = self._step(step, env, workdir, started, outcome)
                if result is not None and outcome.state in (State.TIMEOUT, State.CANCELED):
                    return outcome
                if result is False and phase == "ci":
                    failed = True
        if failed and outcome.state == State.SUCCESS:
            outcome.state = State.FAILED
        if plan.get("archive"):
            self._archive()
        return outcome

    def _step(self, step: dict[str, Any], env: dict[str, str], workdir: Path, started: float,
              outcome: Outcome) -> bool | None:
        kind = step.get("kind")
        record = StepResult(name=step.get("name") or kind or "step", kind=kind or "run",
                            command=step.get("command"), phase=step.get("phase", "ci"), started_at=clock.now_iso())
        ok: bool | None = True
        if kind == "run" and step.get("command"):
            self.log.write_line(f"$ {step['command']}")
            record.output_offset = self.log.boundary()
            cwd = workdir / (step.get("working_directory") or "")
            step_env = {**env, **{str(k): str(v) for k, v in (step.get("environment") or {}).items()}}
            result = run_command(step["command"], cwd, step_env, self.log, timeout_s=self._remaining(started),
                                 should_cancel=self.cancel.is_set, on_tick=self.tick)
            record.exit_code = result.exit_code
            ok = result.exit_code == 0 and not result.timed_out and not result.canceled
            if result.timed_out:
                outcome.state, outcome.message = State.TIMEOUT, f"timed out after {self.job.timeout_seconds} s"
                self.log.write_line(f"[switchyard] {outcome.message}")
            elif result.canceled:
                outcome.state = State.CANCELED
                outcome.message = "lease lost" if self.lease_lost else "canceled"
                self.log.write_line(f"[switchyard] {outcome.message}")
            elif not ok:
                self.log.write_line(f"[switchyard] exit code {result.exit_code}")
        elif kind == "store_test_results" and step.get("path"):
            outcome.test_paths.append(step["path"])
        elif kind == "store_artifacts" and step.get("path"):
            self._store_artifacts(step["path"], step.get("destination"))
        elif kind == "unsupported":
            self.log.write_line(f"[switchyard] {step.get('message') or 'skipped an unsupported step'}")
        record.status = "success" if ok else "failed"
        record.ended_at = clock.now_iso()
        if record.output_offset is not None:
            record.output_bytes = self.log.boundary() - record.output_offset
        self.job.steps.append(record)
        return ok

    def _store_artifacts(self, path: str, destination: str | None) -> None:
        try:
            files = collect_files(self.source, path)
        except (ValueError, OSError) as err:
            self.log.write_line(f"[switchyard] store_artifacts {path}: {err}")
            return
        prefix = (destination or path).strip("/")
        single_file = (self.source / path).is_file()
        for absolute, relative in files:
            # A single file is stored as `destination` (or its own path); a folder's files under that prefix.
            name = prefix if single_file or relative in (".", "") else f"{prefix}/{relative}".strip("/")
            key = blobs.artifact_prefix(self.job.id) + name
            with open(absolute, "rb") as fh:
                blobs.put_file(key, fh)
            self.job.artifacts.append({"path": name, "key": key, "size": absolute.stat().st_size,
                                       "node_index": self.job.node_index})

    def _archive(self) -> None:
        folder = self.source / "shippable"
        if not folder.is_dir():
            self.log.write_line("[switchyard] archive: true, but there is no shippable/ folder to archive")
            return
        tarball = make_tarball(folder, self.workspace / "shippable.tar.gz")
        key = blobs.artifact_prefix(self.job.id) + "shippable.tar.gz"
        with open(tarball.path, "rb") as fh:
            blobs.put_file(key, fh, "application/gzip")
        self.job.archive_key = key

    def _reports(self, outcome: Outcome) -> None:
        junit_files = find_reports(self.source, outcome.test_paths) if outcome.test_paths else []
        if junit_files:
            tests = parse_junit(junit_files, root=self.source)
            for warning in tests.warnings:
                self.log.write_line(f"[switchyard] warning: {warning}")
            self.job.tests = tests.summary()
            cases = [mask_fields(c.__dict__, self.secrets.values()) for c in tests.cases]
            reports.put_items(self.job.id, "test", cases)
            if outcome.state == State.SUCCESS and (tests.failed or tests.errors):
                outcome.state = State.UNSTABLE
        coverage_files = find_reports(self.source, outcome.coverage_paths) if outcome.coverage_paths else []
        if coverage_files:
            coverage = parse_cobertura(coverage_files, root=self.source)
            for warning in coverage.warnings:
                self.log.write_line(f"[switchyard] warning: {warning}")
            self.job.coverage = coverage.summary()
            reports.put_items(self.job.id, "cov", [c.__dict__ for c in coverage.classes])

    def _discard(self) -> None:
        blobs.delete_prefix(blobs.log_prefix(self.job.id))
        blobs.delete_prefix(blobs.artifact_prefix(self.job.id))
        reports.delete_all(self.job.id)

    def _finish(self, outcome: Outcome) -> None:
        try:
            if self.source.is_dir() and outcome.state not in (State.CANCELED,):
                self._reports(outcome)
        except Exception:
            logger.exception("could not store reports", extra={"job_id": self.job.id})
        self.log.write_line(f"[switchyard] job ended: {outcome.state.value}")
        totals = self.log.close()
        with open(self.log.spool_path, "rb") as fh:
            blobs.put_file(blobs.console_key(self.job.id), fh, "text/plain; charset=utf-8")
        self.job.log_bytes, self.job.log_lines = totals.bytes, totals.lines
        self.job.status_message = outcome.message
        if jobs.get_job(self.job.id) is None:  # deleted while it ran (DELETE /jobs/:id): leave nothing behind
            self._discard()
            return
        if self.lease_lost:
            return  # the reaper owns the job now
        for _ in range(5):
            try:
                current = jobs.get_job(self.job.id)
                if current is None or current.state != State.PROCESSING or current.runner_id != self.runner_id:
                    return
                current.move(outcome.state)
                current.steps, current.tests, current.coverage = self.job.steps, self.job.tests, self.job.coverage
                current.artifacts, current.archive_key = self.job.artifacts, self.job.archive_key
                current.log_bytes, current.log_lines = self.job.log_bytes, self.job.log_lines
                current.status_message, current.lease_expires = outcome.message, None
                jobs.save_job(current)
                statuses.notify([current], self.project)
                break
            except Conflict:
                continue
        run_service.finalize(self.job.run_id)


def claim(message: JobMessage, runner_id: str, host: str | None = None) -> tuple[Job, Run, Project] | None:
    """Move a queued job to processing under this runner; None when someone else has it or it is over."""
    job = jobs.get_job(message.job_id)
    if job is None or job.state != State.QUEUED:
        return None
    if job.cancel_requested:
        job.move(State.CANCELED)
        jobs.save_job(job)
        statuses.notify([job])
        run_service.finalize(job.run_id)
        return None
    run = run_store.get_run(job.run_id)
    project = projects.get_project(job.project_id)
    if run is None or project is None:
        return None
    job.move(State.PROCESSING)
    job.runner_id = runner_id
    job.runner_host = host or socket.gethostname()
    job.lease_expires = int(time.time()) + LEASE_SECONDS
    job.attempts += 1
    try:
        jobs.save_job(job)
    except Conflict:
        return None
    run_service.finalize(run.id)
    return job, run, project


def handle(message: JobMessage, runner_id: str, host: str | None = None, deadline: float | None = None) -> bool:
    """Claim and execute one job message; False when the message was a duplicate to drop."""
    claimed = claim(message, runner_id, host)
    if claimed is None:
        return False
    job, run, project = claimed
    JobExecution(job, run, project, runner_id, deadline).execute()
    return True
