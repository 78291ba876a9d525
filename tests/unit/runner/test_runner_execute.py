"""run_command and build_environment: exit codes, bash strictness, a clean environment, cancel, timeout, no orphans."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from switchyard.runner.execute import DEFAULT_PATH, build_environment, run_command
from switchyard.runner.logstream import LogStream


class Capture:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    @property
    def text(self) -> str:
        return self.data.decode()


def run(command: str, tmp_path: Path, **kwargs):
    out = Capture()
    env = kwargs.pop("env", None) or build_environment({}, tmp_path)
    result = run_command(command, tmp_path, env, out, **kwargs)
    return result, out.text


def assert_group_gone(pgid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)


@pytest.mark.parametrize(("command", "code"), [("true", 0), ("exit 3", 3), ("false", 1), ("kill -9 $$", 137)])
def test_exit_codes(tmp_path, command, code):
    result, _ = run(command, tmp_path)
    assert result.exit_code == code
    assert not result.timed_out and not result.canceled
    assert result.duration_ms >= 0


def test_stdout_and_stderr_are_merged_in_order(tmp_path):
    result, text = run("echo one; echo two >&2; echo three", tmp_path)
    assert result.exit_code == 0
    assert text == "one\ntwo\nthree\n"


def test_set_e_stops_at_the_first_failure(tmp_path):
    result, text = run("echo before; false; echo after", tmp_path)
    assert result.exit_code == 1
    assert text == "before\n"


def test_pipefail_fails_a_pipeline_whose_first_command_fails(tmp_path):
    result, text = run("(echo data; exit 7) | cat; echo unreachable", tmp_path)
    assert result.exit_code == 7
    assert text == "data\n"


def test_stdin_is_empty_and_cwd_is_used(tmp_path):
    (tmp_path / "marker.txt").write_text("here")
    result, text = run("cat marker.txt; echo; cat; echo end", tmp_path)
    assert result.exit_code == 0
    assert text == "here\nend\n"


def test_large_output_reaches_the_stream_whole(tmp_path):
    stream = LogStream(None, spool_dir=tmp_path)
    env = build_environment({}, tmp_path)
    result = run_command("head -c 20000000 /dev/zero | tr '\\0' 'a'; echo", tmp_path, env, stream)
    totals = stream.close()
    assert result.exit_code == 0
    assert totals.bytes == 20_000_001
    stream.discard()


def test_environment_is_built_from_scratch(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-aws-secret-value")
    monkeypatch.setenv("SWITCHYARD_ADMIN_TOKEN", "sy_fake_admin_token_value")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fake_value")
    env = build_environment({"CIRCLECI": "true", "CIRCLE_BRANCH": "main", "GREETING": "a b=c"}, tmp_path / "home")
    result, text = run("env", tmp_path, env=env)
    assert result.exit_code == 0

    seen = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    for leaked in ("AWS_SECRET_ACCESS_KEY", "SWITCHYARD_ADMIN_TOKEN", "GITHUB_TOKEN", "VIRTUAL_ENV"):
        assert leaked not in seen
    for value in ("fake-aws-secret-value", "sy_fake_admin_token_value", "ghp_fake_value"):
        assert value not in text
    assert not any(name.startswith(("AWS_", "SWITCHYARD_")) for name in seen)
    assert seen["PATH"] == DEFAULT_PATH
    assert seen["HOME"] == str(tmp_path / "home")
    assert (seen["LANG"], seen["TERM"], seen["CI"]) == ("C.UTF-8", "dumb", "true")
    assert (seen["CIRCLECI"], seen["CIRCLE_BRANCH"], seen["GREETING"]) == ("true", "main", "a b=c")
    # Only what bash itself adds (PWD, SHLVL, _) beyond what we gave.
    assert set(seen) - set(env) <= {"PWD", "SHLVL", "_", "OLDPWD"}


def test_environment_rejects_names_and_values_the_os_cannot_carry(tmp_path):
    with pytest.raises(ValueError):
        build_environment({"A=B": "x"}, tmp_path)
    with pytest.raises(ValueError):
        build_environment({"A": "x\0y"}, tmp_path)


def test_cancel_ends_sleep_and_leaves_no_process_in_the_group(tmp_path):
    pid_file = tmp_path / "pids"
    asked = time.monotonic() + 1.0
    ticks: list[float] = []
    result, text = run(
        f"echo $$ > {pid_file}; sleep 300 & sleep 300 & echo started; wait",
        tmp_path,
        should_cancel=lambda: time.monotonic() >= asked,
        on_tick=lambda: ticks.append(time.monotonic()),
        tick_s=0.2,
    )
    assert result.canceled and not result.timed_out
    assert result.exit_code == 128 + signal.SIGTERM
    assert result.duration_ms < 5000
    assert text == "started\n"
    assert len(ticks) >= 3
    assert_group_gone(int(pid_file.read_text()))


def test_cancel_escalates_to_sigkill_when_sigterm_is_ignored(tmp_path):
    pid_file = tmp_path / "pids"
    started = time.monotonic()
    result, _ = run(
        f"echo $$ > {pid_file}; trap '' TERM; sleep 300 & sleep 300",
        tmp_path,
        should_cancel=lambda: time.monotonic() - started > 0.3,
        kill_grace_s=0.5,
    )
    assert result.canceled
    assert result.exit_code == 128 + signal.SIGKILL
    assert result.duration_ms < 5000
    assert_group_gone(int(pid_file.read_text()))


def test_timeout(tmp_path):
    pid_file = tmp_path / "pids"
    result, text = run(f"echo $$ > {pid_file}; echo go; sleep 300", tmp_path, timeout_s=0.5)
    assert result.timed_out and not result.canceled
    assert result.exit_code == 128 + signal.SIGTERM
    assert 400 <= result.duration_ms < 5000
    assert text == "go\n"
    assert_group_gone(int(pid_file.read_text()))


def test_background_process_holding_the_pipe_is_ended_after_the_shell_exits(tmp_path):
    pid_file = tmp_path / "pids"
    result, text = run(
        f"echo $$ > {pid_file}; (sleep 300; echo never) & echo shell done",
        tmp_path,
        drain_after_exit_s=0.3,
    )
    assert result.exit_code == 0 and not result.canceled and not result.timed_out
    assert result.duration_ms < 5000
    assert text == "shell done\n"
    assert_group_gone(int(pid_file.read_text()))


def test_background_process_with_its_own_output_is_ended_too(tmp_path):
    pid_file = tmp_path / "pids"
    result, _ = run(f"echo $$ > {pid_file}; nohup sleep 300 >/dev/null 2>&1 &", tmp_path)
    assert result.exit_code == 0
    assert result.duration_ms < 5000
    assert_group_gone(int(pid_file.read_text()))


def test_a_failing_tick_still_leaves_no_process(tmp_path):
    pid_file = tmp_path / "pids"

    def lost_lease() -> None:
        raise RuntimeError("lease lost")

    with pytest.raises(RuntimeError, match="lease lost"):
        run(f"echo $$ > {pid_file}; sleep 300", tmp_path, on_tick=lost_lease, tick_s=0.2)
    assert_group_gone(int(pid_file.read_text()))


def test_a_missing_working_directory_is_reported_not_raised(tmp_path):
    out = Capture()
    result = run_command("true", tmp_path / "missing", build_environment({}, tmp_path), out)
    assert result.exit_code == 127
    assert "cannot start the command" in out.text
