"""Reads and restores DynamoDB items, SQS messages and S3 objects directly in moto's backends."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .blobfiles import BlobFile, adopting_files

log = logging.getLogger("switchyard.durable")
ACCOUNT = "123456789012"


def _trusted_item(hash_value: Any, range_value: Any, attrs: dict[str, Any]) -> Any:
    """moto's Item without its size check, which costs O(attributes²) deep size walks per item and
    made start-up with 10,000 runs take tens of seconds."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    item = Item.__new__(Item)
    item.hash_key, item.range_key = hash_value, range_value
    values = LimitedSizeDict()
    for name, value in attrs.items():
        dict.__setitem__(values, name, DynamoType(value))
    item.attrs = values
    return item


class MotoState:
    """Every record kind of the journal, read from and written to moto: one place that knows its internals."""

    def __init__(self, region: str):
        self.region = region
        self._backends: dict[str, Any] = {}  # looked up once: a replay touches them tens of thousands of times

    # DynamoDB ----------------------------------------------------------------------------
    def ddb(self):
        if "ddb" not in self._backends:
            from moto.dynamodb.models import dynamodb_backends

            self._backends["ddb"] = dynamodb_backends[ACCOUNT][self.region]
        return self._backends["ddb"]

    def table_key(self, table_name: str, attrs: dict[str, Any]) -> dict[str, Any]:
        table = self.ddb().get_table(table_name)
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key

    def _key_values(self, table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
        from moto.dynamodb.models.dynamo_type import DynamoType

        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        return hash_value, range_value

    def read_item(self, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        table = self.ddb().get_table(table_name)
        item = table.get_item(*self._key_values(table, key))
        return item.to_json()["Attributes"] if item else None

    def write_item(self, table_name: str, key: dict[str, Any], attrs: dict[str, Any] | None) -> None:
        """Set an item to its recorded state, trusting it: it passed moto's checks when it was written."""
        table = self.ddb().get_table(table_name)
        hash_value, range_value = self._key_values(table, key)
        if attrs is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = _trusted_item(hash_value, range_value, attrs)
        else:
            table.items[hash_value] = _trusted_item(hash_value, None, attrs)

    def table_names(self) -> list[str]:
        return list(self.ddb().tables)

    def items_of(self, table_name: str) -> list[Any]:
        return self.ddb().get_table(table_name).all_items()

    def item_record(self, table_name: str, item: Any) -> dict[str, Any]:
        attrs = item.to_json()["Attributes"]
        return {"s": "ddb", "t": table_name, "k": self.table_key(table_name, attrs), "i": attrs}

    # SQS ---------------------------------------------------------------------------------
    def sqs(self):
        if "sqs" not in self._backends:
            from moto.sqs.models import sqs_backends

            self._backends["sqs"] = sqs_backends[ACCOUNT][self.region]
        return self._backends["sqs"]

    def queue(self, name: str):
        return self.sqs().get_queue(name)

    def queue_names(self) -> list[str]:
        return list(self.sqs().queues)

    def messages_of(self, queue_name: str) -> list[Any]:
        return list(self.queue(queue_name)._messages)

    def message(self, queue_name: str, message_id: str) -> Any | None:
        for message in reversed(self.messages_of(queue_name)):  # a message just sent is last
            if message.id == message_id:
                return message
        return None

    def message_ids(self, queue_name: str) -> set[str]:
        return {m.id for m in self.messages_of(queue_name)}

    def dead_letter_queue(self, queue_name: str) -> str | None:
        dlq = getattr(self.queue(queue_name), "dead_letter_queue", None)
        return dlq.name if dlq is not None else None

    def message_for_receipt(self, queue_name: str, receipt: str) -> str | None:
        for message in self.messages_of(queue_name):
            if message.had_receipt_handle(receipt):
                return message.id
        return None

    def receive_counts(self, queue_name: str, ids: set[str]) -> dict[str, int]:
        return {m.id: m.approximate_receive_count for m in self.messages_of(queue_name) if m.id in ids}

    @staticmethod
    def message_record(queue_name: str, message: Any) -> dict[str, Any]:
        record = {"s": "sqs", "op": "send", "q": queue_name, "id": message.id, "b": message.body,
                  "a": message.message_attributes, "n": message.approximate_receive_count}
        if message.delayed_until:
            record["u"] = message.delayed_until  # unix ms: a delayed message stays delayed across a restart
        return record

    def restore_message(self, queue_name: str, record: dict[str, Any]) -> None:
        from moto.sqs.models import Message

        queue = self.queue(queue_name)
        if self.message(queue_name, record["id"]) is not None:
            return
        message = Message(record["id"], record["b"])
        message.message_attributes = record.get("a") or {}
        message.sent_timestamp = int(time.time() * 1000)
        message.approximate_receive_count = int(record.get("n", 0))
        message.delayed_until = float(record.get("u", 0))
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()

    def drop_message(self, queue_name: str, message_id: str) -> None:
        queue = self.queue(queue_name)
        with queue._messages_lock:
            gone = [m for m in queue._messages if m.id == message_id]
            queue._messages = [m for m in queue._messages if m.id != message_id]
            for message in gone:
                queue.pending_messages.discard(message)

    def set_receive_count(self, queue_name: str, message_id: str, count: int) -> None:
        message = self.message(queue_name, message_id)
        if message is not None:
            message.approximate_receive_count = max(count, message.approximate_receive_count)

    def purge(self, queue_name: str) -> None:
        queue = self.queue(queue_name)
        with queue._messages_lock:
            queue._messages = []
            queue.pending_messages.clear()

    # S3 ----------------------------------------------------------------------------------
    def s3(self):
        if "s3" not in self._backends:
            from moto.s3.models import s3_backends

            self._backends["s3"] = s3_backends[ACCOUNT]["aws"]
        return self._backends["s3"]

    def _fake(self, bucket: str, key: str) -> Any | None:
        try:
            return self.s3().get_object(bucket, key)
        except Exception:
            return None

    def object_record(self, bucket: str, key: str) -> dict[str, Any]:
        fake = self._fake(bucket, key)
        if fake is None:
            return {"s": "s3", "op": "del", "b": bucket, "k": key}
        buffer = fake._value_buffer
        return {
            "s": "s3", "op": "put", "b": bucket, "k": key,
            "f": str(buffer.path.relative_to(BlobFile.directory)) if isinstance(buffer, BlobFile) else None,
            "n": fake.contentsize, "e": fake._etag, "m": dict(fake.metadata),
            "t": fake.last_modified.isoformat(),
        }

    def blob_of(self, bucket: str, key: str) -> Path | None:
        buffer = getattr(self._fake(bucket, key), "_value_buffer", None)
        return buffer.path if isinstance(buffer, BlobFile) else None

    def restore_object(self, record: dict[str, Any]) -> bool:
        """Re-attach an object to its blob file; False when the file is gone (a later record replaced it)."""
        backend = self.s3()
        if record["op"] == "del":
            if self._fake(record["b"], record["k"]) is not None:
                backend.delete_object(record["b"], record["k"])
            return True
        path = BlobFile.directory / record["f"] if record.get("f") else None
        if path is None or not path.exists():
            return False
        with adopting_files():
            fake = backend.put_object(record["b"], record["k"], b"", disable_notification=True)
        fake._value_buffer = BlobFile(path, create=False)
        fake.contentsize = int(record["n"])
        fake._etag = record.get("e")
        fake.set_metadata(dict(record.get("m") or {}))
        if record.get("t"):
            fake.last_modified = datetime.fromisoformat(record["t"])
        return True

    def bucket_names(self) -> list[str]:
        return list(self.s3().buckets)

    def keys_of(self, bucket: str) -> list[str]:
        return list(self.s3().buckets[bucket].keys.keys())

    def live_blobs(self) -> set[Path]:
        """Blob files of every object and of every part of an upload still in progress."""
        live = set()
        for bucket in list(self.s3().buckets.values()):
            fakes = list(bucket.keys.values())
            for upload in list(bucket.multiparts.values()):
                fakes += list(upload.parts.values())
            for fake in fakes:
                buffer = getattr(fake, "_value_buffer", None)
                if isinstance(buffer, BlobFile):
                    live.add(buffer.path)
        return live
