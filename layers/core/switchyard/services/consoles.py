"""A job's console for download: the whole log once it ended, the chunks so far while it runs."""

from __future__ import annotations

from dataclasses import dataclass

from .. import blobs
from ..domain.model import Job


@dataclass
class Console:
    """Either the text to answer inline or a presigned URL to redirect to (Lambda answers at most 6 MB)."""

    text: str = ""
    redirect: str | None = None


def download(job: Job, filename: str | None = None, limit: int | None = None) -> Console:
    limit = blobs.INLINE_LIMIT if limit is None else limit
    if job.is_final:
        key = blobs.console_key(job.id)
        size = blobs.head(key)
        if size is not None:
            if size > limit:
                return Console(redirect=blobs.presigned_get(key, filename=filename or f"{job.id}.log"))
            return Console(text=_decode(blobs.get_bytes(key) or b""))
    return Console(text=_chunks_so_far(job, limit))


def _chunks_so_far(job: Job, limit: int) -> str:
    """The streamed chunks in order; past the limit only the newest ones, after a line saying so."""
    chunks = [(key, size) for key, size in blobs.list_keys(blobs.log_prefix(job.id)) if "/chunk-" in key]
    chosen: list[str] = []
    total = 0
    for key, size in reversed(chunks):
        if total + size > limit and chosen:
            break
        chosen.append(key)
        total += size
    body = b"".join(blobs.get_bytes(key) or b"" for key in reversed(chosen))
    if len(chosen) < len(chunks):
        note = f"[switchyard] the console is longer than {limit} bytes so far; showing its end\n"
        return note + _decode(body)
    return _decode(body)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
