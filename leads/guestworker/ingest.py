"""Guest-worker files in: DOL files → records (``lantern-gw-records``).

Every file gets an entry in ``lantern-gw-files`` before its first row is stored
(status ``loading``) and after its last (``loaded``, with rows loaded and failed), or
``refused`` with the reason: nothing is half-indexed without a record of it. A file
already loaded (same SHA-256) is skipped; one left ``loading`` by a crash is reloaded
from scratch. Bad rows become dead letters naming the file, row and column.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from leads.deadletters import dead_letter
from leads.guestworker.files import FileReport, read_records, sha256_of
from leads.guestworker.readers import FileError, RowError
from leads.guestworker.records import GwRecord
from leads.ids import stable_id
from leads.settings import Settings
from leads.store import StoreError, bulk_index, delete_where, record_dead_letters, scan
from leads.text import one_line
from leads.validation import validation_message

STAGE = "guestworker-ingest"
CHUNK = 1000


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)  # stored by this run

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)


# Bumped when a record gains fields read from the same rows: a file loaded by an older
# version counts as not loaded, so the next run reads it again (same ids, overwritten).
RECORDS_VERSION = 3


def _loaded(entry: dict[str, Any]) -> bool:
    src = entry.get("_source") or {}
    return bool(
        entry.get("found")
        and src.get("status") == "loaded"
        and src.get("records_version", 1) >= RECORDS_VERSION
    )


def ingest(es: Any, settings: Settings, paths: Iterable[Path]) -> IngestReport:
    report = IngestReport()
    for path in paths:
        report.files.append(_ingest_file(es, settings, Path(path), report.record_ids))
    es.indices.refresh(index=settings.index("gw-records"))
    es.indices.refresh(index=settings.index("gw-files"))
    return report


def _manifest(es: Any, settings: Settings, r: FileReport, path: Path, **extra: Any) -> None:
    doc = {
        "id": r.sha256 or stable_id(str(path)),
        "file": r.file,
        "path": str(path),
        "sha256": r.sha256 or None,
        "dataset": r.dataset or None,
        "status": r.status,
        "error": r.error,
        "rows_loaded": r.rows_loaded,
        "rows_failed": r.rows_failed,
        "records_version": RECORDS_VERSION,
        **extra,
    }
    es.index(index=settings.index("gw-files"), id=doc["id"], document=doc, refresh=True)


def _ingest_file(es: Any, settings: Settings, path: Path, stored: list[str]) -> FileReport:
    r = FileReport(file=path.name)
    try:
        r.sha256 = sha256_of(path)
    except OSError as exc:
        r.status, r.error = "refused", f"cannot read: {exc}"
        _say(f"{path}: {r.error}")
        return r
    previous = es.options(ignore_status=404).get(index=settings.index("gw-files"), id=r.sha256)
    if _loaded(previous):
        src = previous["_source"]
        r.status, r.dataset = "already loaded", src.get("dataset") or ""
        r.rows_loaded, r.rows_failed = src["rows_loaded"], src["rows_failed"]
        return r
    if previous.get("found"):  # half-loaded by a crash, or by an older version: start over
        delete_where(es, settings, "gw-records", {"term": {"file_sha256": r.sha256}})
    started = datetime.now(UTC)
    r.status = "loading"
    _manifest(es, settings, r, path, started_at=started)
    letters = []
    mark = len(stored)
    try:
        batch: list[GwRecord] = []
        for item in read_records(path, r.sha256, r):
            if isinstance(item, RowError):
                r.rows_failed += 1
                reason = f"{path.name}: row {item.number}, column {item.column}: {item.reason}"
                _say(reason)
                # The file's hash in the payload: two files of one name keep their letters.
                letters.append(
                    dead_letter(STAGE, f"{path.name}:{item.number}", reason, None, r.sha256)
                )
                continue
            batch.append(item)
            if len(batch) >= CHUNK:
                _store(es, settings, batch, r, stored)
                batch.clear()
        _store(es, settings, batch, r, stored)
        r.status = "loaded"
    except (FileError, OSError) as exc:  # unusable, or unreadable past some point
        r.status, r.error = "refused", str(exc)
        _say(str(exc))
        # Rows stored before the file proved unusable go: the manifest says why.
        try:
            delete_where(es, settings, "gw-records", {"term": {"file_sha256": r.sha256}})
        except StoreError as gone:
            r.error += f"; and rows stored before the refusal remain: {gone}"
            _say(f"{path.name}: {gone}")
        r.rows_loaded = 0
        del stored[mark:]
    record_dead_letters(es, settings, letters)
    _manifest(es, settings, r, path, started_at=started, finished_at=datetime.now(UTC))
    return r


def _store(
    es: Any, settings: Settings, batch: list[GwRecord], r: FileReport, stored: list[str]
) -> None:
    """Writes one chunk of records; a record Elasticsearch refuses is a failed row (its
    dead letter is written by the bulk), never counted as loaded."""
    if not batch:
        return
    report = bulk_index(
        es,
        settings,
        "gw-records",
        ((rec.id, rec.model_dump(mode="json")) for rec in batch),
        stage=STAGE,
    )
    refused = {letter.record_id for letter in report.failed}
    stored += [rec.id for rec in batch if rec.id not in refused]
    r.rows_loaded += report.indexed
    r.rows_failed += len(report.failed)


def _say(line: str) -> None:
    print(one_line(f"guestworker: {line}", 500), file=sys.stderr, flush=True)


def load_records(es: Any, settings: Settings) -> list[GwRecord]:
    """Every stored record; one that no longer validates is reported and left out."""
    records = []
    for doc in scan(es, settings, "gw-records", {"match_all": {}}):
        try:
            records.append(GwRecord.model_validate(doc))
        except ValidationError as exc:
            _say(f"record {doc.get('id')}: unusable, left out ({validation_message(exc)})")
    return records


SUFFIXES = (".xlsx", ".csv", ".json")


def new_files(es: Any, settings: Settings) -> list[Path]:
    """Files in the drop folder that are not loaded yet (by SHA-256)."""
    folder = settings.guestworker_path
    if not folder.is_dir():
        _say(f"no drop folder at {folder}: nothing to load")
        return []
    new = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        entry = es.options(ignore_status=404).get(
            index=settings.index("gw-files"), id=sha256_of(path)
        )
        if not _loaded(entry):
            new.append(path)
    _say(f"{len(new)} new file(s) in {folder}")
    return new
