"""Leads from raw documents (pure), and the reads and summaries batches are made of."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from leads.models import Extraction, Lead, RawDocument
from leads.regions import regions_of
from leads.settings import Settings
from leads.taxonomy import LINKING_TYPES

SNIPPET_CHARS = 400


def build_lead(raw: RawDocument, extraction: Extraction, scored_at: datetime) -> Lead:
    """A lead from a raw document and its extraction (pure: no I/O)."""
    selectors = sorted(
        {f"{e.type}:{e.value}" for e in extraction.entities if e.type in LINKING_TYPES}
        | {f"image:{img.phash}" for img in raw.images}
    )
    places = [
        {"lat": e.lat, "lon": e.lon}
        for e in extraction.entities
        if e.type == "location" and e.lat is not None and e.lon is not None
    ]
    states, counties = regions_of([e.value for e in extraction.entities if e.type == "location"])
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
        states=states,
        counties=counties,
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


def backfill_regions(es: Elasticsearch, settings: Settings) -> int:
    """Gives leads scored before they carried ``states`` and ``counties`` their regions,
    from the places already extracted (no re-extraction): a regional figure must not
    read older leads as pointing nowhere."""
    from leads.store import partial_update, scan

    missing = {
        "bool": {
            "must_not": [{"exists": {"field": "states"}}],
            "filter": [
                {"nested": {"path": "entities", "query": {"term": {"entities.type": "location"}}}}
            ],
        }
    }
    updates = []
    for lead in scan(es, settings, "leads", missing, source=["id", "entities"]):
        places = [e["value"] for e in lead.get("entities") or [] if e.get("type") == "location"]
        states, counties = regions_of(places)
        if states or counties:
            updates.append((lead["id"], {"states": states, "counties": counties}))
    for i in range(0, len(updates), 500):
        partial_update(es, settings, "leads", updates[i : i + 500])
    return len(updates)


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


def batch_totals(results: list[dict[str, Any]]) -> tuple[list[Any], dict[str, int]]:
    """The batches scored and the leads and dead letters they made, for a run summary."""
    batches = sorted({r["batch_id"] for r in results})
    totals = {
        "leads": sum(r["leads"] for r in results),
        "dead_letters": sum(r["dead_letters"] for r in results),
    }
    return batches, totals
