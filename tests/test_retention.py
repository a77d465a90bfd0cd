"""Retention and legal holds on a real Elasticsearch, and the retention DAG through real
Airflow: what expired goes with an audit tombstone; what a hold or a case covers stays."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import helpers
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from lantern.local.airflow import airflow_env, prepare, run_dag
from leads.audit import events
from leads.cases import add, new_case
from leads.retention import add_hold, release_hold, sweep
from leads.settings import Settings

OLD = datetime.now(UTC) - timedelta(days=6 * 365)  # past five years' retention
NEW = datetime.now(UTC) - timedelta(days=3)


def put(es: Any, settings: Settings, doc: str, phone: str, when: datetime, batch: str) -> Path:
    """A raw page (with its own WARC file) and its lead."""
    folder = settings.evidence_path / batch
    folder.mkdir(parents=True, exist_ok=True)
    warc = folder / f"{doc}.warc.gz"
    with warc.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        body = b"<p>demo</p>"
        record = writer.create_warc_record(
            f"http://127.0.0.1:9/{doc}", "response", payload=io.BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders("200 OK", [], protocol="HTTP/1.1"),
        )  # fmt: skip
        writer.write_record(record)
    at = when.isoformat()
    prov = {"source_id": "demo", "url": f"http://127.0.0.1:9/{doc}",
            "final_url": f"http://127.0.0.1:9/{doc}", "fetched_at": at, "sha256": "0" * 64,
            "batch_id": batch, "crawler_version": "t", "http_status": 200,
            "warc": {"file": str(warc), "offset": 0,
                     "record_id": record.rec_headers.get_header("WARC-Record-ID")}}  # fmt: skip
    lead = {"id": doc, "doc_id": doc, "source_id": "demo", "url": prov["url"], "title": doc,
            "snippet": "demo", "score": 30, "tier": "low", "explanation": ["x"],
            "categories": [], "domains": [], "selectors": [f"phone:{phone}"], "indicators": [],
            "entities": [], "batch_id": batch, "fetched_at": at, "seen_at": at,
            "scored_at": at, "sha256": "0" * 64}  # fmt: skip
    raw = {"id": doc, "text": "demo", "provenance": prov}
    helpers.bulk(es, [
        {"_index": settings.index("raw"), "_id": doc, "_source": raw},
        {"_index": settings.index("leads"), "_id": doc, "_source": lead},
    ], refresh=True)  # fmt: skip
    return warc


def exists(es: Any, settings: Settings, kind: str, doc: str) -> bool:
    return bool(es.exists(index=settings.index(kind), id=doc))


def test_expired_records_go_unless_a_hold_or_a_case_keeps_them(es: Any, settings: Settings) -> None:
    gone_warc = put(es, settings, "r-expired", "+17025550101", OLD, "b-old")
    put(es, settings, "r-held", "+17025550102", OLD, "b-old")
    put(es, settings, "r-in-case", "+17025550103", OLD, "b-old")
    put(es, settings, "r-lapsed-hold", "+17025550104", OLD, "b-old")
    put(es, settings, "r-released-hold", "+17025550105", OLD, "b-old")
    put(es, settings, "r-recent", "+17025550106", NEW, "b-new")
    add_hold(es, settings, "selector", "phone:+17025550102", "preservation order 26-001",
             "evidence in a pending case", "ana.test")  # fmt: skip
    add_hold(es, settings, "selector", "phone:+17025550104", "policy", "lapsed",
             "ana.test", expires_at=datetime.now(UTC) - timedelta(days=1))  # fmt: skip
    released = add_hold(es, settings, "selector", "phone:+17025550105", "policy", "done",
                        "ana.test")  # fmt: skip
    release_hold(es, settings, released.id, "ana.test", "no longer needed")
    case = new_case(es, settings, "Kept by its case", "Retention Test Unit", "ana.test")
    add(es, settings, case, "lead:r-in-case", "ana.test")

    dry = sweep(es, settings, "ana.test", dry_run=True)
    going = {"r-expired", "r-lapsed-hold", "r-released-hold"}
    assert set(dry.leads) == going and set(dry.raw) == going
    assert exists(es, settings, "leads", "r-expired")  # a dry run deletes nothing

    done = sweep(es, settings, "ana.test")
    assert set(done.leads) == going
    for doc in going:
        assert not exists(es, settings, "leads", doc) and not exists(es, settings, "raw", doc)
    for doc in ("r-held", "r-in-case", "r-recent"):
        assert exists(es, settings, "leads", doc) and exists(es, settings, "raw", doc)
    assert "hold" in done.kept["r-held"] and "in case" in done.kept["r-in-case"]
    assert not gone_warc.exists() and str(gone_warc) in done.warc_files
    tombstones = {(e["action"], e["target"]) for e in events(es, settings)}
    assert ("retention.delete.lead", "r-expired") in tombstones
    assert ("retention.delete.raw", "r-expired") in tombstones
    assert not any(t == "r-held" for _, t in tombstones)


def test_the_retention_dag_through_airflow(es: Any, settings: Settings, tmp_path: Path) -> None:
    put(es, settings, "d-expired", "+17025550111", OLD, "b-dag")
    put(es, settings, "d-held", "+17025550112", OLD, "b-dag")
    add_hold(es, settings, "selector", "phone:+17025550112", "preservation order 26-002",
             "pending", "ana.test")  # fmt: skip
    env = airflow_env(settings, tmp_path / "airflow")
    prepare(env)
    result = run_dag("lantern_retention", env)
    assert result.returncode == 0, (result.stdout or "")[-4000:]
    assert not exists(es, settings, "leads", "d-expired")
    assert exists(es, settings, "leads", "d-held")
    tombstones = [e for e in events(es, settings) if e["target"] == "d-expired"]
    assert {e["action"] for e in tombstones} == {"retention.delete.lead", "retention.delete.raw"}
    stamped = es.get(index=settings.index("leads"), id="d-held")["_source"]["retain_until"]
    assert stamped.startswith(str((OLD + timedelta(days=settings.retention_days)).year))


def test_retention_never_deletes_a_file_outside_the_evidence_store(
    es: Any, settings: Settings, tmp_path: Path
) -> None:
    precious = tmp_path / "precious.warc.gz"
    precious.write_bytes(b"not evidence")
    put(es, settings, "r-outside", "+17025550121", OLD, "b-out")
    es.update(index=settings.index("raw"), id="r-outside", refresh=True,
              doc={"provenance": {"warc": {"file": str(precious)}}})  # fmt: skip
    done = sweep(es, settings, "ana.test")
    assert "r-outside" in done.raw and precious.exists()
    refused = [e for e in events(es, settings) if e["action"] == "retention.refused"]
    assert refused and refused[-1]["target"] == str(precious)


def test_expired_tips_go_unless_a_hold_keeps_their_selector(
    es: Any, settings: Settings, tmp_path: Path
) -> None:
    from lantern.jobs.tips import ingest_tips
    from tests.conftest import write_jsonl

    old, new = (OLD.isoformat(), NEW.isoformat())
    tips = write_jsonl(tmp_path / "tips.jsonl", [
        {"received_at": old, "channel": "hotline", "region": "NV", "reference": "T-OLD",
         "text": "call 702-555-0121"},
        {"received_at": old, "channel": "hotline", "region": "NV", "reference": "T-HELD",
         "text": "call 702-555-0122"},
        {"received_at": new, "channel": "partner", "region": "NV", "reference": "T-NEW",
         "text": "call 702-555-0123"},
    ])  # fmt: skip
    report = ingest_tips(es, settings, tips, "ana.test")
    ids = {t.reference: t.id for t in report.tips}
    assert all(t.retain_until == t.received_at + timedelta(days=settings.retention_days)
               for t in report.tips)  # fmt: skip
    add_hold(es, settings, "selector", "phone:+17025550122", "preservation order 26-003",
             "a pending case", "ana.test")  # fmt: skip
    done = sweep(es, settings, "ana.test")
    assert done.tips == [ids["T-OLD"]]
    assert not exists(es, settings, "tips", ids["T-OLD"])
    assert exists(es, settings, "tips", ids["T-HELD"]) and exists(
        es, settings, "tips", ids["T-NEW"]
    )
    assert "hold" in done.kept[ids["T-HELD"]]
    tombstones = {(e["action"], e["target"]) for e in events(es, settings)}
    assert ("retention.delete.tip", ids["T-OLD"]) in tombstones
