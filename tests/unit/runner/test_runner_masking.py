"""Secret masking outside the live stream: step boundaries in the console, and report records."""

from __future__ import annotations

from switchyard.runner.logstream import LogStream, mask_fields, mask_text

SECRET = "hunter2-very-secret"


def test_boundary_flushes_the_held_back_tail_so_step_ranges_are_exact(tmp_path):
    stream = LogStream(secrets=[SECRET], spool_dir=tmp_path)
    stream.write_line("$ echo step one")
    start = stream.boundary()
    stream.write(f"value={SECRET[:5]}".encode())
    stream.write(f"{SECRET[5:]}\n".encode())
    end = stream.boundary()
    stream.write_line("[switchyard] job ended")
    stream.close()
    console = stream.spool_path.read_bytes()
    assert console[start:end] == b"value=********\n"
    assert SECRET.encode() not in console


def test_report_fields_are_masked():
    record = {"name": "t", "message": f"expected {SECRET} got nothing", "time": 1.0}
    assert mask_fields(record, [SECRET]) == {"name": "t", "message": "expected ******** got nothing", "time": 1.0}
    assert mask_text("abc", ["abc"]) == "abc"  # values under four characters are not masked
    assert mask_fields(record, []) is record
