"""Run one build command: bash in its own process group, console streamed, cancel and timeout enforced."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("switchyard.runner")

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
READ_BYTES = 64 * 1024
KILL_GRACE_S = 10.0
DRAIN_AFTER_EXIT_S = 1.0
TICK_S = 1.0
_POLL_MS = 100
_CANCEL_POLL_S = 0.5
_REAP_WAIT_S = 5.0
_PR_SET_CHILD_SUBREAPER = 36


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    timed_out: bool
    canceled: bool
    duration_ms: int


def build_environment(base: Mapping[str, str], home: str | os.PathLike[str]) -> dict[str, str]:
    """A build's environment, from scratch: never anything of the runner's own (credentials, tokens, settings)."""
    env = {"PATH": DEFAULT_PATH, "HOME": os.fspath(home), "LANG": "C.UTF-8", "TERM": "dumb", "CI": "true"}
    for name, value in base.items():
        if not name or "=" in name or "\0" in name:
            raise ValueError(f"invalid environment variable name: {name!r}")
        if "\0" in value:
            raise ValueError(f"environment variable {name} contains a NUL byte")
        env[name] = value
    return env


def run_command(
    command: str,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str],
    stream: Sink,
    timeout_s: float | None = None,
    should_cancel: Callable[[], bool] | None = None,
    on_tick: Callable[[], None] | None = None,
    *,
    kill_grace_s: float = KILL_GRACE_S,
    tick_s: float = TICK_S,
    drain_after_exit_s: float = DRAIN_AFTER_EXIT_S,
) -> CommandResult:
    """Run `command` with `bash -eo pipefail`, streaming its merged output; no process of it outlives the call.

    Once bash exits, output still arriving from background processes is read for `drain_after_exit_s`,
    then the rest of the group is terminated as on cancel: SIGTERM, SIGKILL after `kill_grace_s`.
    """
    _become_subreaper()
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [_bash(), "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except (OSError, ValueError) as exc:
        stream.write(f"[switchyard] cannot start the command: {exc}\n".encode())
        return CommandResult(127, False, False, _ms_since(started))

    assert proc.stdout is not None
    group = _Group(proc, kill_grace_s)
    fd = proc.stdout.fileno()
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    timed_out = canceled = eof = False
    exited_at: float | None = None
    next_tick = started + tick_s
    next_cancel_check = started
    try:
        while True:
            if not eof:
                if poller.poll(_POLL_MS):
                    data = os.read(fd, READ_BYTES)
                    if data:
                        stream.write(data)
                    else:
                        eof = True
            elif exited_at is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(_POLL_MS / 1000)
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if eof and exited_at is not None:
                break
            if group.terminating:
                group.escalate_if_due(now)
            elif timeout_s and now - started >= timeout_s:
                timed_out = True
                group.terminate(now)
            elif should_cancel is not None and now >= next_cancel_check:
                next_cancel_check = now + _CANCEL_POLL_S
                if should_cancel():
                    canceled = True
                    group.terminate(now)
            if not group.terminating and exited_at is not None and now - exited_at >= drain_after_exit_s:
                group.terminate(now)  # background processes still hold the pipe
            if on_tick is not None and now >= next_tick:
                next_tick = now + tick_s
                on_tick()
    finally:
        group.finish()
        proc.stdout.close()
    code = proc.returncode
    return CommandResult(128 - code if code < 0 else code, timed_out, canceled, _ms_since(started))


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _bash() -> str:
    return shutil.which("bash", path=DEFAULT_PATH) or shutil.which("bash") or "/bin/bash"


@functools.cache
def _become_subreaper() -> None:
    # Orphaned grandchildren are reparented to PID 1, which in many containers never reaps them: their
    # zombies keep the process group alive. As the subreaper this process adopts and reaps them itself.
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError):
        log.warning("prctl is unavailable; orphaned build processes are left to PID 1 to reap")


class _Group:
    """The process group of one command: signalled as a whole, reaped as a whole."""

    def __init__(self, proc: subprocess.Popen[bytes], grace_s: float) -> None:
        self.proc = proc
        self.pgid = proc.pid  # start_new_session: bash leads its own session and group
        self.grace_s = grace_s
        self.term_sent_at: float | None = None
        self.killed = False

    @property
    def terminating(self) -> bool:
        return self.term_sent_at is not None

    def terminate(self, now: float) -> None:
        self.term_sent_at = now
        self._signal(signal.SIGTERM)

    def escalate_if_due(self, now: float) -> None:
        if not self.killed and self.term_sent_at is not None and now - self.term_sent_at >= self.grace_s:
            self.killed = True
            self._signal(signal.SIGKILL)

    def finish(self) -> None:
        """Leave nothing behind: terminate whatever of the group remains and reap it, bash included."""
        if self._wait_gone(0):
            return
        if self.term_sent_at is None:
            self.terminate(time.monotonic())
        assert self.term_sent_at is not None
        if not self.killed and self._wait_gone(self.term_sent_at + self.grace_s - time.monotonic()):
            return
        self.killed = True
        self._signal(signal.SIGKILL)
        if not self._wait_gone(_REAP_WAIT_S):
            log.warning("process group %d still has members after SIGKILL", self.pgid)
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()

    def alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signum)

    def _wait_gone(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + max(timeout_s, 0)
        while True:
            self.proc.poll()
            if not self.alive():
                return True
            self._reap_orphans()
            if not self.alive():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def _reap_orphans(self) -> None:
        """Reap the group's zombies this process adopted as subreaper; bash itself is left to Popen."""
        me = os.getpid()
        try:
            names = os.listdir("/proc")
        except OSError:
            return
        for name in names:
            if not name.isdigit() or int(name) == self.proc.pid:
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            # The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
            fields = stat[stat.rfind(b")") + 2 :].split()
            if len(fields) < 3 or fields[0] != b"Z" or int(fields[1]) != me or int(fields[2]) != self.pgid:
                continue
            with contextlib.suppress(ChildProcessError):
                os.waitpid(int(name), os.WNOHANG)
