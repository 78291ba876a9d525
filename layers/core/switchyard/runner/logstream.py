"""A build's console: masks secrets, caps its size, spools it to disk and emits ordered chunks as it grows."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("switchyard.runner")

MASK = b"********"
MIN_SECRET_CHARS = 4
DEFAULT_INTERVAL = 1.0
# A chunk is one PUT: fast output goes out in 1 MiB pieces (200 MB of console at ~27 MB/s end to end instead of
# ~10 with 256 KiB: bench/log_stream.py); slow output still goes out every interval, however small.
DEFAULT_CHUNK_BYTES = 1024 * 1024
DEFAULT_CAP_BYTES = 1 << 30

PutChunk = Callable[[int, bytes], None]


class SecretMasker:
    """Replaces every occurrence of the secrets in a byte stream, even one split across two `feed` calls."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s.encode() for s in secrets if s and len(s) >= MIN_SECRET_CHARS}
        # Longest first: at a given position the regex takes the first alternative that matches.
        ordered = sorted(values, key=len, reverse=True)
        self._pattern = re.compile(b"|".join(re.escape(v) for v in ordered)) if ordered else None
        self._keep = len(ordered[0]) - 1 if ordered else 0
        self._carry = b""

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def feed(self, data: bytes) -> bytes:
        """Masked output for everything that can no longer be the start of a secret; the rest waits."""
        if self._pattern is None:
            return data
        buf = self._carry + data
        # A match starting before `limit` fits entirely in `buf`; later bytes may begin a secret still arriving.
        limit = len(buf) - self._keep
        if limit <= 0:
            self._carry = buf
            return b""
        out: list[bytes] = []
        pos = 0
        for match in self._pattern.finditer(buf):
            if match.start() >= limit:
                break
            out.append(buf[pos : match.start()])
            out.append(MASK)
            pos = match.end()
        cut = max(pos, limit)
        out.append(buf[pos:cut])
        self._carry = buf[cut:]
        return b"".join(out)

    def finish(self) -> bytes:
        """The held-back tail, masked: the stream has ended."""
        buf, self._carry = self._carry, b""
        if self._pattern is None or not buf:
            return buf
        return self._pattern.sub(MASK, buf)


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """A string with every secret of 4+ characters replaced, as the console does."""
    masker = SecretMasker(secrets)
    if not masker.active:
        return text
    data = text.encode("utf-8")
    return (masker.feed(data) + masker.finish()).decode("utf-8", "replace")


def mask_fields(record: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """A report record (a test case) with its text fields masked."""
    values = list(secrets)
    if not values:
        return record
    return {k: mask_text(v, values) if isinstance(v, str) else v for k, v in record.items()}


@dataclass(frozen=True)
class LogTotals:
    bytes: int  # stored in the spool (masked, capped, marker included)
    lines: int
    chunks: int
    truncated: bool
    dropped_bytes: int  # received after the cap was reached
    upload_errors: int  # chunks `put_chunk` failed on; the spool still holds them


class LogStream:
    """Receives the merged stdout/stderr of a build and keeps it three ways: spool file, live chunks, totals.

    Writes come from the thread reading the pipe; a background flusher hands chunks to `put_chunk`
    in sequence order. The pending buffer is bounded, so a slow `put_chunk` slows the writer down
    instead of growing memory.
    """

    def __init__(
        self,
        put_chunk: PutChunk | None = None,
        *,
        secrets: Iterable[str] = (),
        interval: float = DEFAULT_INTERVAL,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        cap_bytes: int = DEFAULT_CAP_BYTES,
        max_pending_bytes: int | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if interval <= 0 or chunk_bytes <= 0 or cap_bytes < 0:
            raise ValueError("interval and chunk_bytes must be positive, cap_bytes not negative")
        fd, name = tempfile.mkstemp(prefix="switchyard-console-", suffix=".log", dir=spool_dir)
        self.spool_path = Path(name)
        self._spool = open(fd, "wb", buffering=1 << 20)  # noqa: SIM115 - owned until close()
        self._masker = SecretMasker(secrets)
        self._put_chunk = put_chunk
        self._interval = interval
        self._chunk_bytes = chunk_bytes
        self._cap = cap_bytes
        self._max_pending = max_pending_bytes or 4 * chunk_bytes
        self._marker = f"\n[switchyard] log truncated: the console exceeded {cap_bytes} bytes\n".encode()

        self._write_lock = threading.Lock()
        self._closed = False
        self._totals: LogTotals | None = None
        self._stored = 0
        self._newlines = 0
        self._last_byte = b""
        self._truncated = False
        self._dropped = 0
        self._at_line_start = True

        self._cond = threading.Condition()
        self._pending = bytearray()
        self._seq = 0
        self._closing = False
        self._upload_errors = 0
        self._flusher: threading.Thread | None = None
        self._flusher_alive = False
        if put_chunk is not None:
            self._flusher_alive = True
            self._flusher = threading.Thread(target=self._flush_loop, name="switchyard-log-flusher", daemon=True)
            self._flusher.start()

    def __enter__(self) -> LogStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def byte_count(self) -> int:
        return self._stored

    @property
    def line_count(self) -> int:
        return self._newlines + (1 if self._last_byte not in (b"", b"\n") else 0)

    @property
    def truncated(self) -> bool:
        return self._truncated

    def write(self, data: bytes) -> None:
        """Append build output; safe to call from any thread."""
        with self._write_lock:
            self._write(data)

    def write_line(self, text: str) -> None:
        """Append a runner message (a step header, a notice) on a line of its own."""
        with self._write_lock:
            prefix = b"" if self._at_line_start else b"\n"
            self._write(prefix + text.encode("utf-8", "replace") + b"\n")

    def boundary(self) -> int:
        """The stored size at a step boundary: what the masker still holds back is flushed (masked) first,
        since no secret spans the runner's own lines. Per-step output ranges are taken at boundaries."""
        with self._write_lock:
            if not self._closed and not self._truncated:
                self._store(self._masker.finish())
            return self._stored

    def close(self) -> LogTotals:
        """Flush everything (the masker's tail, every pending chunk), close the spool and return the totals."""
        with self._write_lock:
            if self._totals is not None:
                return self._totals
            self._closed = True
            if not self._truncated:
                self._store(self._masker.finish())
            self._spool.close()
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._flusher is not None:
            self._flusher.join()
        self._totals = LogTotals(
            bytes=self._stored,
            lines=self.line_count,
            chunks=self._seq,
            truncated=self._truncated,
            dropped_bytes=self._dropped,
            upload_errors=self._upload_errors,
        )
        return self._totals

    def discard(self) -> None:
        """Close and delete the spool file, once its final upload is done."""
        self.close()
        self.spool_path.unlink(missing_ok=True)

    def _write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("write to a closed LogStream")
        if not data:
            return
        self._at_line_start = data.endswith(b"\n")
        if self._truncated:
            self._dropped += len(data)
            return
        self._store(self._masker.feed(data))

    def _store(self, out: bytes) -> None:
        if not out:
            return
        room = self._cap - self._stored
        if len(out) > room:
            self._dropped += len(out) - room
            out = out[:room] + self._marker
            self._truncated = True
        self._spool.write(out)
        self._stored += len(out)
        self._newlines += out.count(b"\n")
        self._last_byte = out[-1:]
        if self._put_chunk is not None:
            self._enqueue(out)

    def _enqueue(self, out: bytes) -> None:
        with self._cond:
            while len(self._pending) >= self._max_pending and self._flusher_alive:
                self._cond.wait()
            if not self._flusher_alive:
                return
            self._pending += out
            if len(self._pending) >= self._chunk_bytes:
                self._cond.notify_all()

    def _next_chunk(self) -> tuple[int, bytes] | None:
        """Wait for a full chunk, the interval or close(); None once closed and drained."""
        with self._cond:
            deadline = time.monotonic() + self._interval
            while True:
                if len(self._pending) >= self._chunk_bytes or (self._closing and self._pending):
                    break
                if self._closing:
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if self._pending:
                        break
                    deadline = time.monotonic() + self._interval
                    remaining = self._interval
                self._cond.wait(remaining)
            data = bytes(self._pending[: self._chunk_bytes])
            del self._pending[: self._chunk_bytes]
            seq = self._seq
            self._seq += 1
            self._cond.notify_all()
            return seq, data

    def _flush_loop(self) -> None:
        assert self._put_chunk is not None
        try:
            while (item := self._next_chunk()) is not None:
                seq, data = item
                try:
                    self._put_chunk(seq, data)
                except Exception:
                    # Live following loses this chunk; the spool keeps it for the final upload.
                    self._upload_errors += 1
                    log.warning("console chunk %d (%d bytes) was not uploaded", seq, len(data), exc_info=True)
        finally:
            with self._cond:
                self._flusher_alive = False
                self._cond.notify_all()
