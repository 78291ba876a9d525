"""Durability for the embedded moto services: a journal of every acknowledged write, plus snapshots.

Every mutating DynamoDB, SQS or S3 request that moto answered successfully is recorded as the
*resulting state* (an item's new attributes, a message sent or deleted, an object's blob file)
and the record is appended and fsynced before the answer leaves the process. A restart loads the
last snapshot and replays the journal on top; records are idempotent upserts keyed by item key,
message id and object key, so replaying a record twice changes nothing. When the journal grows,
the whole state is written to a new snapshot (atomic rename) and the journal starts again.

S3 object bodies never sit in memory: moto's key buffers are replaced by files under
`DATA/blobs/`, so a restart re-attaches objects to their files instead of copying bytes.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

log = logging.getLogger("switchyard.durable")

FORMAT = "switchyard-journal"
VERSION = 1
ACCOUNT = "123456789012"
COMPACT_BYTES = 64 * 1024 * 1024

DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SQS_WRITES = {"SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "PurgeQueue"}


class CorruptDataError(RuntimeError):
    """A data file cannot be read; names the file and line so the user knows what to restore."""


# ------------------------------------------------------------------------------------------ blobs


class BlobFile:
    """The slice of SpooledTemporaryFile that moto's FakeKey uses, backed by a file opened per call.

    Holding no descriptor open keeps tens of thousands of objects from exhausting file handles.
    close() keeps the file: deleting is the journal's job, once the delete is recorded.
    """

    directory: Path | None = None

    def __init__(self, path: Path | None = None, create: bool = True):
        if path is None:
            assert self.directory is not None, "BlobFile.directory is not set"
            name = uuid.uuid4().hex
            path = self.directory / name[:2] / name
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(path)
        self.pos = 0
        if create:
            self.path.touch()

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence == 0:
            self.pos = pos
        elif whence == 1:
            self.pos += pos
        else:
            self.pos = self.path.stat().st_size + pos
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, size: int = -1) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(self.pos)
            data = fh.read() if size is None or size < 0 else fh.read(size)
        self.pos += len(data)
        return data

    def write(self, data: bytes) -> int:
        with open(self.path, "r+b") as fh:
            fh.seek(self.pos)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self.pos += len(data)
        return len(data)

    def truncate(self, size: int | None = None) -> int:
        with open(self.path, "r+b") as fh:
            fh.truncate(self.pos if size is None else size)
        return self.pos if size is None else size

    def close(self) -> None:
        """Nothing to release; the file outlives the FakeKey until the journal says it is gone."""

    @property
    def closed(self) -> bool:
        return False


class _BlobTempfile:
    """Stands in for the `tempfile` module inside moto.s3.models."""

    def SpooledTemporaryFile(self, max_size: int = 0, *args: Any, **kwargs: Any) -> BlobFile:
        return BlobFile()

    def __getattr__(self, name: str) -> Any:
        import tempfile

        return getattr(tempfile, name)


def install_blob_storage(directory: Path) -> None:
    import moto.s3.models as s3_models

    directory.mkdir(parents=True, exist_ok=True)
    BlobFile.directory = directory
    s3_models.tempfile = _BlobTempfile()  # type: ignore[assignment]


# ------------------------------------------------------------------------------------------ journal


def _iter_records(path: Path, allow_torn_tail: bool) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines file; a last line cut by a kill is dropped, any other damage is an error."""
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    torn = lines[-1]
    for number, raw in enumerate(lines[:-1], start=1):
        if not raw.strip():
            continue
        try:
            yield json.loads(raw)
        except ValueError as err:
            raise CorruptDataError(
                f"{path}: line {number} is not a valid record ({err}); restore it from a backup"
            ) from err
    if torn.strip():
        try:
            yield json.loads(torn)
        except ValueError as err:
            if not allow_torn_tail:
                raise CorruptDataError(f"{path}: the last line is incomplete; restore it from a backup") from err
            log.warning("%s: dropped an incomplete last record (the process was killed while writing it)", path)


class Journal:
    """Append-only JSON lines, fsynced before any answer that depends on them leaves the process.

    Records are written (in order) under the caller's service lock, but fsynced outside it: one
    fdatasync covers every record written before it, so concurrent writers share it (group commit)
    instead of queueing one disk flush each behind a lock.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fh = None
        self.bytes = path.stat().st_size if path.exists() else 0
        self.lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._synced = self.bytes

    def open(self) -> None:
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._fh = open(self.path, "ab")  # noqa: SIM115
        if new:
            self.append([{"format": FORMAT, "version": VERSION, "kind": "journal"}])
            self.sync(self.bytes)

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Write records to the OS (not yet to disk); returns the offset `sync` must reach."""
        with self.lock:
            for record in records:
                line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
                self._fh.write(line)
                self.bytes += len(line)
            self._fh.flush()
            return self.bytes

    def sync(self, offset: int) -> None:
        """Make everything up to `offset` durable; free if another thread's flush already covered it."""
        if self._synced >= offset:
            return
        with self._sync_lock:
            if self._synced >= offset:
                return
            target = self.bytes
            os.fdatasync(self._fh.fileno())
            self._synced = max(self._synced, target)

    def reset(self) -> None:
        with self.lock, self._sync_lock:
            self._fh.close()
            tmp = self.path.with_suffix(".new")
            with open(tmp, "wb") as fh:
                fh.write(json.dumps({"format": FORMAT, "version": VERSION, "kind": "journal"}).encode() + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            self._fh = open(self.path, "ab")  # noqa: SIM115
            self.bytes = self._synced = self.path.stat().st_size

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None


def _check_header(record: dict[str, Any], path: Path) -> None:
    if record.get("format") != FORMAT:
        raise CorruptDataError(f"{path}: not a Switchyard data file (no '{FORMAT}' header)")
    if int(record.get("version", 0)) > VERSION:
        raise CorruptDataError(
            f"{path}: written by a newer Switchyard (format {record.get('version')}); upgrade to read it"
        )


# ------------------------------------------------------------------------------------------ state access


class MotoState:
    """Reads and restores DynamoDB items, SQS messages and S3 keys directly in moto's backends."""

    def __init__(self, region: str):
        self.region = region

    # DynamoDB ----------------------------------------------------------------------------
    def ddb(self):
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[ACCOUNT][self.region]

    def table_key(self, table_name: str, attrs: dict[str, Any]) -> dict[str, Any]:
        table = self.ddb().get_table(table_name)
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key

    def read_item(self, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = self.ddb().get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(hash_value, range_value)
        return item.to_json()["Attributes"] if item else None

    def write_item(self, table_name: str, key: dict[str, Any], attrs: dict[str, Any] | None) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = self.ddb().get_table(table_name)
        if attrs is None:
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            table.delete_item(hash_value, range_value)
        else:
            table.put_item(attrs)

    def dump_items(self) -> Iterator[dict[str, Any]]:
        for name, table in list(self.ddb().tables.items()):
            for item in table.all_items():
                attrs = item.to_json()["Attributes"]
                yield {"s": "ddb", "t": name, "k": self.table_key(name, attrs), "i": attrs}

    # SQS ---------------------------------------------------------------------------------
    def sqs(self):
        from moto.sqs.models import sqs_backends

        return sqs_backends[ACCOUNT][self.region]

    def queue(self, name: str):
        return self.sqs().get_queue(name)

    def message_for_receipt(self, queue_name: str, receipt: str) -> str | None:
        for message in list(self.queue(queue_name)._messages):
            if message.had_receipt_handle(receipt):
                return message.id
        return None

    def receive_counts(self, queue_name: str, ids: set[str]) -> dict[str, int]:
        return {
            m.id: m.approximate_receive_count for m in list(self.queue(queue_name)._messages) if m.id in ids
        }

    def restore_message(self, queue_name: str, record: dict[str, Any]) -> None:
        from moto.sqs.models import Message

        queue = self.queue(queue_name)
        if any(m.id == record["id"] for m in queue._messages):
            return
        message = Message(record["id"], record["b"])
        message.message_attributes = record.get("a") or {}
        message.sent_timestamp = int(time.time() * 1000)
        message.approximate_receive_count = int(record.get("n", 0))
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()

    def drop_message(self, queue_name: str, message_id: str) -> None:
        queue = self.queue(queue_name)
        with queue._messages_lock:
            queue._messages = [m for m in queue._messages if m.id != message_id]

    def set_receive_count(self, queue_name: str, message_id: str, count: int) -> None:
        for message in self.queue(queue_name)._messages:
            if message.id == message_id:
                message.approximate_receive_count = count

    def dump_messages(self) -> Iterator[dict[str, Any]]:
        for name, queue in list(self.sqs().queues.items()):
            for m in list(queue._messages):
                yield {
                    "s": "sqs", "op": "send", "q": name, "id": m.id, "b": m.body,
                    "a": m.message_attributes, "n": m.approximate_receive_count,
                }

    # S3 ----------------------------------------------------------------------------------
    def s3(self):
        from moto.s3.models import s3_backends

        return s3_backends[ACCOUNT]["aws"]

    def object_record(self, bucket: str, key: str) -> dict[str, Any]:
        try:
            fake = self.s3().get_object(bucket, key)
        except Exception:
            fake = None
        if fake is None:
            return {"s": "s3", "op": "del", "b": bucket, "k": key}
        buffer = fake._value_buffer
        return {
            "s": "s3", "op": "put", "b": bucket, "k": key,
            "f": str(buffer.path.relative_to(BlobFile.directory)) if isinstance(buffer, BlobFile) else None,
            "n": fake.contentsize, "e": fake._etag, "m": dict(fake.metadata),
        }

    def blob_of(self, bucket: str, key: str) -> Path | None:
        try:
            fake = self.s3().get_object(bucket, key)
        except Exception:
            return None
        buffer = getattr(fake, "_value_buffer", None)
        return buffer.path if isinstance(buffer, BlobFile) else None

    def restore_object(self, record: dict[str, Any]) -> None:
        backend = self.s3()
        if record["op"] == "del":
            try:
                backend.delete_object(record["b"], record["k"])
            except Exception:
                log.debug("object %s/%s was already gone", record["b"], record["k"])
            return
        path = BlobFile.directory / record["f"] if record.get("f") else None
        if path is None or not path.exists():
            log.warning("object %s/%s lost its blob file; skipped", record["b"], record["k"])
            return
        fake = backend.put_object(record["b"], record["k"], b"", disable_notification=True)
        fake._value_buffer = BlobFile(path, create=False)
        fake.contentsize = int(record["n"])
        fake._etag = record.get("e")
        fake.set_metadata(dict(record.get("m") or {}))

    def dump_objects(self) -> Iterator[dict[str, Any]]:
        for bucket_name, bucket in list(self.s3().buckets.items()):
            for key_name in list(bucket.keys.keys()):
                yield self.object_record(bucket_name, key_name)

    def live_blobs(self) -> set[Path]:
        live = set()
        for bucket in list(self.s3().buckets.values()):
            for fake in list(bucket.keys.values()):
                buffer = getattr(fake, "_value_buffer", None)
                if isinstance(buffer, BlobFile):
                    live.add(buffer.path)
        return live


# ------------------------------------------------------------------------------------------ the store


class DurableStore:
    """Owns the data dir: loads it at start, journals writes while running, compacts when it grows."""

    def __init__(self, data_dir: Path, region: str, compact_bytes: int = COMPACT_BYTES, enabled: bool = True):
        self.dir = data_dir
        self.enabled = enabled
        self.snapshot_path = data_dir / "snapshot.jsonl"
        self.journal = Journal(data_dir / "journal.jsonl")
        self.state = MotoState(region)
        self.compact_bytes = compact_bytes
        self.ddb_lock = threading.RLock()
        self.sqs_lock = threading.RLock()
        self.s3_lock = threading.RLock()
        self._compacting = threading.Lock()
        self.records_replayed = 0
        self._deferred = threading.local()

    # ---- start-up
    def load(self) -> None:
        if self.snapshot_path.exists():
            self._apply_file(self.snapshot_path, allow_torn_tail=False)
        if self.journal.path.exists():
            self._apply_file(self.journal.path, allow_torn_tail=True)
        if self.enabled:
            self.journal.open()

    def _apply_file(self, path: Path, allow_torn_tail: bool) -> None:
        records = _iter_records(path, allow_torn_tail)
        first = next(records, None)
        if first is None:
            return
        _check_header(first, path)
        for number, record in enumerate(records, start=2):
            try:
                self.apply(record)
            except CorruptDataError:
                raise
            except Exception as err:
                raise CorruptDataError(f"{path}: record {number} could not be applied: {err!r}") from err
            self.records_replayed += 1

    def apply(self, record: dict[str, Any]) -> None:
        service = record.get("s")
        if service == "ddb":
            self.state.write_item(record["t"], record["k"], record.get("i"))
        elif service == "sqs":
            op = record["op"]
            if op == "send":
                self.state.restore_message(record["q"], record)
            elif op == "del":
                self.state.drop_message(record["q"], record["id"])
            elif op == "rcv":
                for message_id, count in record["ids"].items():
                    self.state.set_receive_count(record["q"], message_id, int(count))
            elif op == "purge":
                self.state.queue(record["q"])._messages = []
        elif service == "s3":
            self.state.restore_object(record)
        else:
            raise CorruptDataError(f"unknown record kind {service!r}")

    # ---- while running
    def record(self, records: list[dict[str, Any]]) -> int:
        """Write records in order (call under the service's lock); returns the offset to `sync` to."""
        if not self.enabled or not records:
            return 0
        offset = self.journal.append(records)
        if self.journal.bytes > self.compact_bytes and self._compacting.acquire(blocking=False):
            threading.Thread(target=self._compact_in_background, name="journal-compaction", daemon=True).start()
        return offset

    def sync(self, offset: int) -> None:
        """Durable up to offset: called after the service lock is released, before answering.

        Inside `deferred_sync()` (one API request or one queue batch handled in this process) the
        flush is postponed to the end of that unit, so a webhook pays for one flush, not one per write.
        """
        if not offset:
            return
        pending = getattr(self._deferred, "offset", None)
        if pending is not None:
            self._deferred.offset = max(pending, offset)
            return
        self.journal.sync(offset)

    @contextlib.contextmanager
    def deferred_sync(self):
        """Everything written inside is durable before the block returns (and so before its answer)."""
        outer = getattr(self._deferred, "offset", None)
        self._deferred.offset = outer or 0
        try:
            yield
        finally:
            offset = self._deferred.offset
            self._deferred.offset = outer
            if outer is None:
                if offset:
                    self.journal.sync(offset)
            else:
                self._deferred.offset = max(outer, offset)

    def _compact_in_background(self) -> None:
        try:
            self.compact()
        finally:
            self._compacting.release()

    def compact(self) -> None:
        """Write the whole state to a new snapshot and start an empty journal."""
        with self.ddb_lock, self.sqs_lock, self.s3_lock:
            tmp = self.snapshot_path.with_suffix(".new")
            with open(tmp, "wb") as fh:
                fh.write(json.dumps({"format": FORMAT, "version": VERSION, "kind": "snapshot"}).encode() + b"\n")
                for source in (self.state.dump_items(), self.state.dump_messages(), self.state.dump_objects()):
                    for record in source:
                        fh.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.snapshot_path)
            self.journal.reset()
            live = self.state.live_blobs()
        self._sweep_blobs(live)

    def _sweep_blobs(self, live: set[Path]) -> None:
        """Remove blob files no live object points at (overwritten objects, multipart parts, copies)."""
        directory = BlobFile.directory
        if directory is None:
            return
        cutoff = time.time() - 60
        for path in directory.glob("*/*"):
            if path not in live and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self.journal.close()


# ------------------------------------------------------------------------------------------ WSGI middleware


def _target(environ: dict[str, Any]) -> str:
    return environ.get("HTTP_X_AMZ_TARGET", "")


class JournalingMiddleware:
    """Wraps moto's WSGI app: serialises writes per service and journals their results before answering."""

    def __init__(self, app: Callable, store: DurableStore):
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        target = _target(environ)
        if target.startswith("DynamoDB_"):
            return self._dynamodb(environ, start_response, target.split(".", 1)[1])
        if target.startswith("AmazonSQS."):
            return self._sqs(environ, start_response, target.split(".", 1)[1])
        if target.startswith("TrentService.") or target:
            return self.app(environ, start_response)
        return self._s3(environ, start_response)

    # ---- plumbing
    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, start)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return captured["status"], captured["headers"], body

    @staticmethod
    def _answer(start_response: Callable, status: str, headers: list[tuple[str, str]], body: bytes) -> list[bytes]:
        start_response(status, headers)
        return [body]

    # ---- DynamoDB
    def _dynamodb(self, environ: dict[str, Any], start_response: Callable, action: str) -> Iterable[bytes]:
        offset = 0
        with self.store.ddb_lock:
            request = self._body(environ)
            status, headers, body = self._call(environ)
            if action in DDB_WRITES and status.startswith("200"):
                offset = self.store.record(self._ddb_records(action, json.loads(request or b"{}")))
        self.store.sync(offset)
        return self._answer(start_response, status, headers, body)

    def _ddb_records(self, action: str, request: dict[str, Any]) -> list[dict[str, Any]]:
        touched: list[tuple[str, dict[str, Any]]] = []
        state = self.store.state
        if action == "PutItem":
            touched.append((request["TableName"], state.table_key(request["TableName"], request["Item"])))
        elif action in ("UpdateItem", "DeleteItem"):
            touched.append((request["TableName"], request["Key"]))
        elif action == "BatchWriteItem":
            for table, writes in request.get("RequestItems", {}).items():
                for write in writes:
                    if "PutRequest" in write:
                        touched.append((table, state.table_key(table, write["PutRequest"]["Item"])))
                    else:
                        touched.append((table, write["DeleteRequest"]["Key"]))
        elif action == "TransactWriteItems":
            for entry in request.get("TransactItems", []):
                (kind, spec), = entry.items()
                if kind == "Put":
                    touched.append((spec["TableName"], state.table_key(spec["TableName"], spec["Item"])))
                elif kind in ("Update", "Delete"):
                    touched.append((spec["TableName"], spec["Key"]))
        return [{"s": "ddb", "t": t, "k": k, "i": state.read_item(t, k)} for t, k in touched]

    # ---- SQS
    def _sqs(self, environ: dict[str, Any], start_response: Callable, action: str) -> Iterable[bytes]:
        if action == "ReceiveMessage":
            status, headers, body = self._call(environ)
            if status.startswith("200"):
                self._journal_receive(body)
            return self._answer(start_response, status, headers, body)
        if action not in SQS_WRITES:
            return self.app(environ, start_response)
        offset = 0
        with self.store.sqs_lock:
            request = json.loads(self._body(environ) or b"{}")
            queue = unquote(urlparse(request.get("QueueUrl", "")).path.rstrip("/").rsplit("/", 1)[-1])
            receipts = self._resolve_receipts(action, request, queue)
            status, headers, body = self._call(environ)
            if status.startswith("200"):
                records = self._sqs_records(action, request, json.loads(body or b"{}"), queue, receipts)
                offset = self.store.record(records)
        self.store.sync(offset)
        return self._answer(start_response, status, headers, body)

    def _resolve_receipts(self, action: str, request: dict[str, Any], queue: str) -> dict[str, str | None]:
        state = self.store.state
        if action == "DeleteMessage":
            return {"": state.message_for_receipt(queue, request.get("ReceiptHandle", ""))}
        if action == "DeleteMessageBatch":
            return {e["Id"]: state.message_for_receipt(queue, e.get("ReceiptHandle", "")) for e in request["Entries"]}
        return {}

    @staticmethod
    def _sqs_records(
        action: str, request: dict[str, Any], response: dict[str, Any], queue: str, receipts: dict[str, str | None]
    ) -> list[dict[str, Any]]:
        if action == "SendMessage":
            return [{
                "s": "sqs", "op": "send", "q": queue, "id": response["MessageId"],
                "b": request["MessageBody"], "a": request.get("MessageAttributes") or {},
            }]
        if action == "SendMessageBatch":
            entries = {e["Id"]: e for e in request.get("Entries", [])}
            return [
                {
                    "s": "sqs", "op": "send", "q": queue, "id": ok["MessageId"],
                    "b": entries[ok["Id"]]["MessageBody"], "a": entries[ok["Id"]].get("MessageAttributes") or {},
                }
                for ok in response.get("Successful", [])
            ]
        if action == "PurgeQueue":
            return [{"s": "sqs", "op": "purge", "q": queue}]
        deleted = {ok["Id"] for ok in response.get("Successful", [])} if action == "DeleteMessageBatch" else {""}
        return [
            {"s": "sqs", "op": "del", "q": queue, "id": message_id}
            for entry_id, message_id in receipts.items()
            if message_id and entry_id in deleted
        ]

    def _journal_receive(self, body: bytes) -> None:
        response = json.loads(body or b"{}")
        messages = response.get("Messages") or []
        if not messages:
            return
        # the queue is not in the answer; find each message's queue by id
        offset = 0
        with self.store.sqs_lock:
            ids = {m["MessageId"] for m in messages}
            for name in list(self.store.state.sqs().queues):
                counts = self.store.state.receive_counts(name, ids)
                if counts:
                    offset = self.store.record([{"s": "sqs", "op": "rcv", "q": name, "ids": counts}])
        self.store.sync(offset)

    # ---- S3
    def _s3(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD"):
            return self.app(environ, start_response)
        path = unquote(environ.get("PATH_INFO", ""))
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        bucket, _, key = path.lstrip("/").partition("/")
        with self.store.s3_lock:
            # only DeleteObjects needs its body read here; object uploads stream straight to moto
            request = self._body(environ) if method == "POST" and "delete" in query else b""
            keys = self._s3_keys(method, key, query, request)
            old_blobs = {k: self.store.state.blob_of(bucket, k) for k in keys}
            status, headers, body = self._call(environ)
            offset = 0
            stale: list[Path] = []
            if status[:1] == "2" and keys:
                records = [self.store.state.object_record(bucket, k) for k in keys]
                offset = self.store.record(records)
                stale = [b for k, b in old_blobs.items() if b is not None and b != self.store.state.blob_of(bucket, k)]
        self.store.sync(offset)
        for blob in stale:  # only once the record that forgets them is on disk
            blob.unlink(missing_ok=True)
        return self._answer(start_response, status, headers, body)

    @staticmethod
    def _s3_keys(method: str, key: str, query: dict[str, list[str]], request: bytes) -> list[str]:
        if method == "POST" and "delete" in query:
            from xml.etree import ElementTree

            root = ElementTree.fromstring(request)
            return [el.text or "" for el in root.iter() if el.tag.endswith("Key")]
        if not key:
            return []
        if method == "PUT" and ("partNumber" in query or "tagging" in query or "acl" in query):
            return []
        if method == "POST" and "uploadId" not in query:
            return []
        return [key]


def encode_bytes(data: bytes) -> str:
    return base64.b64encode(data).decode()
