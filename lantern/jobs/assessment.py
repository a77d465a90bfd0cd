"""Render a regional assessment to files: HTML or PDF, full or shareable, audited."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from leads.assessment.build import Assessment, assess
from leads.assessment.editions import Edition
from leads.assessment.periods import Period, month_of
from leads.assessment.render import render_html, render_pdf
from leads.audit import record
from leads.batches import backfill_regions
from leads.regions import Region, parse_region
from leads.settings import Settings
from leads.store import ensure_indices

KINDS = ("leads", "gw-records", "gw-employers", "tips")


@dataclass
class Written:
    path: Path
    edition: Edition
    sha256: str


def _write(path: Path, data: bytes) -> str:
    """Written whole or not at all: a reader never sees half a report. The temporary
    file is created new (never opened through a name someone planted in the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def write_report(
    es: Any, settings: Settings, a: Assessment, out: Path, edition: Edition, who: str
) -> Written:
    """One edition to ``out``: PDF when its name ends in .pdf, else HTML."""
    html = render_html(a, edition)
    data = render_pdf(html) if out.suffix.lower() == ".pdf" else html.encode()
    digest = _write(out, data)
    record(
        es,
        settings,
        "assessment.render",
        target=f"{a.region.key} {a.period.label}",
        details={
            "edition": edition,
            "file": str(out),
            "sha256": digest,
            "figures": {f.key: f.data_hash for f in a.figures},
        },
        user=who,
    )
    return Written(out, edition, digest)


def run_assessment(es: Any, settings: Settings, region: Region, period: Period) -> Assessment:
    ensure_indices(es, settings, KINDS)
    backfill_regions(es, settings)
    return assess(es, settings, region, period)


def render_region(
    es: Any, settings: Settings, region: Region, period: Period, who: str
) -> list[Written]:
    """Both editions, HTML and PDF, into the region's folder for the period (the DAG's
    work); earlier periods' folders are left as they are."""
    a = run_assessment(es, settings, region, period)
    folder = settings.assessments_path / region.key / period.label
    written = []
    for edition in ("full", "shareable"):
        for suffix in (".html", ".pdf"):
            out = folder / f"assessment-{region.key}-{period.label}-{edition}{suffix}"
            written.append(write_report(es, settings, a, out, edition, who))
    return written


def render_month(es: Any, settings: Settings, region: str, day: date, who: str) -> list[Written]:
    """The DAG's task: ``region`` as configured ("CA", "GA/Fulton"), for the month of
    ``day``."""
    return render_region(es, settings, parse_region(region), month_of(day), who)
