"""Reading the data dir: a torn last record is dropped and cut off, damage anywhere else is a clear error."""

import json

import pytest

from switchyard.local.journal import (
    FORMAT,
    CorruptDataError,
    Journal,
    RecordFile,
    check_header,
    closed_journals,
    header,
)


def _write(path, lines, tail=b""):
    path.write_bytes(b"".join(json.dumps(x).encode() + b"\n" for x in lines) + tail)


def test_torn_tail_is_dropped_and_cut_off(tmp_path):
    path = tmp_path / "journal.jsonl"
    _write(path, [header("journal", 0), {"a": 1}], tail=b'{"a": 2, "b')
    file = RecordFile(path, allow_torn_tail=True)
    assert [record for _, record in file.records()] == [{"a": 1}]
    file.cut_torn_tail()
    assert path.read_bytes().endswith(b'{"a": 1}\n')
    # the next append starts on a line of its own, so the file reads back whole
    journal = Journal(tmp_path)
    journal.open(0, existing=True)
    journal.sync(journal.append([{"a": 3}]))
    journal.close()
    assert [record for _, record in RecordFile(path, allow_torn_tail=False).records()] == [{"a": 1}, {"a": 3}]


def test_complete_record_without_its_newline_counts_as_torn(tmp_path):
    path = tmp_path / "journal.jsonl"
    _write(path, [header("journal", 0)], tail=b'{"a": 2}')
    file = RecordFile(path, allow_torn_tail=True)
    assert list(file.records()) == [] and file.torn_bytes == len(b'{"a": 2}')


def test_corrupt_middle_line_names_file_and_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"format": "switchyard-journal", "version": 1}\nnot json\n{"a": 1}\n')
    with pytest.raises(CorruptDataError, match=r"journal.jsonl: line 2"):
        list(RecordFile(path, allow_torn_tail=True).records())


def test_torn_snapshot_is_an_error(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    _write(path, [header("snapshot", 1)], tail=b'{"x"')
    with pytest.raises(CorruptDataError, match="incomplete"):
        list(RecordFile(path, allow_torn_tail=False).records())


def test_generation_comes_from_the_header_and_old_files_are_generation_zero(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    _write(path, [header("snapshot", 7)])
    assert RecordFile(path, allow_torn_tail=False).generation() == 7
    _write(path, [{"format": FORMAT, "version": 1, "kind": "snapshot"}])
    assert RecordFile(path, allow_torn_tail=False).generation() == 0


def test_header_from_a_newer_version_is_refused(tmp_path):
    with pytest.raises(CorruptDataError, match="newer Switchyard"):
        check_header({"format": FORMAT, "version": 99}, tmp_path / "snapshot.jsonl")
    with pytest.raises(CorruptDataError, match="not a Switchyard data file"):
        check_header({"hello": 1}, tmp_path / "snapshot.jsonl")


def test_rotation_closes_the_journal_under_its_generation(tmp_path):
    journal = Journal(tmp_path)
    journal.open(3, existing=False)
    journal.sync(journal.append([{"a": 1}]))
    assert journal.rotate() == 4
    journal.sync(journal.append([{"a": 2}]))
    journal.close()
    assert closed_journals(tmp_path) == [(3, tmp_path / "journal.3.jsonl")]
    assert [r for _, r in RecordFile(tmp_path / "journal.3.jsonl", False).records()] == [{"a": 1}]
    current = RecordFile(tmp_path / "journal.jsonl", False)
    assert current.generation() == 4 and [r for _, r in current.records()] == [{"a": 2}]
