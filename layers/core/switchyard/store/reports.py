"""Test cases and coverage classes of a job, in the reports table under ordered sort keys."""

from __future__ import annotations

from typing import Any

from .models import ReportModel


def put_items(job_id: str, kind: str, items: list[dict[str, Any]]) -> None:
    with ReportModel.batch_write() as batch:
        for index, data in enumerate(items):
            batch.save(ReportModel(job_id, f"{kind}#{index:06d}", data=data))


def list_items(job_id: str, kind: str) -> list[dict[str, Any]]:
    return [item.data for item in ReportModel.query(job_id, ReportModel.sk.startswith(f"{kind}#"))]


def delete_all(job_id: str) -> None:
    with ReportModel.batch_write() as batch:
        for item in ReportModel.query(job_id):
            batch.delete(item)
