"""Durability for the embedded moto services: a journal of every acknowledged write, plus snapshots.

Every mutating DynamoDB, SQS or S3 request that moto answered successfully is recorded as the
*resulting state* (an item's new attributes, a message sent, received or deleted, an object's blob
file) and the record is appended and fsynced before the answer leaves the process. Requests that
could observe a write (every DynamoDB call, SQS deletes and receives) wait for its record, so nothing
unrecorded is ever acted upon. A restart loads the last snapshot and replays the journals on top;
records are idempotent upserts keyed by item key, message id and object key, so replaying one twice
changes nothing. When the journal grows it is rotated and the state is written to a new snapshot
while requests go on (see `DurableStore.compact`).

S3 object bodies never sit in memory: moto's key buffers are files under `DATA/blobs/`
(blobfiles.py), so a restart re-attaches objects to their files instead of copying bytes.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from .blobfiles import BlobFile
from .journal import (
    SNAPSHOT,
    CorruptDataError,
    Journal,
    RecordFile,
    closed_journals,
    fsync_dir,
    write_atomically,
)
from .motostate import ACCOUNT, MotoState
from .wsgicall import call_wsgi

log = logging.getLogger("switchyard.durable")

__all__ = ["ACCOUNT", "CorruptDataError", "DurableStore", "JournalingMiddleware"]

COMPACT_BYTES = 64 * 1024 * 1024
DUMP_BATCH = 2000  # items copied per lock hold while compacting, so requests wait milliseconds at most
BLOB_GRACE_SECONDS = 60

DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SQS_WRITES = {"SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "PurgeQueue"}


def _item_key(raw: bytes) -> tuple[str, str] | None:
    """The table and key of a DynamoDB record, read without parsing its (large) item.

    Records are written as {"s":"ddb","t":…,"k":…,"i":…}; no key attribute is named "i" and quotes
    inside strings are escaped, so the first ',"i":' ends the key.
    """
    if not raw.startswith(b'{"s":"ddb",'):
        return None
    end = raw.find(b',"i":')
    if end < 0:
        return None
    try:
        head = json.loads(raw[:end] + b"}")
        return head["t"], json.dumps(head["k"], sort_keys=True)
    except (ValueError, KeyError, TypeError):
        return None  # parsed whole, and reported, by the caller


class DurableStore:
    """Owns the data dir: loads it at start, journals writes while running, compacts when it grows."""

    def __init__(self, data_dir: Path, region: str, compact_bytes: int = COMPACT_BYTES, enabled: bool = True):
        self.dir = data_dir
        self.enabled = enabled
        self.snapshot_path = data_dir / SNAPSHOT
        self.journal = Journal(data_dir)
        self.state = MotoState(region)
        self.compact_bytes = compact_bytes
        self.ddb_lock = threading.RLock()
        self.sqs_lock = threading.RLock()
        self.s3_lock = threading.RLock()
        self._compaction_due = threading.Lock()
        self._compaction = threading.Lock()
        self.records_replayed = 0
        self._deferred = threading.local()
        self._objects_restored: dict[tuple[str, str], bool] = {}

    # ---- start-up
    def load(self) -> None:
        """Snapshot, then every journal it does not cover, oldest first; then open the journal for appends."""
        gc.disable()  # a replay builds millions of objects that all live on: collecting them is wasted work
        try:
            self._load()
        finally:
            gc.freeze()  # and later collections need not walk them again
            gc.enable()

    def _load(self) -> None:
        covered = 0
        if self.snapshot_path.exists():
            snapshot = RecordFile(self.snapshot_path, allow_torn_tail=False)
            covered = snapshot.generation()
            if covered is None:
                raise CorruptDataError(f"{self.snapshot_path}: the file is empty; restore it from a backup")
            self._apply_file(snapshot, collapse=False)
        newest = covered
        for generation, path in closed_journals(self.dir):
            if generation < covered:
                path.unlink()  # a compaction wrote the snapshot but was killed before removing this
                continue
            self._apply_file(RecordFile(path, allow_torn_tail=True))
            newest = generation + 1
        current = RecordFile(self.journal.path, allow_torn_tail=True) if self.journal.path.exists() else None
        generation = current.generation() if current else None
        if current is not None and generation is not None:
            if generation < covered:
                raise CorruptDataError(
                    f"{self.journal.path} (generation {generation}) is older than {self.snapshot_path} (generation "
                    f"{covered}): the two do not belong together; restore both from the same backup"
                )
            self._apply_file(current)
            current.cut_torn_tail()
        self._drop_objects_without_blobs()
        if self.enabled:
            self.journal.open(generation if generation is not None else newest, existing=generation is not None)
            if self.journal.bytes > self.compact_bytes or closed_journals(self.dir):
                self._compact_soon()

    def _apply_file(self, file: RecordFile, collapse: bool = True) -> None:
        """Apply a file's records. In a journal, items and objects only take their last record (each record
        is the whole resulting state, and keys are independent), so history replays as fast as a snapshot
        (which holds each key once anyway); queue records keep their order."""
        if not collapse:
            for number, record in file.records():
                self._apply_numbered(file, number, record)
            return
        latest: dict[Any, tuple[int, bytes | dict[str, Any]]] = {}
        for number, raw in file.lines():
            item_key = _item_key(raw)
            if item_key is not None:
                latest[item_key] = (number, raw)
                continue
            record = file.parse(raw, number)
            if record.get("s") == "s3":
                latest[("s3", record.get("b"), record.get("k"))] = (number, record)
            else:
                self._apply_numbered(file, number, record)
        for number, record in latest.values():
            self._apply_numbered(file, number, file.parse(record, number) if isinstance(record, bytes) else record)

    def _apply_numbered(self, file: RecordFile, number: int, record: dict[str, Any]) -> None:
        try:
            self.apply(record)
        except CorruptDataError:
            raise
        except Exception as err:
            raise CorruptDataError(f"{file.path}: line {number} could not be applied: {err!r}") from err
        self.records_replayed += 1

    def apply(self, record: dict[str, Any]) -> None:
        service = record.get("s")
        if service == "ddb":
            self.state.write_item(record["t"], record["k"], record.get("i"))
        elif service == "sqs":
            self._apply_sqs(record)
        elif service == "s3":
            self._objects_restored[(record["b"], record["k"])] = self.state.restore_object(record)
        else:
            raise CorruptDataError(f"unknown record kind {service!r}")

    def _apply_sqs(self, record: dict[str, Any]) -> None:
        op, queue = record["op"], record["q"]
        if op == "send":
            self.state.restore_message(queue, record)
        elif op == "del":
            self.state.drop_message(queue, record["id"])
        elif op == "rcv":
            for message_id, count in record["ids"].items():
                self.state.set_receive_count(queue, message_id, int(count))
        elif op == "purge":
            self.state.purge(queue)
        else:
            raise CorruptDataError(f"unknown SQS record {op!r}")

    def _drop_objects_without_blobs(self) -> None:
        """An object whose last record points at a missing blob file is gone; never serve an older body."""
        for (bucket, key), restored in self._objects_restored.items():
            if not restored:
                log.warning("object s3://%s/%s lost its blob file; it is dropped", bucket, key)
                self.state.restore_object({"op": "del", "b": bucket, "k": key})
        self._objects_restored.clear()

    # ---- while running
    def record(self, records: list[dict[str, Any]]) -> int:
        """Write records in order (call under the service's lock); returns the position to `sync` to."""
        if not self.enabled or not records:
            return 0
        position = self.journal.append(records)
        if self.journal.bytes > self.compact_bytes:
            self._compact_soon()
        return position

    def sync(self, position: int) -> None:
        """Durable up to `position`: called once the service lock is released, before answering.

        Inside `deferred_sync()` (one API request or one queue batch handled in this process) the
        flush waits for the end of that unit, so a webhook pays for one flush, not one per write.
        """
        if not position:
            return
        pending = getattr(self._deferred, "position", None)
        if pending is not None:
            self._deferred.position = max(pending, position)
            return
        self.journal.sync(position)

    @contextlib.contextmanager
    def deferred_sync(self) -> Iterator[None]:
        """Everything written inside is durable before the block returns (and so before its answer)."""
        outer = getattr(self._deferred, "position", None)
        self._deferred.position = outer or 0
        try:
            yield
        finally:
            position = self._deferred.position
            self._deferred.position = outer
            if outer is None:
                if position:
                    self.journal.sync(position)
            else:
                self._deferred.position = max(outer, position)

    def _compact_soon(self) -> None:
        if self._compaction_due.acquire(blocking=False):
            threading.Thread(target=self._compact_in_background, name="journal-compaction", daemon=True).start()

    def _compact_in_background(self) -> None:
        try:
            self.compact()
        except Exception:
            log.exception("journal compaction failed; the journal keeps growing and is replayed in full")
        finally:
            self._compaction_due.release()

    def compact(self) -> None:
        """Rotate the journal, write the state to a new snapshot, then drop the journals it covers.

        Only the rotation holds every service lock. The dump that follows copies a batch at a time
        while requests go on: whatever changes after the rotation is recorded in the new journal too,
        and replaying that journal over the snapshot ends in the same state, whichever version of an
        item or object the dump happened to see.
        """
        with self._compaction:
            with self.ddb_lock, self.sqs_lock, self.s3_lock:
                generation = self.journal.rotate()
            write_atomically(self.snapshot_path, "snapshot", generation, self._dump())
            for closed, path in closed_journals(self.dir):
                if closed < generation:
                    path.unlink(missing_ok=True)
            fsync_dir(self.dir)
            with self.s3_lock:
                live = self.state.live_blobs()
            self._sweep_blobs(live)

    def _dump(self) -> Iterator[dict[str, Any]]:
        state = self.state
        for table in state.table_names():
            with self.ddb_lock:
                items = state.items_of(table)
            yield from self._in_batches(self.ddb_lock, items, lambda item, t=table: state.item_record(t, item))
        for queue in state.queue_names():
            with self.sqs_lock:
                records = [state.message_record(queue, m) for m in state.messages_of(queue)]
            yield from records
        for bucket in state.bucket_names():
            with self.s3_lock:
                keys = state.keys_of(bucket)
            yield from self._in_batches(self.s3_lock, keys, lambda key, b=bucket: state.object_record(b, key))

    @staticmethod
    def _in_batches(lock: threading.RLock, things: list[Any], to_record: Callable[[Any], dict[str, Any]]):
        for start in range(0, len(things), DUMP_BATCH):
            with lock:
                records = [to_record(thing) for thing in things[start : start + DUMP_BATCH]]
            yield from records

    def _sweep_blobs(self, live: set[Path]) -> None:
        """Remove blob files no live object points at (overwritten objects, finished multipart parts)."""
        directory = BlobFile.directory
        if directory is None:
            return
        cutoff = time.time() - BLOB_GRACE_SECONDS
        for path in directory.glob("*/*"):
            try:
                if path not in live and path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                continue

    def close(self) -> None:
        with self._compaction:
            self.journal.close()


# ------------------------------------------------------------------------------------------ WSGI middleware


def _queue_name(url: str) -> str:
    return unquote(urlparse(url).path.rstrip("/").rsplit("/", 1)[-1])


class JournalingMiddleware:
    """Wraps moto's WSGI app: serialises writes per service and journals their results before answering."""

    def __init__(self, app: Callable, store: DurableStore):
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            return self._dynamodb(environ, start_response, target.split(".", 1)[1])
        if target.startswith("AmazonSQS."):
            return self._sqs(environ, start_response, target.split(".", 1)[1])
        if target:  # KMS and anything else keeps no state worth journaling
            return self.app(environ, start_response)
        return self._s3(environ, start_response)

    # ---- plumbing
    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    @staticmethod
    def _answer(start_response: Callable, status: str, headers: list[tuple[str, str]], body: bytes) -> list[bytes]:
        start_response(status, headers)
        return [body]

    # ---- DynamoDB
    def _dynamodb(self, environ: dict[str, Any], start_response: Callable, action: str) -> Iterable[bytes]:
        position = 0
        with self.store.ddb_lock:
            request = self._body(environ)
            status, headers, body = call_wsgi(self.app, environ)
            if action in DDB_WRITES and status.startswith("200"):
                position = self.store.record(self._ddb_records(action, json.loads(request or b"{}")))
        self.store.sync(position)
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
        return [{"s": "ddb", "t": t, "k": state.table_key(t, k), "i": state.read_item(t, k)} for t, k in touched]

    # ---- SQS
    def _sqs(self, environ: dict[str, Any], start_response: Callable, action: str) -> Iterable[bytes]:
        if action == "ReceiveMessage":
            return self._receive(environ, start_response)
        if action not in SQS_WRITES:
            return self.app(environ, start_response)
        position = 0
        with self.store.sqs_lock:
            request = json.loads(self._body(environ) or b"{}")
            queue = _queue_name(request.get("QueueUrl", ""))
            receipts = self._resolve_receipts(action, request, queue)
            status, headers, body = call_wsgi(self.app, environ)
            if status.startswith("200"):
                records = self._sqs_records(action, request, json.loads(body or b"{}"), queue, receipts)
                position = self.store.record(records)
        self.store.sync(position)
        return self._answer(start_response, status, headers, body)

    def _receive(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        """Receives long-poll outside the lock; their effects (receive counts, messages moved to the
        dead-letter queue) are journaled before the messages are handed out."""
        state = self.store.state
        request = json.loads(self._body(environ) or b"{}")
        queue = _queue_name(request.get("QueueUrl", ""))
        try:
            dlq = state.dead_letter_queue(queue)
        except Exception:
            dlq = None  # an unknown queue: moto answers the error
        in_dlq = state.message_ids(dlq) if dlq else set()
        status, headers, body = call_wsgi(self.app, environ)
        position = 0
        if status.startswith("200"):
            received = {m["MessageId"] for m in json.loads(body or b"{}").get("Messages") or []}
            with self.store.sqs_lock:
                records = []
                counts = state.receive_counts(queue, received) if received else {}
                if counts:
                    records.append({"s": "sqs", "op": "rcv", "q": queue, "ids": counts})
                if dlq:
                    for message in state.messages_of(dlq):
                        if message.id not in in_dlq:
                            records += [state.message_record(dlq, message),
                                        {"s": "sqs", "op": "del", "q": queue, "id": message.id}]
                position = self.store.record(records)
        self.store.sync(position)
        return self._answer(start_response, status, headers, body)

    def _resolve_receipts(self, action: str, request: dict[str, Any], queue: str) -> dict[str, str | None]:
        state = self.store.state
        if action == "DeleteMessage":
            return {"": state.message_for_receipt(queue, request.get("ReceiptHandle", ""))}
        if action == "DeleteMessageBatch":
            return {e["Id"]: state.message_for_receipt(queue, e.get("ReceiptHandle", "")) for e in request["Entries"]}
        return {}

    def _sent(self, queue: str, message_id: str, body: str, attributes: dict[str, Any] | None) -> dict[str, Any]:
        message = self.store.state.message(queue, message_id)
        if message is not None:
            return self.store.state.message_record(queue, message)
        return {"s": "sqs", "op": "send", "q": queue, "id": message_id, "b": body, "a": attributes or {}}

    def _sqs_records(
        self, action: str, request: dict[str, Any], response: dict[str, Any], queue: str,
        receipts: dict[str, str | None],
    ) -> list[dict[str, Any]]:
        if action == "SendMessage":
            return [self._sent(queue, response["MessageId"], request["MessageBody"], request.get("MessageAttributes"))]
        if action == "SendMessageBatch":
            entries = {e["Id"]: e for e in request.get("Entries", [])}
            return [
                self._sent(queue, ok["MessageId"], entries[ok["Id"]]["MessageBody"],
                           entries[ok["Id"]].get("MessageAttributes"))
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
            status, headers, body = call_wsgi(self.app, environ)
            position, stale = 0, []
            if status[:1] == "2" and keys:
                position = self.store.record([self.store.state.object_record(bucket, k) for k in keys])
                stale = [b for k, b in old_blobs.items() if b is not None and b != self.store.state.blob_of(bucket, k)]
        if position:
            self.store.journal.sync(position)  # never deferred: stale blobs go only once their record is on disk
        for blob in stale:
            blob.unlink(missing_ok=True)
        return self._answer(start_response, status, headers, body)

    @staticmethod
    def _s3_keys(method: str, key: str, query: dict[str, list[str]], request: bytes) -> list[str]:
        if method == "POST" and "delete" in query:
            from xml.etree import ElementTree

            try:
                root = ElementTree.fromstring(request)
            except ElementTree.ParseError:
                return []  # moto answers MalformedXML
            return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Key"]
        if not key:
            return []
        if method == "PUT" and ("partNumber" in query or "tagging" in query or "acl" in query):
            return []
        if method == "POST" and "uploadId" not in query:
            return []
        return [key]
