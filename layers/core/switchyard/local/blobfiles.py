"""S3 object bodies as files in DATA/blobs/: moto's key buffers are replaced by files opened per call."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path
from typing import Any

from .journal import fsync_dir


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
            if not path.parent.is_dir():
                path.parent.mkdir(parents=True, exist_ok=True)
                fsync_dir(self.directory)
        self.path = Path(path)
        self.pos = 0
        if create:
            self.path.touch()
            fsync_dir(self.path.parent)

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


class _Placeholder:
    """The buffer of a FakeKey being restored: takes moto's initial empty write, holds nothing."""

    def seek(self, pos: int, whence: int = 0) -> int:
        return 0

    def truncate(self, size: int | None = None) -> int:
        return 0

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        """Nothing to release."""


_restoring = threading.local()


class adopting_files:
    """While restoring, new FakeKeys get a placeholder instead of an empty file each; the caller
    then attaches the object's existing blob file."""

    def __enter__(self) -> None:
        _restoring.active = True

    def __exit__(self, *exc: Any) -> None:
        _restoring.active = False


class _BlobTempfile:
    """Stands in for the `tempfile` module inside moto.s3.models."""

    def SpooledTemporaryFile(self, max_size: int = 0, *args: Any, **kwargs: Any) -> BlobFile | _Placeholder:
        if getattr(_restoring, "active", False):
            return _Placeholder()
        return BlobFile()

    def __getattr__(self, name: str) -> Any:
        import tempfile

        return getattr(tempfile, name)


def install_blob_storage(directory: Path) -> None:
    import moto.s3.models as s3_models

    directory.mkdir(parents=True, exist_ok=True)
    BlobFile.directory = directory
    s3_models.tempfile = _BlobTempfile()  # type: ignore[assignment]


def uninstall_blob_storage() -> None:
    """Give moto its own temporary files back (tests that run the emulator in-process)."""
    import tempfile

    import moto.s3.models as s3_models

    s3_models.tempfile = tempfile  # type: ignore[assignment]
    BlobFile.directory = None
