"""Batch stages over Elasticsearch: score the raw documents of a batch into leads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import ValidationError

from leads.models import DeadLetter, Extraction, Lead, RawDocument
from leads.settings import Settings
from leads.store import bulk_index, dead_letter, record_dead_letters, scan

SNIPPET_CHARS = 400


def build_lead(raw: RawDocument, extraction: Extraction, scored_at: datetime) -> Lead:
    """A lead from a raw document and its extraction (pure: no I/O)."""
    selectors = sorted(
        {
            f"{e.type}:{e.value}"
            for e in extraction.entities
            if e.type in ("phone", "email", "social_handle", "payment_handle", "crypto_address")
        }
        | {f"image:{img.phash}" for img in raw.images}
    )
    places = [
        {"lat": e.lat, "lon": e.lon}
        for e in extraction.entities
        if e.type == "location" and e.lat is not None and e.lon is not None
    ]
    return Lead(
        id=raw.id,
        doc_id=raw.id,
        source_id=raw.provenance.source_id,
        url=raw.provenance.url,
        title=raw.title,
        snippet=raw.text[:SNIPPET_CHARS],
        score=extraction.score,
        tier=extraction.tier,
        explanation=extraction.explanation,
        categories=sorted({i.category for i in extraction.indicators}),
        domains=sorted({i.domain for i in extraction.indicators}),
        selectors=selectors,
        places=places,
        indicators=extraction.indicators,
        entities=extraction.entities,
        batch_id=raw.provenance.batch_id,
        fetched_at=raw.provenance.fetched_at,
        seen_at=posted_or_fetched(raw),
        scored_at=scored_at,
        sha256=raw.provenance.sha256,
        document_score=extraction.score,
        document_explanation=extraction.explanation,
    )


def posted_or_fetched(raw: RawDocument) -> datetime:
    """The ad's own posting date when it gives one as an ISO date, else the fetch time:
    posting rates must follow the poster, not our crawl schedule."""
    if raw.posted_at:
        try:
            posted = datetime.fromisoformat(raw.posted_at.strip()[:10])
        except ValueError:
            pass
        else:
            return posted.replace(tzinfo=UTC)
    return raw.provenance.fetched_at


def batch_query(batch_id: str, source_id: str | None = None) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [{"term": {"provenance.batch_id": batch_id}}]
    if source_id:
        filters.append({"term": {"provenance.source_id": source_id}})
    return {"bool": {"filter": filters}}


def score_batch(
    es: Elasticsearch, settings: Settings, batch_id: str, source_id: str | None = None
) -> dict[str, int]:
    """Extracts and scores every raw document of a batch; writes leads idempotently."""
    from nlp.pipeline import extract_many  # spaCy loads only when a batch is scored

    dead: list[DeadLetter] = []
    raws: dict[str, RawDocument] = {}

    def texts() -> Iterator[tuple[str, str]]:
        for source in scan(es, settings, "raw", batch_query(batch_id, source_id)):
            try:
                raw = RawDocument.model_validate(source)
            except ValidationError as exc:
                dead.append(dead_letter("score", str(source.get("id")), str(exc), batch_id))
                continue
            raws[raw.id] = raw
            yield raw.id, raw.text

    now = datetime.now(UTC)

    def leads() -> Iterator[tuple[str, dict[str, Any]]]:
        for extraction in extract_many(texts()):
            lead = build_lead(raws.pop(extraction.id), extraction, now)
            yield lead.id, lead.model_dump(mode="json")

    report = bulk_index(
        es, settings, "leads", leads(), stage="score", batch_id=batch_id, refresh=True
    )
    record_dead_letters(es, settings, dead)
    return {"leads": report.indexed, "dead_letters": len(report.failed) + len(dead)}


def top_leads(
    es: Elasticsearch, settings: Settings, size: int = 10, batch_id: str | None = None
) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"term": {"batch_id": batch_id}} if batch_id else {"match_all": {}}
    es.indices.refresh(index=settings.index("leads"))
    result = es.search(
        index=settings.index("leads"),
        query=query,
        size=size,
        sort=[{"score": "desc"}, {"id": "asc"}],
        source_excludes=["entities", "indicators"],
    )
    return [hit["_source"] for hit in result["hits"]["hits"]]


def score_ref(ref: dict[str, str]) -> dict[str, Any]:
    """Scores one collected batch (``{"batch_id", "source_id"}``): what every collection
    DAG's score task runs."""
    from leads.settings import get_settings
    from leads.store import connect, ensure_indices

    settings = get_settings()
    es = connect(settings)
    ensure_indices(es, settings)
    return {**ref, **score_batch(es, settings, ref["batch_id"], ref["source_id"])}


def batch_totals(results: list[dict[str, Any]]) -> tuple[list[Any], dict[str, int]]:
    """The batches scored and the leads and dead letters they made, for a run summary."""
    batches = sorted({r["batch_id"] for r in results})
    totals = {
        "leads": sum(r["leads"] for r in results),
        "dead_letters": sum(r["dead_letters"] for r in results),
    }
    return batches, totals
