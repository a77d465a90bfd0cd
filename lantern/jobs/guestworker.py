"""Guest-worker files in, employers and flags out: the domain's ingest and resolution,
with job-order text read by the NLP pipeline (which the domain does not import)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from leads.guestworker.employers import (
    assess_all,
    records_of_files,
    resolve_changed,
)
from leads.guestworker.flags import Assessment
from leads.guestworker.ingest import IngestReport, ingest, load_records, new_files
from leads.settings import Settings

__all__ = ["assess_stored", "ingest_files", "labor_indicators", "new_files", "resolve_files"]


@lru_cache(maxsize=4096)
def _labor_indicators(text: str) -> tuple[tuple[str, str], ...]:
    from nlp.pipeline import extract  # spaCy loads only when a job order is read

    found = extract(text)
    return tuple((i.category, i.text) for i in found.indicators if i.domain == "labor")


def labor_indicators(text: str) -> list[tuple[str, str]]:
    """The NLP pipeline's labor indicators in a job order's text: (category, quote).
    Cached: the flags and the job-order index read the same texts in one run."""
    return list(_labor_indicators(text))


def ingest_files(
    es: Any, settings: Settings, files: Iterable[Path], resolve: bool = True
) -> tuple[IngestReport, dict[str, int]]:
    """Loads files, then re-resolves the employers the new rows can change."""
    report = ingest(es, settings, files)
    summary: dict[str, int] = {"rows_loaded": report.rows_loaded}
    if resolve:
        summary.update(resolve_changed(es, settings, report.record_ids, labor_indicators))
    return report, summary


def resolve_files(es: Any, settings: Settings, sha256s: list[str]) -> dict[str, int]:
    """Re-resolves the employers the records of these loaded files can change (the DAG's
    second step: it passes file hashes between tasks, never rows)."""
    if not sha256s:
        return {"employers": 0, "written": 0, "deleted": 0, "dead_letters": 0, "records": 0}
    new = records_of_files(es, settings, sha256s)
    return resolve_changed(es, settings, new, labor_indicators)


def assess_stored(es: Any, settings: Settings) -> list[Assessment]:
    """Every stored record resolved and flagged afresh, highest risk first."""
    assessments = assess_all(load_records(es, settings), labor_indicators)
    return sorted(assessments, key=lambda a: (-a.risk, a.employer.name))
