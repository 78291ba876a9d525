"""The data dir's files: an append-only journal fsynced per write, and the snapshots it is compacted into.

Both are JSON lines under a header `{"format", "version", "kind", "generation"}`. Compaction closes
the journal as `journal.<generation>.jsonl`, starts the next generation, and writes a snapshot that
covers every journal older than its own generation; only then are those journals deleted. A kill at
any point leaves files that load to the same state.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger("switchyard.durable")

FORMAT = "switchyard-journal"
VERSION = 1
JOURNAL = "journal.jsonl"
SNAPSHOT = "snapshot.jsonl"
CLOSED_JOURNAL = re.compile(r"^journal\.(\d+)\.jsonl$")


class CorruptDataError(RuntimeError):
    """A data file cannot be read; names the file and line so the user knows what to restore."""


def header(kind: str, generation: int) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "kind": kind, "generation": generation}


def check_header(record: dict[str, Any], path: Path) -> int:
    """The file's generation; files written before generations existed are generation 0."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CorruptDataError(f"{path}: not a Switchyard data file (no '{FORMAT}' header)")
    if int(record.get("version", 0)) > VERSION:
        raise CorruptDataError(
            f"{path}: written by a newer Switchyard (format {record.get('version')}); upgrade to read it"
        )
    return int(record.get("generation", 0))


def encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def fsync_dir(directory: Path) -> None:
    """Make a file's creation or rename itself durable, not only its bytes."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RecordFile:
    """One data file read record by record.

    A last line without its newline is a write the kill cut short: it was never acknowledged, so a
    journal drops it (`complete_bytes` says where the complete records end). Any other damage, and
    any damage at all in a snapshot (written whole, then renamed), is a CorruptDataError.
    """

    def __init__(self, path: Path, allow_torn_tail: bool):
        self.path = path
        self.allow_torn_tail = allow_torn_tail
        self.complete_bytes = 0
        self.torn_bytes = 0

    def generation(self) -> int | None:
        """The header's generation; None for an empty file or a header the kill cut short."""
        with open(self.path, "rb") as fh:
            first = fh.readline()
        if not first.endswith(b"\n"):
            if first and not self.allow_torn_tail:
                raise CorruptDataError(f"{self.path}: the file is incomplete; restore it from a backup")
            return None
        return check_header(self.parse(first, 1), self.path)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, record) of every complete record after the header."""
        for number, raw in self.lines():
            yield number, self.parse(raw, number)

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, raw line) of every complete record after the header, unparsed."""
        self.complete_bytes = self.torn_bytes = 0
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.endswith(b"\n"):
                    self._torn(raw)
                    return
                self.complete_bytes += len(raw)
                if number == 1 or not raw.strip():
                    continue
                yield number, raw

    def parse(self, raw: bytes, number: int) -> dict[str, Any]:
        try:
            record = json.loads(raw)
        except ValueError as err:
            raise CorruptDataError(
                f"{self.path}: line {number} is not a valid record ({err}); restore it from a backup"
            ) from err
        if not isinstance(record, dict):
            raise CorruptDataError(f"{self.path}: line {number} is not a record; restore it from a backup")
        return record

    def _torn(self, raw: bytes) -> None:
        if not self.allow_torn_tail:
            raise CorruptDataError(f"{self.path}: the last line is incomplete; restore it from a backup")
        self.torn_bytes = len(raw)
        log.warning("%s: dropped an incomplete last record of %d bytes (the process was killed while writing "
                    "it; it had not been acknowledged)", self.path, len(raw))

    def cut_torn_tail(self) -> None:
        """Remove the torn bytes, so the next append starts on a line of its own."""
        if self.torn_bytes:
            os.truncate(self.path, self.complete_bytes)
            self.torn_bytes = 0


def closed_journals(directory: Path) -> list[tuple[int, Path]]:
    """Journals a compaction closed but whose snapshot may not be written yet, oldest first."""
    found = []
    for path in directory.glob("journal.*.jsonl"):
        match = CLOSED_JOURNAL.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def write_atomically(path: Path, kind: str, generation: int, records: Iterable[dict[str, Any]]) -> None:
    """Write a whole file under a temporary name, fsync it, then rename it into place."""
    tmp = path.with_name(path.name + ".new")
    with open(tmp, "wb", buffering=1024 * 1024) as fh:
        fh.write(encode(header(kind, generation)))
        for record in records:
            fh.write(encode(record))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_private_file(path: Path, text: str) -> None:
    """A small file only this user may read (keys, tokens), replaced whole and durable before use."""
    tmp = path.with_name(path.name + ".new")
    with open(tmp, "w") as fh:
        os.chmod(tmp, 0o600)
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class Journal:
    """The append-only journal, fsynced before any answer that depends on it leaves the process.

    Records are written in order under the caller's service lock, so a process kill never loses a
    write that another request could have seen, and fsynced outside it: one fdatasync covers every
    record written before it, so concurrent writers share it (group commit) instead of queueing one
    disk flush each behind a lock. Positions are counted across rotations, so a position handed out
    before a rotation stays meaningful after it.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / JOURNAL
        self.generation = 0
        self.bytes = 0  # size of the current file: what compaction watches
        self.lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = 0  # positions in the stream of every record appended since start
        self._synced = 0
        self._fh = None

    def open(self, generation: int, existing: bool) -> None:
        """Append to the journal just replayed, or start a new one of this generation."""
        self.generation = generation
        if not existing:
            write_atomically(self.path, "journal", generation, [])
        self._fh = open(self.path, "ab")  # noqa: SIM115 - held until close()
        self.bytes = self.path.stat().st_size

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Write records to the OS (a kill -9 no longer loses them); returns the position `sync` must reach."""
        data = b"".join(encode(r) for r in records)
        with self.lock:
            self._fh.write(data)
            self._fh.flush()
            self.bytes += len(data)
            self._written += len(data)
            return self._written

    def sync(self, position: int) -> None:
        """Make everything up to `position` durable; free when another thread's flush already covered it."""
        if self._synced >= position:
            return
        with self._sync_lock:
            if self._synced >= position:
                return
            with self.lock:
                target, fh = self._written, self._fh
            os.fdatasync(fh.fileno())
            self._synced = max(self._synced, target)

    def rotate(self) -> int:
        """Close this journal as journal.<generation>.jsonl and continue in the next generation."""
        with self._sync_lock, self.lock:
            os.fdatasync(self._fh.fileno())
            self._fh.close()
            os.replace(self.path, self.directory / f"journal.{self.generation}.jsonl")
            self.generation += 1
            write_atomically(self.path, "journal", self.generation, [])
            self._fh = open(self.path, "ab")  # noqa: SIM115 - held until close()
            self.bytes = self.path.stat().st_size
            self._synced = self._written
            return self.generation

    def close(self) -> None:
        with self._sync_lock, self.lock:
            if self._fh:
                os.fdatasync(self._fh.fileno())
                self._fh.close()
                self._fh = None
