"""LogStream: spool, ordered live chunks, interval flush, backpressure, cap, secret masking, totals."""

from __future__ import annotations

import threading
import time

import pytest

from switchyard.runner.logstream import MASK, LogStream, SecretMasker


class Recorder:
    def __init__(self, delay: float = 0.0) -> None:
        self.chunks: list[tuple[int, bytes]] = []
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, seq: int, data: bytes) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.chunks.append((seq, data))

    def joined(self) -> bytes:
        return b"".join(data for _, data in self.chunks)


def test_chunks_are_ordered_sized_and_equal_to_the_spool(tmp_path):
    rec = Recorder()
    stream = LogStream(rec, chunk_bytes=1000, interval=10, spool_dir=tmp_path)
    payload = b"".join(f"line {i:05d}\n".encode() for i in range(5000))
    for start in range(0, len(payload), 777):
        stream.write(payload[start : start + 777])
    totals = stream.close()

    assert [seq for seq, _ in rec.chunks] == list(range(len(rec.chunks)))
    assert all(len(data) <= 1000 for _, data in rec.chunks)
    assert rec.joined() == payload == stream.spool_path.read_bytes()
    assert totals.bytes == len(payload)
    assert totals.lines == 5000
    assert totals.chunks == len(rec.chunks)
    assert not totals.truncated
    stream.discard()
    assert not stream.spool_path.exists()


def test_interval_flushes_a_small_output_before_close(tmp_path):
    rec = Recorder()
    stream = LogStream(rec, interval=0.05, spool_dir=tmp_path)
    stream.write(b"hello\n")
    deadline = time.monotonic() + 5
    while not rec.chunks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rec.chunks == [(0, b"hello\n")]  # a follower sees it while the build is still running
    stream.write(b"world\n")
    stream.close()
    assert rec.chunks == [(0, b"hello\n"), (1, b"world\n")]


def test_a_full_chunk_is_sent_without_waiting_for_the_interval(tmp_path):
    rec = Recorder()
    stream = LogStream(rec, interval=60, chunk_bytes=100, spool_dir=tmp_path)
    stream.write(b"x" * 250)
    deadline = time.monotonic() + 5
    while len(rec.chunks) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [len(d) for _, d in rec.chunks] == [100, 100]
    stream.close()
    assert [len(d) for _, d in rec.chunks] == [100, 100, 50]


def test_a_slow_uploader_applies_backpressure_without_losing_data(tmp_path):
    rec = Recorder(delay=0.02)
    stream = LogStream(rec, interval=10, chunk_bytes=1024, max_pending_bytes=2048, spool_dir=tmp_path)
    peak = 0
    for i in range(40):
        stream.write(bytes([65 + i % 26]) * 512)
        peak = max(peak, len(stream._pending))
    stream.close()
    assert peak <= 2048 + 512  # bounded: the writer waited for the flusher
    assert rec.joined() == stream.spool_path.read_bytes()
    assert len(rec.joined()) == 40 * 512


def test_a_failing_uploader_never_blocks_and_the_spool_keeps_everything(tmp_path):
    def broken(seq: int, data: bytes) -> None:
        raise ConnectionError("S3 is down")

    stream = LogStream(broken, interval=0.01, chunk_bytes=64, max_pending_bytes=128, spool_dir=tmp_path)
    for _ in range(100):
        stream.write(b"y" * 50)
    totals = stream.close()
    assert totals.upload_errors == totals.chunks > 0
    assert stream.spool_path.read_bytes() == b"y" * 5000


def test_cap_writes_one_marker_and_drops_the_rest(tmp_path):
    rec = Recorder()
    stream = LogStream(rec, cap_bytes=100, spool_dir=tmp_path)
    for _ in range(10):
        stream.write(b"0123456789abcdef\n" * 3)  # 51 bytes a write
    stream.write_line("$ after the cap")
    totals = stream.close()

    marker = b"\n[switchyard] log truncated: the console exceeded 100 bytes\n"
    content = stream.spool_path.read_bytes()
    assert content == (b"0123456789abcdef\n" * 6)[:100] + marker
    assert content.count(b"log truncated") == 1
    assert rec.joined() == content
    assert totals.truncated
    assert totals.bytes == 100 + len(marker)
    assert totals.dropped_bytes == 10 * 51 - 100 + len("$ after the cap\n")
    assert totals.lines == content.count(b"\n")


def test_secrets_are_masked_across_every_split(tmp_path):
    secret = "s3cr3t-T0ken"
    text = f"token={secret} again:{secret}{secret} end".encode()
    for split in range(1, len(text)):
        rec = Recorder()
        stream = LogStream(rec, secrets=[secret], spool_dir=tmp_path)
        stream.write(text[:split])
        stream.write(text[split:])
        stream.close()
        expected = b"token=" + MASK + b" again:" + MASK + MASK + b" end"
        assert stream.spool_path.read_bytes() == expected, split
        assert rec.joined() == expected
        stream.discard()


def test_masking_byte_by_byte_with_several_secrets():
    masker = SecretMasker(["abcdefgh", "pass", "xyz", ""])  # "xyz" is too short to mask
    text = b"xyz pass abcdefgh abcdefg passpass xyz"
    out = b"".join(masker.feed(text[i : i + 1]) for i in range(len(text))) + masker.finish()
    assert out == b"xyz " + MASK + b" " + MASK + b" abcdefg " + MASK + MASK + b" xyz"


def test_longest_secret_wins_where_two_start_together():
    masker = SecretMasker(["abcd", "abcdefgh"])
    assert masker.feed(b"abcdefgh!") + masker.finish() == MASK + b"!"


def test_runner_lines_are_masked_and_start_on_a_line_of_their_own(tmp_path):
    stream = LogStream(None, secrets=["hunter22"], spool_dir=tmp_path)
    stream.write_line("$ make test")
    stream.write(b"no newline at the end")
    stream.write_line("$ echo hunter22")
    stream.write(b"done")
    totals = stream.close()
    assert stream.spool_path.read_bytes() == (b"$ make test\nno newline at the end\n$ echo " + MASK + b"\ndone")
    assert totals.lines == 4  # the unterminated last line counts
    assert totals.chunks == 0


def test_line_and_byte_counts(tmp_path):
    stream = LogStream(None, spool_dir=tmp_path)
    assert stream.close().lines == 0
    stream = LogStream(None, spool_dir=tmp_path)
    stream.write(b"a\n\nb\r\nc")
    assert (stream.byte_count, stream.line_count) == (7, 4)
    totals = stream.close()
    assert (totals.bytes, totals.lines) == (7, 4)
    assert stream.close() is totals  # idempotent


def test_writing_after_close_is_an_error(tmp_path):
    stream = LogStream(None, spool_dir=tmp_path)
    stream.close()
    with pytest.raises(ValueError):
        stream.write(b"late")


def test_throughput_without_secrets(tmp_path):
    rec = Recorder()
    stream = LogStream(rec, spool_dir=tmp_path)
    block = (b"compiling module_%04d.c ... ok\n" * 2200)[: 64 * 1024]
    count = 1600  # 100 MiB
    started = time.perf_counter()
    for _ in range(count):
        stream.write(block)
    totals = stream.close()
    elapsed = time.perf_counter() - started
    mb_s = count * len(block) / elapsed / 1e6
    print(f"\nLogStream throughput, no secrets: {mb_s:.0f} MB/s ({count * len(block) >> 20} MiB in {elapsed:.2f} s)")
    assert totals.bytes == count * len(block)
    assert sum(len(d) for _, d in rec.chunks) == totals.bytes
    stream.discard()


def test_throughput_with_secrets_is_printed(tmp_path):
    stream = LogStream(None, secrets=["ghp_" + "x" * 36, "AKIAEXAMPLEKEY123456"], spool_dir=tmp_path)
    block = (b"compiling module_%04d.c ... ok\n" * 2200)[: 64 * 1024]
    started = time.perf_counter()
    for _ in range(400):
        stream.write(block)
    stream.close()
    elapsed = time.perf_counter() - started
    print(f"\nLogStream throughput, 2 secrets: {400 * len(block) / elapsed / 1e6:.0f} MB/s")
    assert stream.spool_path.stat().st_size == 400 * len(block)
    stream.discard()
