"""Guest-worker data end to end: files → records (``lantern-gw-records``) → resolved
employers with risk flags (``lantern-gw-employers``) and job orders
(``lantern-gw-joborders``), linked to crawled job ads.

Every file gets an entry in ``lantern-gw-files`` before its first row is stored
(status ``loading``) and after its last (``loaded``, with rows loaded and failed), or
``refused`` with the reason: nothing is half-indexed without a record of it. A file
already loaded (same SHA-256) is skipped; one left ``loading`` by a crash is reloaded
from scratch. Bad rows become dead letters naming the file, row and column.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from leads.guestworker.flags import Assessment, assess
from leads.guestworker.readers import (
    FileError,
    Row,
    RowError,
    fiscal_year_of,
    read_job_orders,
    read_table,
)
from leads.guestworker.records import GwRecord, from_row
from leads.guestworker.resolve import resolve
from leads.ids import stable_id
from leads.settings import Settings
from leads.store import bulk_index, dead_letter, delete_where, record_dead_letters, scan

STAGE = "guestworker-ingest"
CHUNK = 1000


@dataclass
class FileReport:
    file: str
    sha256: str = ""
    dataset: str = ""
    status: str = ""
    rows_loaded: int = 0
    rows_failed: int = 0
    error: str | None = None


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)  # stored by this run

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)


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
    if previous.get("found") and previous["_source"]["status"] == "loaded":
        src = previous["_source"]
        r.status, r.dataset = "already loaded", src.get("dataset") or ""
        r.rows_loaded, r.rows_failed = src["rows_loaded"], src["rows_failed"]
        return r
    if previous.get("found"):  # left half-loaded by a crash: start this file over
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
                letters.append(dead_letter(STAGE, f"{path.name}:{item.number}", reason, None))
                continue
            batch.append(item)
            stored.append(item.id)
            if len(batch) >= CHUNK:
                r.rows_loaded += _store(es, settings, batch)
                batch.clear()
        r.rows_loaded += _store(es, settings, batch)
        r.status = "loaded"
    except FileError as exc:
        r.status, r.error = "refused", str(exc)
        _say(str(exc))
        # Rows stored before the file proved unusable go: the manifest says why.
        delete_where(es, settings, "gw-records", {"term": {"file_sha256": r.sha256}})
        r.rows_loaded = 0
        del stored[mark:]
    record_dead_letters(es, settings, letters)
    _manifest(es, settings, r, path, started_at=started, finished_at=datetime.now(UTC))
    return r


def _store(es: Any, settings: Settings, batch: list[GwRecord]) -> int:
    if not batch:
        return 0
    report = bulk_index(
        es,
        settings,
        "gw-records",
        ((rec.id, rec.model_dump(mode="json")) for rec in batch),
        stage=STAGE,
    )
    return report.indexed


def _say(line: str) -> None:
    print(f"guestworker: {line}"[:500], file=sys.stderr, flush=True)


def load_records(es: Any, settings: Settings) -> list[GwRecord]:
    """Every stored record; one that no longer validates is reported and left out."""
    records = []
    for doc in scan(es, settings, "gw-records", {"match_all": {}}):
        try:
            records.append(GwRecord.model_validate(doc))
        except ValidationError as exc:
            _say(f"record {doc.get('id')}: unusable, left out ({exc.errors()[0]['msg']})")
    return records


@lru_cache(maxsize=4096)
def _labor_indicators(text: str) -> tuple[tuple[str, str], ...]:
    from nlp.pipeline import extract

    found = extract(text[:100_000])
    return tuple((i.category, i.text) for i in found.indicators if i.domain == "labor")


def labor_indicators(text: str) -> list[tuple[str, str]]:
    """The NLP pipeline's labor indicators in a job order's text: (category, quote).
    Cached: the flags and the job-order index read the same texts in one run."""
    return list(_labor_indicators(text))


def assess_all(records: list[GwRecord]) -> list[Assessment]:
    employers = resolve(records)
    debarments = [r for r in records if r.dataset == "debarment"]
    return assess(employers, debarments, labor_indicators)


def employer_json(a: Assessment) -> dict[str, Any]:
    """The ``lantern guestworker flags`` contract for one resolved employer."""
    e = a.employer
    return {
        "id": e.id,
        "employer": e.name,
        "aliases": e.aliases,
        "case_numbers": e.values("case_number"),
        "risk": a.risk,
        "tier": a.tier,
        "flags": [{"flag": f.flag, "reason": f.reason} for f in a.flags],
        "sources": [
            {
                "record": r.id,
                "dataset": r.dataset,
                "file": r.file,
                "row": r.row,
                "case_number": r.case_number,
                "fiscal_year": r.fiscal_year,
            }
            for r in e.records
        ],
    }


def write_employers(
    es: Any, settings: Settings, assessments: list[Assessment], scope: set[str] | None = None
) -> dict[str, int]:
    """Employer and job-order documents; only employers whose content changed are
    rewritten, and employers that no longer exist (merged away) are deleted. ``scope``:
    the stored employers these assessments replace (None: all of them)."""
    ads = link_ads(es, settings, assessments)
    now = datetime.now(UTC).isoformat()
    docs: dict[str, dict[str, Any]] = {}
    for a in assessments:
        e = a.employer
        doc = employer_json(a)
        doc.update(
            {
                "flag_ids": sorted({f.flag for f in a.flags}),
                "flags": [
                    {"flag": f.flag, "reason": f.reason, "weight": f.weight, "records": f.records}
                    for f in a.flags
                ],
                "matches": [
                    {"a": m.a, "b": m.b, "score": m.score, "reasons": m.reasons} for m in e.matches
                ],
                "phones": e.values("phone"),
                "feins": e.values("fein"),
                "emails": e.values("email"),
                "states": e.values("state"),
                "cities": e.values("city"),
                "agents": e.values("agent"),
                "ads": ads.get(e.id, []),
            }
        )
        doc["fingerprint"] = stable_id(json.dumps(doc, sort_keys=True, default=str))
        doc["updated_at"] = now
        docs[e.id] = doc
    query: dict[str, Any] = {"match_all": {}}
    if scope is not None:
        query = {"ids": {"values": sorted(scope | set(docs))}}
    stored = {
        d["id"]: d.get("fingerprint")
        for d in scan(es, settings, "gw-employers", query, source=["id", "fingerprint"])
    }
    changed = [(i, d) for i, d in docs.items() if stored.get(i) != d["fingerprint"]]
    gone = [i for i in stored if i not in docs]
    bulk_index(es, settings, "gw-employers", changed, stage="guestworker-resolve", refresh=True)
    for doc_id in gone:
        es.delete(index=settings.index("gw-employers"), id=doc_id, refresh=True)
    orders = list(_job_orders(assessments, now))
    bulk_index(es, settings, "gw-joborders", orders, stage="guestworker-resolve", refresh=True)
    return {"employers": len(docs), "written": len(changed), "deleted": len(gone)}


# Record fields that tie records into one employer or one flag context (a shared agent,
# a shared camp): what a new record is compared on to find what it can change.
_LINK_FIELDS = ("name_keys", "phone", "fein", "agent_key", "housing_key", "address_key")


def affected_records(es: Any, settings: Settings, seeds: list[GwRecord]) -> list[GwRecord]:
    """Every stored record whose employer or flags new records can change: those sharing
    a name, phone, FEIN, agent or housing address with them (transitively), and every
    record of an employer that holds one of those."""
    found = {r.id: r for r in seeds}
    frontier = list(seeds)
    es.indices.refresh(index=settings.index("gw-records"))
    while frontier:
        keys: dict[str, set[str]] = {f: set() for f in _LINK_FIELDS}
        for r in frontier:
            keys["name_keys"].update(r.name_keys)
            for name in _LINK_FIELDS[1:]:
                value = getattr(r, name)
                if value:
                    keys[name].add(value)
        should = [{"terms": {f: sorted(v)}} for f, v in keys.items() if v]
        frontier = []
        if not should:
            break
        hits = scan(es, settings, "gw-records", {"bool": {"should": should}}, refresh=False)
        for doc in hits:
            if doc["id"] not in found:
                record = GwRecord.model_validate(doc)
                found[record.id] = record
                frontier.append(record)
    holders = scan(
        es,
        settings,
        "gw-employers",
        {"terms": {"sources.record": sorted(found)}},
        source=["sources"],
    )
    missing = {s["record"] for e in holders for s in e["sources"]} - set(found)
    if missing:
        for doc in es.mget(index=settings.index("gw-records"), ids=sorted(missing))["docs"]:
            if doc.get("found"):
                found[doc["_id"]] = GwRecord.model_validate(doc["_source"])
    return list(found.values())


def records_of_files(es: Any, settings: Settings, sha256s: list[str]) -> list[str]:
    query = {"terms": {"file_sha256": sha256s}}
    return [d["id"] for d in scan(es, settings, "gw-records", query, source=["id"])]


def resolve_changed(es: Any, settings: Settings, record_ids: list[str]) -> dict[str, int]:
    """Re-resolves only what new records can change, and rewrites only those employers."""
    if not record_ids:
        return {"employers": 0, "written": 0, "deleted": 0, "records": 0}
    docs = es.mget(index=settings.index("gw-records"), ids=record_ids)["docs"]
    seeds = [GwRecord.model_validate(d["_source"]) for d in docs if d.get("found")]
    subset = affected_records(es, settings, seeds)
    debarments = [
        GwRecord.model_validate(d)
        for d in scan(es, settings, "gw-records", {"term": {"dataset": "debarment"}})
    ]
    scope = {
        d["id"]
        for d in scan(
            es,
            settings,
            "gw-employers",
            {"terms": {"sources.record": [r.id for r in subset]}},
            source=["id"],
        )
    }
    assessments = assess(resolve(subset), debarments, labor_indicators)
    result = write_employers(es, settings, assessments, scope=scope)
    return {**result, "records": len(subset)}


def _job_orders(assessments: list[Assessment], now: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for a in assessments:
        for r in a.employer.records:
            if r.dataset != "job_orders":
                continue
            found = labor_indicators(r.text) if r.text else []
            yield (
                r.id,
                {
                    "id": r.id,
                    "case_number": r.case_number,
                    "employer_id": a.employer.id,
                    "employer": a.employer.name,
                    "program": r.program,
                    "file": r.file,
                    "row": r.row,
                    "text": r.text,
                    "categories": sorted({c for c, _ in found}),
                    "indicators": [{"category": c, "text": t} for c, t in found],
                    "updated_at": now,
                },
            )


def link_ads(
    es: Any, settings: Settings, assessments: list[Assessment]
) -> dict[str, list[dict[str, str]]]:
    """Crawled job ads (leads) that share an employer's phone or email, or name it."""
    by_selector: dict[str, set[str]] = {}
    for a in assessments:
        for phone in a.employer.values("phone"):
            by_selector.setdefault(f"phone:+1{phone}", set()).add(a.employer.id)
        for email in a.employer.values("email"):
            by_selector.setdefault(f"email:{email}", set()).add(a.employer.id)
    links: dict[str, list[dict[str, str]]] = {}
    fields = ["id", "url", "selectors"]
    for lead in scan(es, settings, "leads", {"exists": {"field": "selectors"}}, source=fields):
        for selector in lead.get("selectors") or []:
            for employer in by_selector.get(selector, ()):
                links.setdefault(employer, []).append(
                    {"lead_id": lead["id"], "url": lead.get("url", ""), "via": selector}
                )
    # Names: only for flagged employers (a phrase query each), distinctive names only.
    for a in assessments:
        if a.risk < 10:
            continue
        for name in a.employer.aliases[:3]:
            if len(name) < 8:
                continue
            hits = es.search(
                index=settings.index("leads"),
                size=20,
                query={"match_phrase": {"snippet": name}},
                source=["id", "url"],
            )["hits"]["hits"]
            for hit in hits:
                src = hit["_source"]
                links.setdefault(a.employer.id, []).append(
                    {"lead_id": src["id"], "url": src.get("url", ""), "via": f"name:{name}"}
                )
    return {k: list({d["lead_id"] + d["via"]: d for d in v}.values()) for k, v in links.items()}
