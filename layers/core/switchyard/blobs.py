"""S3: console log chunks, whole consoles, artifacts, presigned URLs; the only code that touches S3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from .aws import client
from .settings import get_settings

INLINE_LIMIT = 5 * 1024 * 1024


def _bucket() -> str:
    return get_settings().bucket


def log_prefix(job_id: str) -> str:
    return f"logs/{job_id}/"


def log_chunk_key(job_id: str, seq: int) -> str:
    return f"{log_prefix(job_id)}chunk-{seq:08d}"


def console_key(job_id: str) -> str:
    return f"{log_prefix(job_id)}console.log"


def artifact_prefix(job_id: str) -> str:
    return f"artifacts/{job_id}/"


def put_bytes(key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    client("s3").put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type)


def put_file(key: str, fileobj: IO[bytes], content_type: str = "application/octet-stream") -> None:
    from boto3.s3.inject import upload_fileobj
    from boto3.s3.transfer import TransferConfig

    # s3transfer's threads buffer ~100 MB of a 200 MB console (even with 2 of them); one thread keeps the
    # runner's memory flat and, to a nearby S3, is no slower (measured: bench/log_stream.py)
    config = TransferConfig(use_threads=False)
    # our clients are plain botocore ones (see aws.py): boto3's managed upload is called as the function it injects
    upload_fileobj(client("s3"), fileobj, _bucket(), key, ExtraArgs={"ContentType": content_type}, Config=config)


def get_bytes(key: str, max_bytes: int | None = None) -> bytes | None:
    """An object's body (only its first `max_bytes` when given), or None when it does not exist."""
    s3 = client("s3")
    kwargs = {"Bucket": _bucket(), "Key": key}
    if max_bytes is not None:
        kwargs["Range"] = f"bytes=0-{max(max_bytes, 1) - 1}"
    try:
        return s3.get_object(**kwargs)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    except s3.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") == "InvalidRange":  # a range over an empty object
            return b""
        raise


def get_range(key: str, start: int, length: int) -> bytes | None:
    """`length` bytes of an object from `start` (fewer at its end); None when the object does not exist."""
    if length <= 0:
        return b""
    s3 = client("s3")
    try:
        response = s3.get_object(Bucket=_bucket(), Key=key, Range=f"bytes={start}-{start + length - 1}")
    except s3.exceptions.NoSuchKey:
        return None
    except s3.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") == "InvalidRange":
            return b""
        raise
    return response["Body"].read()


def head(key: str) -> int | None:
    """Size of an object, or None when it does not exist."""
    s3 = client("s3")
    try:
        return int(s3.head_object(Bucket=_bucket(), Key=key)["ContentLength"])
    except s3.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def list_keys(prefix: str, start_after: str | None = None) -> Iterator[tuple[str, int]]:
    """(key, size) of every object under a prefix, in key order."""
    paginator = client("s3").get_paginator("list_objects_v2")
    kwargs = {"Bucket": _bucket(), "Prefix": prefix}
    if start_after:
        kwargs["StartAfter"] = start_after
    for page in paginator.paginate(**kwargs):
        for obj in page.get("Contents", []):
            yield obj["Key"], int(obj["Size"])


def delete_prefix(prefix: str) -> int:
    """Delete every object under a prefix, a thousand per request; returns how many."""
    s3 = client("s3")
    keys = [key for key, _ in list_keys(prefix)]
    for start in range(0, len(keys), 1000):
        batch = [{"Key": k} for k in keys[start : start + 1000]]
        s3.delete_objects(Bucket=_bucket(), Delete={"Objects": batch, "Quiet": True})
    return len(keys)


def presigned_get(key: str, expires: int = 900, filename: str | None = None) -> str:
    params = {"Bucket": _bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires)
