"""Reading the data dir: a torn last record is dropped, damage anywhere else is a clear error."""

import json

import pytest

from switchyard.local.durable import FORMAT, CorruptDataError, _check_header, _iter_records


def _write(path, lines, tail=b""):
    path.write_bytes(b"".join(json.dumps(x).encode() + b"\n" for x in lines) + tail)


def test_torn_tail_is_dropped(tmp_path):
    path = tmp_path / "journal.jsonl"
    _write(path, [{"format": FORMAT, "version": 1}, {"a": 1}], tail=b'{"a": 2, "b')
    assert list(_iter_records(path, allow_torn_tail=True)) == [{"format": FORMAT, "version": 1}, {"a": 1}]


def test_corrupt_middle_line_names_file_and_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"format": "switchyard-journal", "version": 1}\nnot json\n{"a": 1}\n')
    with pytest.raises(CorruptDataError, match=r"journal.jsonl: line 2"):
        list(_iter_records(path, allow_torn_tail=True))


def test_torn_snapshot_is_an_error(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    _write(path, [{"format": FORMAT, "version": 1}], tail=b'{"x"')
    with pytest.raises(CorruptDataError, match="incomplete"):
        list(_iter_records(path, allow_torn_tail=False))


def test_header_from_a_newer_version_is_refused(tmp_path):
    with pytest.raises(CorruptDataError, match="newer Switchyard"):
        _check_header({"format": FORMAT, "version": 99}, tmp_path / "snapshot.jsonl")
    with pytest.raises(CorruptDataError, match="not a Switchyard data file"):
        _check_header({"hello": 1}, tmp_path / "snapshot.jsonl")
