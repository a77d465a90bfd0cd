"""DOL files read into records, one file at a time, without Elasticsearch
(:mod:`leads.guestworker.ingest` stores them, with a manifest per file)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leads.guestworker.readers import (
    Row,
    RowError,
    fiscal_year_of,
    read_job_orders,
    read_table,
)
from leads.guestworker.records import GwRecord, from_row


@dataclass
class FileReport:
    file: str
    sha256: str = ""
    dataset: str = ""
    status: str = ""
    rows_loaded: int = 0
    rows_failed: int = 0
    error: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_records(path: Path, sha: str, report: FileReport) -> Iterator[GwRecord | RowError]:
    """Records of one file, streamed; row errors are yielded, not raised."""
    fy = fiscal_year_of(path)
    if path.suffix.lower() == ".json":
        report.dataset = "job_orders"
        for item in read_job_orders(path):
            if isinstance(item, RowError):
                yield item
            else:
                yield from_row("job_orders", item.values, path.name, sha, item.number, fy)
        return
    for entry in read_table(path):
        if isinstance(entry, Row):
            yield from_row(entry.dataset, entry.values, path.name, sha, entry.number, fy)  # type: ignore[arg-type]
        elif isinstance(entry, RowError):
            yield entry
        else:
            report.dataset = entry.dataset
