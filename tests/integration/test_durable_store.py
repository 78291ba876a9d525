"""The embedded stack's journal on a real moto server in this process: restart after writes of every kind.

Each test writes through boto3 over HTTP (as the functions and runners do), stops the emulator without
compacting (what a kill leaves on disk), then starts a fresh one on the same data dir and reads back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from switchyard.local.blobfiles import uninstall_blob_storage
from switchyard.local.emulator import Emulator
from switchyard.local.journal import CorruptDataError, closed_journals
from switchyard.local.resources import Physical, create_all
from switchyard.local.template import load

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
BUCKET = "switchyard-artifactsbucket"
MiB = 1024 * 1024
ROUNDS = 25


class Running:
    """One emulator on the data dir, with clients and the template's resources."""

    def __init__(self, data_dir: Path, compact_bytes: int | None = None):
        from moto.core.base_backend import BackendDict

        BackendDict.reset()
        self.emulator = Emulator(data_dir, REGION)
        if compact_bytes is not None:
            self.emulator.store.compact_bytes = compact_bytes
        self.emulator.start()
        session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION)
        self.clients = {n: session.client(n, endpoint_url=self.emulator.endpoint) for n in ("dynamodb", "sqs", "s3")}
        template = load(ROOT / "template.yaml")
        self.physical: Physical = create_all(template, self.clients, {})
        self.emulator.store.load()

    @property
    def store(self):
        return self.emulator.store

    def queue(self, logical: str) -> str:
        return self.physical.queue_urls[logical]

    def stop(self) -> None:
        self.emulator.stop()  # no compaction: the files are what a kill -9 leaves


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    from moto.core.base_backend import BackendDict

    uninstall_blob_storage()
    BackendDict.reset()


def _counter(clients: dict, name: str) -> int | None:
    item = clients["dynamodb"].get_item(TableName="CountersTable", Key={"name": {"S": name}}).get("Item")
    return int(item["value"]["N"]) if item else None


def _bump(clients: dict, name: str) -> None:
    clients["dynamodb"].update_item(
        TableName="CountersTable", Key={"name": {"S": name}},
        UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def _body(clients: dict, key: str) -> bytes | None:
    s3 = clients["s3"]
    try:
        return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None


def _drain(clients: dict, url: str) -> dict[str, int]:
    """Every visible message of a queue: body -> ApproximateReceiveCount (after this receive)."""
    found: dict[str, int] = {}
    while True:
        got = clients["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                             AttributeNames=["All"]).get("Messages") or []
        if not got:
            return found
        for message in got:
            found[message["Body"]] = int(message["Attributes"]["ApproximateReceiveCount"])


def test_compaction_while_writes_go_on_loses_nothing(data_dir):
    running = Running(data_dir, compact_bytes=32 * 1024)
    clients, jobs_url = running.clients, running.queue("JobQueue")
    stop = threading.Event()
    written: dict[str, bytes] = {}
    deleted: set[str] = set()
    errors: list[BaseException] = []
    compactions: list[int] = []

    def writer(worker: int) -> None:
        try:
            for n in range(ROUNDS):
                _bump(clients, f"w{worker}")
                key = f"logs/w{worker}/chunk-{n % 5}"
                body = f"{worker}:{n}".encode() * 50
                clients["s3"].put_object(Bucket=BUCKET, Key=key, Body=body)
                written[key] = body
                clients["sqs"].send_message(QueueUrl=jobs_url, MessageBody=f"w{worker}-{n}")
                if n % 3 == 0:
                    got = clients["sqs"].receive_message(QueueUrl=jobs_url, VisibilityTimeout=60)["Messages"]
                    clients["sqs"].delete_message(QueueUrl=jobs_url, ReceiptHandle=got[0]["ReceiptHandle"])
                    deleted.add(got[0]["Body"])
        except BaseException as err:  # surfaced below: a thread's assertion would vanish otherwise
            errors.append(err)

    def compactor() -> None:
        while not stop.is_set():
            running.store.compact()
            compactions.append(1)
            stop.wait(0.05)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    background = threading.Thread(target=compactor)
    background.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    background.join()
    assert not errors, errors
    assert len(compactions) >= 3  # several snapshots were written while the writers ran
    running.stop()

    again = Running(data_dir)
    try:
        assert [_counter(again.clients, f"w{w}") for w in range(4)] == [ROUNDS] * 4
        for key, body in written.items():
            assert _body(again.clients, key) == body, key
        remaining = _drain(again.clients, jobs_url)
        assert set(remaining) == {f"w{w}-{n}" for w in range(4) for n in range(ROUNDS)} - deleted
    finally:
        again.stop()


def test_only_the_last_state_of_each_item_counts_whatever_order_its_key_was_sent_in(data_dir):
    running = Running(data_dir)
    ddb = running.clients["dynamodb"]
    key = {"job_id": {"S": "j1"}, "sk": {"S": "test#1"}}
    for n in range(3):
        ddb.put_item(TableName="ReportsTable", Item={**key, "n": {"N": str(n)}})
        ddb.update_item(TableName="ReportsTable", Key={"sk": key["sk"], "job_id": key["job_id"]},  # range first
                        UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": str(10 + n)}})
    ddb.put_item(TableName="ReportsTable", Item={"job_id": {"S": "j1"}, "sk": {"S": "gone"}})
    ddb.delete_item(TableName="ReportsTable", Key={"sk": {"S": "gone"}, "job_id": {"S": "j1"}})
    running.stop()

    again = Running(data_dir)
    try:
        items = again.clients["dynamodb"].query(
            TableName="ReportsTable", KeyConditionExpression="job_id = :j",
            ExpressionAttributeValues={":j": {"S": "j1"}})["Items"]
        assert items == [{**key, "n": {"N": "12"}}]
    finally:
        again.stop()


def test_multipart_copy_and_delete_objects_survive(data_dir):
    running = Running(data_dir)
    s3 = running.clients["s3"]
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="artifacts/big.bin")["UploadId"]
    parts = [b"a" * (5 * MiB), b"b" * MiB]
    etags = [s3.upload_part(Bucket=BUCKET, Key="artifacts/big.bin", UploadId=upload, PartNumber=n + 1,
                            Body=part)["ETag"] for n, part in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=BUCKET, Key="artifacts/big.bin", UploadId=upload, MultipartUpload={
        "Parts": [{"ETag": etag, "PartNumber": n + 1} for n, etag in enumerate(etags)]})
    for name in ("one", "two", "three"):
        s3.put_object(Bucket=BUCKET, Key=f"logs/j/{name}", Body=name.encode(), ContentType="text/plain")
    s3.copy_object(Bucket=BUCKET, Key="logs/j/copy", CopySource={"Bucket": BUCKET, "Key": "logs/j/one"})
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "logs/j/one"}, {"Key": "logs/j/two"}]})
    running.stop()
    blobs_before = sorted(p for p in (data_dir / "blobs").rglob("*") if p.is_file())

    again = Running(data_dir)
    try:
        s3 = again.clients["s3"]
        assert _body(again.clients, "artifacts/big.bin") == b"".join(parts)
        assert _body(again.clients, "logs/j/one") is None and _body(again.clients, "logs/j/two") is None
        assert _body(again.clients, "logs/j/three") == b"three"
        assert _body(again.clients, "logs/j/copy") == b"one"
        head = s3.head_object(Bucket=BUCKET, Key="logs/j/three")
        assert head["ContentType"] == "text/plain" and head["ContentLength"] == 5
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="logs/j/")["Contents"]]
        assert listed == ["logs/j/copy", "logs/j/three"]
        # restoring re-attaches the existing files: no new (empty) blob file per object
        assert sorted(p for p in (data_dir / "blobs").rglob("*") if p.is_file()) == blobs_before
    finally:
        again.stop()


def test_receive_counts_dead_letter_moves_and_delays_survive(data_dir):
    running = Running(data_dir)
    sqs, jobs_url, dlq_url = running.clients["sqs"], running.queue("JobQueue"), running.queue("JobDeadLetterQueue")
    sqs.send_message(QueueUrl=jobs_url, MessageBody="poison")
    for _ in range(3):  # the job queue's maxReceiveCount
        assert sqs.receive_message(QueueUrl=jobs_url, VisibilityTimeout=0)["Messages"][0]["Body"] == "poison"
    assert not sqs.receive_message(QueueUrl=jobs_url).get("Messages")  # this receive moved it to the DLQ
    sqs.send_message(QueueUrl=jobs_url, MessageBody="once")
    assert sqs.receive_message(QueueUrl=jobs_url, VisibilityTimeout=0)["Messages"][0]["Body"] == "once"
    sqs.send_message(QueueUrl=jobs_url, MessageBody="later", DelaySeconds=600)
    running.stop()

    again = Running(data_dir)
    try:
        assert _drain(again.clients, jobs_url) == {"once": 2}  # "later" is still delayed
        assert _drain(again.clients, dlq_url) == {"poison": 4}
    finally:
        again.stop()


def test_a_kill_during_compaction_loads_the_same_state(data_dir):
    running = Running(data_dir)
    for _ in range(3):
        _bump(running.clients, "before")
    running.store.journal.rotate()  # killed after the rotation, before the snapshot was written
    _bump(running.clients, "after")
    running.stop()
    assert [g for g, _ in closed_journals(data_dir)] == [0]

    again = Running(data_dir)
    try:
        assert _counter(again.clients, "before") == 3 and _counter(again.clients, "after") == 1
        again.store.compact()  # this one finishes: the closed journal is covered and removed
        _bump(again.clients, "after")
        assert closed_journals(data_dir) == []
    finally:
        again.stop()
    third = Running(data_dir)
    try:
        assert _counter(third.clients, "before") == 3 and _counter(third.clients, "after") == 2
    finally:
        third.stop()


def test_a_journal_older_than_its_snapshot_is_refused(data_dir):
    running = Running(data_dir)
    _bump(running.clients, "x")
    running.store.compact()
    running.stop()
    journal = data_dir / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[0] = json.dumps({"format": "switchyard-journal", "version": 1, "kind": "journal", "generation": 0}).encode()
    journal.write_bytes(lines[0] + b"\n" + b"".join(lines[1:]))
    with pytest.raises(CorruptDataError, match="do not belong together"):
        Running(data_dir)
