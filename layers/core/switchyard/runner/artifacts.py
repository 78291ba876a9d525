"""Build artifacts: the archive tarball and the files a `store_artifacts` step names, never outside the workspace."""

from __future__ import annotations

import gzip
import os
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

# Level 9 (tarfile's own stream default) costs several times the CPU for a few percent of size.
_GZIP_LEVEL = 6


@dataclass
class Tarball:
    path: Path
    files: int = 0
    bytes: int = 0  # size of the .tar.gz
    skipped: list[str] = field(default_factory=list)  # relative names left out, with the reason


def make_tarball(src_dir: str | os.PathLike[str], dest_file: str | os.PathLike[str]) -> Tarball:
    """Write `src_dir` as a tar.gz of relative paths, streaming; symlinks leading outside `src_dir` are left out."""
    src = Path(src_dir).resolve(strict=True)
    if not src.is_dir():
        raise NotADirectoryError(f"{src_dir} is not a directory")
    dest = Path(dest_file)
    dest_resolved = dest.resolve()
    result = Tarball(path=dest)
    with (
        open(dest, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=_GZIP_LEVEL) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        for dirpath, dirnames, filenames in os.walk(src):  # followlinks=False: symlinked dirs are entries, not trees
            dirnames.sort()
            for name in [*dirnames, *sorted(filenames)]:
                path = Path(dirpath, name)
                if path == dest_resolved:
                    continue
                rel = path.relative_to(src).as_posix()
                added, reason = _add(tar, src, path, rel)
                if reason is not None:
                    result.skipped.append(f"{rel}: {reason}")
                elif added != tarfile.DIRTYPE:
                    result.files += 1
    result.bytes = dest.stat().st_size
    return result


def _add(tar: tarfile.TarFile, src: Path, path: Path, rel: str) -> tuple[bytes | None, str | None]:
    """Add one entry: the tar type added, or the reason it was left out."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return None, exc.strerror or "unreadable"
    if stat.S_ISLNK(st.st_mode):
        target = path.resolve()
        if not _within(src, target):
            return None, "symlink pointing outside the archived folder"
        info = _info(rel, tarfile.SYMTYPE, st)
        info.linkname = os.path.relpath(target, path.parent)
        tar.addfile(info)
        return tarfile.SYMTYPE, None
    if stat.S_ISDIR(st.st_mode):
        tar.addfile(_info(rel, tarfile.DIRTYPE, st))
        return tarfile.DIRTYPE, None
    if not stat.S_ISREG(st.st_mode):
        return None, "not a regular file, directory or symlink"
    try:
        # O_NOFOLLOW: a file swapped for a symlink since lstat() is refused, not followed.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        return None, exc.strerror or "unreadable"
    with open(fd, "rb") as fh:
        info = tar.gettarinfo(arcname=rel, fileobj=fh)
        _anonymize(info)
        tar.addfile(info, fh)
    return info.type, None


def _info(rel: str, kind: bytes, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(rel)
    info.type = kind
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = int(st.st_mtime)
    _anonymize(info)
    return info


def _anonymize(info: tarfile.TarInfo) -> None:
    # The runner's user and group names mean nothing to whoever downloads the archive.
    info.uid = info.gid = 0
    info.uname = info.gname = ""


def collect_files(workspace: str | os.PathLike[str], path: str | os.PathLike[str]) -> list[tuple[Path, str]]:
    """The files of a `store_artifacts` path (a file or a directory), as (absolute path, relative name).

    A file's name is its base name; a directory's files are named relative to it. A path that leads
    outside the workspace raises ValueError; inside a directory, symlinks leading outside are skipped.
    A missing path gives an empty list.
    """
    base = Path(workspace).resolve(strict=True)
    target = (base / Path(path)).resolve()
    if not _within(base, target):
        raise ValueError(f"{os.fspath(path)} is outside the workspace")
    if target.is_file():
        return [(target, target.name)]
    if not target.is_dir():
        return []
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(target):
        dirnames.sort()
        for name in sorted(filenames):
            entry = Path(dirpath, name)
            real = entry.resolve()
            if _within(base, real) and real.is_file():
                found.append((real, entry.relative_to(target).as_posix()))
    return found


def _within(base: Path, path: Path) -> bool:
    return path == base or path.is_relative_to(base)
