"""make_tarball and collect_files: relative entries, symlinks kept inside, nothing reached outside the workspace."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from switchyard.runner.artifacts import collect_files, make_tarball


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


@pytest.fixture
def shippable(tmp_path: Path) -> Path:
    src = tmp_path / "ws" / "shippable"
    write(src / "testresults/junit.xml", "<testsuites/>")
    write(src / "codecoverage/coverage.xml", "<coverage/>")
    write(src / "build/app.bin", os.urandom(300_000))
    (src / "empty").mkdir()
    os.symlink("build/app.bin", src / "latest.bin")
    os.symlink(src / "testresults", src / "results-link", target_is_directory=True)
    secret = write(tmp_path / "runner-credentials", "AWS_SECRET_ACCESS_KEY=nope")
    os.symlink(secret, src / "creds")
    os.symlink("../../runner-credentials", src / "build/creds-relative")
    os.mkfifo(src / "pipe")
    return src


def test_tarball_holds_relative_entries_and_drops_escaping_symlinks(tmp_path, shippable):
    dest = tmp_path / "archive.tar.gz"
    result = make_tarball(shippable, dest)

    with tarfile.open(dest, "r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {
            "build",
            "build/app.bin",
            "codecoverage",
            "codecoverage/coverage.xml",
            "empty",
            "latest.bin",
            "results-link",
            "testresults",
            "testresults/junit.xml",
        }
        assert all(not name.startswith(("/", "..")) for name in members)
        assert members["empty"].isdir()
        assert members["latest.bin"].issym() and members["latest.bin"].linkname == "build/app.bin"
        assert members["results-link"].issym() and members["results-link"].linkname == "testresults"
        assert members["build/app.bin"].uname == "" and members["build/app.bin"].uid == 0
        assert tar.extractfile("build/app.bin").read() == (shippable / "build/app.bin").read_bytes()
        assert tar.extractfile("testresults/junit.xml").read() == b"<testsuites/>"

    assert result.files == 5  # three regular files and two symlinks
    assert result.bytes == dest.stat().st_size
    assert sorted(s.split(":")[0] for s in result.skipped) == ["build/creds-relative", "creds", "pipe"]
    assert all("outside" in s for s in result.skipped if not s.startswith("pipe"))


def test_tarball_extracts_safely(tmp_path, shippable):
    dest = tmp_path / "archive.tar.gz"
    make_tarball(shippable, dest)
    out = tmp_path / "out"
    with tarfile.open(dest, "r:gz") as tar:
        tar.extractall(out, filter="data")  # the strict filter refuses any escaping member
    assert (out / "latest.bin").read_bytes() == (shippable / "build/app.bin").read_bytes()
    assert (out / "results-link/junit.xml").read_text() == "<testsuites/>"


def test_tarball_written_inside_its_own_folder_leaves_itself_out(tmp_path):
    src = tmp_path / "src"
    write(src / "a.txt", "a")
    result = make_tarball(src, src / "self.tar.gz")
    with tarfile.open(src / "self.tar.gz", "r:gz") as tar:
        assert tar.getnames() == ["a.txt"]
    assert result.files == 1


def test_tarball_of_an_empty_folder(tmp_path):
    (tmp_path / "src").mkdir()
    result = make_tarball(tmp_path / "src", tmp_path / "e.tar.gz")
    with tarfile.open(tmp_path / "e.tar.gz", "r:gz") as tar:
        assert tar.getnames() == []
    assert (result.files, result.skipped) == (0, [])


def test_collect_a_directory_relative_to_itself(tmp_path, shippable):
    workspace = tmp_path / "ws"
    found = collect_files(workspace, "shippable/testresults")
    assert found == [((shippable / "testresults/junit.xml").resolve(), "junit.xml")]

    everything = dict((name, path) for path, name in collect_files(workspace, "shippable"))
    assert set(everything) == {
        "build/app.bin",
        "codecoverage/coverage.xml",
        "latest.bin",
        "testresults/junit.xml",
    }  # the escaping symlinks, the fifo and the symlinked folder are left out
    assert everything["latest.bin"] == (shippable / "build/app.bin").resolve()


def test_collect_a_single_file_and_a_missing_path(tmp_path, shippable):
    workspace = tmp_path / "ws"
    assert collect_files(workspace, "shippable/build/app.bin") == [((shippable / "build/app.bin").resolve(), "app.bin")]
    assert collect_files(workspace, str(shippable / "codecoverage")) == [
        ((shippable / "codecoverage/coverage.xml").resolve(), "coverage.xml")
    ]
    assert collect_files(workspace, "no/such/dir") == []


@pytest.mark.parametrize(
    "path", ["..", "../runner-credentials", "/etc", "/etc/passwd", "shippable/creds", "shippable/../.."]
)
def test_collect_refuses_paths_that_leave_the_workspace(tmp_path, shippable, path):
    with pytest.raises(ValueError, match="outside the workspace"):
        collect_files(tmp_path / "ws", path)
