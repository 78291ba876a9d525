"""`kill -9` of `switchyard serve` in the middle of a webhook burst: nothing it acknowledged is lost."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.builds import account_and_project, attach_store, deliver_github, github_push, make_repo, wait_for
from tests.conftest import Stack

SHIPPABLE_YML = "build:\n  ci:\n    - echo start\n    - sleep 1\n    - echo done\n"
BURST = 20
FIRST_WAVE = 8
KILL_AFTER = 11


def durable_stack(data_dir: Path) -> Stack:
    """Two runners, a 5 s lease and the reaper every 2 s, so a killed build is requeued quickly."""
    return Stack(data_dir, runners=2, extra_args=["--schedule-interval", "2"],
                 env={"SWITCHYARD_LEASE_SECONDS": "5"})


class Burst:
    """Signed push deliveries sent 4 at a time, remembering every 202 and the run it named."""

    def __init__(self, stack: Stack, secret: str, body: bytes):
        self.stack, self.secret, self.body = stack, secret, body
        self.acknowledged: dict[str, str] = {}
        self.lock = threading.Lock()
        self.kill_after: int | None = None

    def send(self, deliveries: list[str]) -> None:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(self._one, deliveries))

    def _one(self, delivery: str) -> None:
        try:
            answer = deliver_github(self.stack.url, self.secret, self.body, delivery)
        except requests.RequestException:
            return  # the server died under this request: no acknowledgement
        if answer.status_code != 202:
            return
        with self.lock:
            self.acknowledged[delivery] = answer.json()["runs"][0]
            if self.kill_after is not None and len(self.acknowledged) >= self.kill_after:
                self.kill_after = None
                self.stack.stop(kill=True)  # the whole process group: server, runner pool, builds


def _processing_jobs(project_id: str) -> list:
    from switchyard.store import jobs, runs

    found = []
    for run in runs.list_project_runs(project_id, limit=100):
        found += [j for j in jobs.list_run_jobs(run.id) if j.state.value == "processing"]
    return found


@pytest.mark.stack
def test_kill_mid_burst_loses_nothing_acknowledged(tmp_path, monkeypatch):
    import boto3

    from switchyard import blobs
    from switchyard.store import jobs, runs

    repo = tmp_path / "repo"
    sha = make_repo(repo, {"shippable.yml": SHIPPABLE_YML})
    data = tmp_path / "data"
    stack = durable_stack(data).start()
    attach_store(data, monkeypatch)
    token, project = account_and_project(stack, "kim", "kim/burst", f"file://{repo}")
    body = github_push("kim/burst", sha)
    deliveries = [f"burst-{n:02d}" for n in range(BURST)]

    burst = Burst(stack, project["webhookSecret"], body)
    burst.send(deliveries[:FIRST_WAVE])
    wait_for(lambda: _processing_jobs(project["id"]), timeout=60)  # builds are running when the kill comes
    burst.kill_after = KILL_AFTER
    burst.send(deliveries[FIRST_WAVE:])
    stack.stop(kill=True)  # in case the second wave ended before the kill
    acknowledged = dict(burst.acknowledged)
    assert len(acknowledged) >= KILL_AFTER

    again = durable_stack(data).start()
    try:
        attach_store(data, monkeypatch)
        # every 202 has its run, and the account, its token and its project are intact
        for delivery, run_id in acknowledged.items():
            run = runs.get_run(run_id)
            assert run is not None and run.project_id == project["id"], delivery
        assert again.admin().post(f"{again.url}/accounts", json={"login": "kim"}).status_code == 409
        duplicate = again.session(token).post(f"{again.url}/projects", json={
            "repositoryProvider": "github", "fullName": "kim/burst", "cloneUrl": f"file://{repo}"})
        assert duplicate.status_code == 409, duplicate.text

        # a redelivery of an acknowledged delivery answers the same run and queues nothing new
        for delivery, run_id in acknowledged.items():
            answer = deliver_github(again.url, project["webhookSecret"], body, delivery)
            assert answer.status_code == 202 and answer.json()["runs"] == [run_id], (delivery, answer.text)

        # the rest are redelivered as GitHub's "Redeliver" would; one cut mid-request may need a retry
        unanswered = [d for d in deliveries if d not in acknowledged]
        for delivery in unanswered:
            answer = wait_for(lambda d=delivery: _redeliver(again.url, project["webhookSecret"], body, d),
                              timeout=60, interval=2)
            acknowledged[delivery] = answer.json()["runs"][0]

        run_ids = set(acknowledged.values())
        assert len(run_ids) == BURST  # one run per delivery, none built twice
        final = wait_for(lambda: _all_final(run_ids), timeout=240, interval=1)
        assert {run.project_id for run in final} == {project["id"]}
        assert len(runs.list_project_runs(project["id"], limit=100)) == BURST

        session = boto3.Session(**_credentials(data))
        s3 = session.client("s3", endpoint_url=_env(data)["AWS_ENDPOINT_URL"])
        for run in final:
            [job] = jobs.list_run_jobs(run.id)
            assert run.state.value == "success", (run.id, run.state, job.status_message)
            console = s3.get_object(Bucket=_env(data)["SWITCHYARD_BUCKET"], Key=blobs.console_key(job.id))
            text = console["Body"].read().decode()
            assert "$ echo start" in text and "\ndone\n" in text and text.endswith("job ended: success\n"), text
    finally:
        again.stop()


def _redeliver(url: str, secret: str, body: bytes, delivery: str) -> requests.Response | None:
    """A delivery the kill cut off is refused (409) until its in-progress mark expires, then queued."""
    answer = deliver_github(url, secret, body, delivery)
    if answer.status_code == 409:
        return None
    assert answer.status_code == 202, answer.text
    return answer


def _all_final(run_ids: set[str]) -> list | None:
    from switchyard.store import runs

    found = [runs.get_run(run_id) for run_id in run_ids]
    return found if all(run is not None and run.is_final for run in found) else None


def _env(data: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (data / "runner.env").read_text().splitlines() if "=" in line)


def _credentials(data: Path) -> dict[str, str]:
    env = _env(data)
    return {"aws_access_key_id": env["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
            "region_name": env["AWS_DEFAULT_REGION"]}


def _journal_lines(data: Path) -> list[bytes]:
    return (data / "journal.jsonl").read_bytes().splitlines(keepends=True)


@pytest.mark.stack
def test_journal_cut_mid_record_keeps_the_records_before_it(tmp_path):
    data = tmp_path / "data"
    stack = Stack(data).start()
    try:
        token = stack.admin().post(f"{stack.url}/accounts", json={"login": "lee"}).json()["apiToken"]
        before = len(_journal_lines(data))
        assert stack.admin().post(f"{stack.url}/accounts", json={"login": "max"}).status_code == 201
    finally:
        stack.stop(kill=True)
    lines = _journal_lines(data)
    last = lines[-1]
    # cut the journal in the middle of the last record of max's account, as a kill during the write would
    kept = b"".join(lines[: len(lines) - 1]) + last[: len(last) // 2]
    (data / "journal.jsonl").write_bytes(kept)
    assert len(lines) > before

    again = Stack(data).start()
    try:
        assert "dropped an incomplete last record" in again.log()
        # lee's account (complete records) is intact: the token works and the login is taken
        project = again.session(token).post(f"{again.url}/projects", json={
            "repositoryProvider": "github", "fullName": "lee/demo", "cloneUrl": "file:///tmp/x"})
        assert project.status_code == 201, project.text
        assert again.admin().post(f"{again.url}/accounts", json={"login": "lee"}).status_code == 409
        # new writes append after the cut: they survive another kill
    finally:
        again.stop(kill=True)
    third = Stack(data).start()
    try:
        duplicate = third.session(token).post(f"{third.url}/projects", json={
            "repositoryProvider": "github", "fullName": "lee/demo", "cloneUrl": "file:///tmp/x"})
        assert duplicate.status_code == 409, duplicate.text
    finally:
        third.stop()


@pytest.mark.stack
@pytest.mark.parametrize("name", ["journal.jsonl", "snapshot.jsonl"])
def test_corrupt_data_file_stops_serve_with_its_name(tmp_path, name):
    data = tmp_path / "data"
    stack = Stack(data).start()
    try:
        assert stack.admin().post(f"{stack.url}/accounts", json={"login": "ned"}).status_code == 201
    finally:
        stack.stop()
    if name == "snapshot.jsonl":
        # a snapshot holds the same resulting-state records as the journal, under its own header
        lines = (data / "journal.jsonl").read_bytes().splitlines(keepends=True)
        lines[0] = json.dumps({"format": "switchyard-journal", "version": 1, "kind": "snapshot"}).encode() + b"\n"
        (data / name).write_bytes(b"".join(lines))
        (data / "journal.jsonl").unlink()
    path = data / name
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 2, f"{name} holds no record to damage"
    lines[1] = b'{"s": "ddb", "t": broken\n'
    path.write_bytes(b"".join(lines))

    with pytest.raises(RuntimeError, match="serve exited early") as failure:
        Stack(data).start(timeout=60)
    assert str(path) in str(failure.value) and "line 2" in str(failure.value)
    assert json.loads(lines[0])["format"] == "switchyard-journal"


@pytest.mark.stack
@pytest.mark.parametrize(("name", "damage"), [("kms.json", b'{"SecretsKey": {"id"'), ("secret.key", b"")])
def test_damaged_key_file_stops_serve_with_its_name(tmp_path, name, damage):
    data = tmp_path / "data"
    Stack(data).start().stop()
    (data / name).write_bytes(damage)
    with pytest.raises(RuntimeError, match="serve exited early") as failure:
        Stack(data).start(timeout=60)
    assert str(data / name) in str(failure.value)
