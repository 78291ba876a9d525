"""`switchyard logs --follow` without a server: a fake API whose jobs move on each poll, and a fake clock."""

from __future__ import annotations

import pytest

from switchyard.client import ApiError, Follower, _new_part


class FakeApi:
    """Each poll of a job moves it to its next (status, console) state; the last one repeats."""

    def __init__(self, jobs: dict[str, list[tuple[int, bytes]]], build: dict | None = None):
        self.jobs = {job_id: list(states) for job_id, states in jobs.items()}
        self.current: dict[str, tuple[int, bytes]] = {}
        self.build_doc = build
        self.failures: list[ApiError] = []

    def job(self, job_id: str) -> dict:
        if self.failures:
            raise self.failures.pop(0)
        if job_id not in self.jobs:
            raise ApiError("GET /jobs: 404 job not found", 404)
        states = self.jobs[job_id]
        self.current[job_id] = states.pop(0) if len(states) > 1 else states[0]
        code = self.current[job_id][0]
        return {"id": job_id, "statusCode": code, "isCompleted": code >= 30}

    def console(self, job_id: str) -> bytes:
        return self.current[job_id][1]

    def build(self, _build_id: str) -> dict:
        return self.build_doc


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _follower(api: FakeApi) -> tuple[Follower, list[bytes], list[str]]:
    written: list[bytes] = []
    said: list[str] = []
    clock = Clock()
    return Follower(api, written.append, said.append, poll=1.0, sleep=clock.sleep, clock=clock), written, said


def test_streams_each_new_part_once_and_exits_with_success():
    states = [(10, b""), (20, b"one\n"), (20, b"one\ntwo\n"), (20, b"one\ntwo\n"), (30, b"one\ntwo\nend\n")]
    api = FakeApi({"j": states})
    follower, written, _ = _follower(api)
    assert follower.job("j") == 0
    assert written == [b"one\n", b"two\n", b"end\n"]


@pytest.mark.parametrize(("status", "code"), [(30, 0), (40, 0), (80, 1), (50, 2), (60, 3), (70, 4), (90, 5)])
def test_exit_code_is_the_outcome(status, code):
    follower, _, _ = _follower(FakeApi({"j": [(status, b"x\n")]}))
    assert follower.job("j") == code


def test_progress_after_five_quiet_seconds_then_every_ten():
    states = [(10, b"")] * 8 + [(20, b"")] * 15 + [(30, b"")]
    follower, _, said = _follower(FakeApi({"j": states}))
    follower.job("j")
    assert said == ["[queued] queued, waiting for a runner (5 s)", "[processing] running, no new output (15 s)"]


def test_an_unreachable_stack_is_ridden_out_but_a_404_is_not():
    api = FakeApi({"j": [(20, b"a\n"), (30, b"a\nb\n")]})
    api.failures = [ApiError("cannot reach the Switchyard API"), ApiError("GET /jobs/j: 502 Bad Gateway", 502)]
    follower, written, said = _follower(api)
    assert follower.job("j") == 0 and b"".join(written) == b"a\nb\n"
    assert sum("retrying" in line for line in said) == 2
    with pytest.raises(ApiError) as raised:
        _follower(api)[0].job("missing")
    assert raised.value.status == 404


def test_a_stack_down_for_good_ends_the_follow():
    api = FakeApi({"j": [(20, b"")]})
    api.failures = [ApiError("cannot reach the Switchyard API")] * 1000
    with pytest.raises(ApiError, match="cannot reach"):
        _follower(api)[0].job("j")


def test_a_build_follows_every_job_and_exits_with_the_builds_outcome():
    build = {"buildGroupNumber": 7, "status": 50, "isCompleted": True, "errorMsgs": [],
             "builds": [{"id": "b", "buildNumber": 2, "matrixValues": [{"name": "FLAVOR", "value": "two"}]},
                        {"id": "a", "buildNumber": 1, "matrixValues": [{"name": "FLAVOR", "value": "one"}]}]}
    api = FakeApi({"a": [(20, b"one\n"), (30, b"one\n")], "b": [(50, b"two\n")]}, build)
    follower, written, said = _follower(api)
    assert follower.build("7") == 2
    assert written == [b"one\n", b"two\n"]
    assert said == ["==> job 7.1 FLAVOR=one", "==> job 7.2 FLAVOR=two", "==> build 7: unstable"]


def test_a_build_that_never_ran_reports_why():
    build = {"buildGroupNumber": 3, "status": 80, "isCompleted": True, "builds": [],
             "errorMsgs": ["no shippable.yml or .circleci/config.yml at this commit"]}
    follower, written, said = _follower(FakeApi({}, build))
    assert follower.build("3") == 1 and written == []
    assert said == ["[switchyard] no shippable.yml or .circleci/config.yml at this commit", "==> build 3: failed"]


@pytest.mark.parametrize(
    ("console", "shown", "head", "tail", "new"),
    [
        (b"abc", 0, b"", b"", b"abc"),
        (b"abcdef", 3, b"abc", b"abc", b"def"),
        (b"abc", 3, b"abc", b"abc", b""),
        # a long running console shows only its newest part: continue after what was already shown
        (b"[note]\ncdefgh", 6, b"abcdef", b"def", b"gh"),
        (b"[note]\nxyz", 6, b"abcdef", b"def", b"[note]\nxyz"),
    ],
)
def test_new_part(console, shown, head, tail, new):
    assert _new_part(console, shown, head, tail) == new
