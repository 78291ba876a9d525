"""A 200 MB console through the runner: its memory stays flat, the log streams fast, the download is byte-exact."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

import psutil
import requests

from bench import Figure
from bench._stack import project_with, push, running, wait_final

SIZE_MB = int(os.environ.get("BENCH_LOG_MB", "200"))
RSS_GOAL_MB = 64
RATE_GOAL_MB_S = 20


def runner_processes(stack) -> list[psutil.Process]:
    """The runner's Python processes (not the build's own commands)."""
    tree = psutil.Process(stack.process.pid).children(recursive=True)
    return [p for p in tree if "runner" in " ".join(p.cmdline()) and "python" in p.name().lower()]


class RssPeak(threading.Thread):
    """Samples the runner's resident memory every 50 ms until stopped."""

    def __init__(self, processes: list[psutil.Process]):
        super().__init__(daemon=True)
        self.processes = processes
        self.start_mb = self.peak_mb = self._sample()
        self.stopping = threading.Event()

    def _sample(self) -> float:
        total = 0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20

    def run(self) -> None:
        while not self.stopping.wait(0.05):
            self.peak_mb = max(self.peak_mb, self._sample())


def produced(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def console_contains(stack, token: str, job_id: str, expected_sha: str, size: int) -> bool:
    """Download the console through the API (a redirect for big ones) and hash the command's part of it."""
    answer = requests.get(f"{stack.url}/jobs/{job_id}/consoles/download", timeout=600, stream=True,
                          headers={"Authorization": f"apiToken {token}"})
    answer.raise_for_status()
    data = answer.content
    marker = data.find(b"\n", data.find(b"$ cat ")) + 1  # the output follows the echoed command line
    return marker > 0 and hashlib.sha256(data[marker:marker + size]).hexdigest() == expected_sha


def run() -> list[Figure]:
    with running(runners=1) as stack:
        out = stack.data_dir.parent / "produced.txt"
        # base64 of random bytes: 4/3 the input, in 76-character lines
        config = {"shippable.yml": "build:\n  ci:\n"
                  f"    - head -c {SIZE_MB * 3 // 4 * 2**20} /dev/urandom | base64 > {out}\n"
                  f"    - cat {out}\n"}
        project, sha = project_with(stack, "logs", config)
        warm, warm_sha = project_with(stack, "warm", {"shippable.yml": "build:\n  ci:\n    - echo warm\n"})
        wait_final([push(stack, warm, warm_sha)])  # the runner's first job imports its modules: not log memory
        from switchyard.store import jobs

        processes = runner_processes(stack)
        peak = RssPeak(processes)
        peak.start()
        run_id = push(stack, project, sha)
        wait_final([run_id], timeout=1800)
        peak.stopping.set()
        peak.join()
        [job] = jobs.list_run_jobs(run_id)
        cat = next(s for s in job.steps if s.command and s.command.startswith("cat "))
        expected, size = produced(out)
        exact = console_contains(stack, stack.admin_token, job.id, expected, size)  # the admin reads any console
        seconds = _seconds(cat.started_at, job.ended_at)
        print(f"   cat step {_seconds(cat.started_at, cat.ended_at):.1f} s, job end {seconds:.1f} s after its start")
    growth = peak.peak_mb - peak.start_mb
    rate = size / 2**20 / seconds
    return [
        Figure(f"{size / 2**20:.0f} MB console: runner RSS growth", round(growth, 1), "MB", f"≤ {RSS_GOAL_MB} MB",
               growth <= RSS_GOAL_MB, "",
               f"peak {peak.peak_mb:.0f} MB over {len(processes)} runner process(es) (psutil), warmed by a first job"),
        Figure(f"{size / 2**20:.0f} MB console: throughput", round(rate, 1), "MB/s", f"≥ {RATE_GOAL_MB_S} MB/s",
               rate >= RATE_GOAL_MB_S, "", "from the `cat` step's start to the job's end (console stored in S3)"),
        Figure("console download byte-exact", "yes" if exact else "no", "", "sha256 equal", exact, "",
               "GET /jobs/{id}/consoles/download vs the command's own output"),
    ]


def _seconds(start: str, end: str) -> float:
    from switchyard.domain import clock

    return clock.millis_between(start, end) / 1000
