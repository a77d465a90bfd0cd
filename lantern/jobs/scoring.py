"""Extract and score a batch: raw documents in ``<prefix>-raw`` become leads in
``<prefix>-leads`` (idempotent: a lead's id is its document's id)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import ValidationError

from leads.batches import batch_query, batch_totals, build_lead
from leads.deadletters import dead_letter
from leads.models import DeadLetter, RawDocument
from leads.settings import Settings
from leads.store import StoreError, bulk_index, record_dead_letters, scan
from leads.text import replace_surrogates
from leads.validation import validation_message

__all__ = ["batch_totals", "score_batch", "score_ref"]


def score_batch(
    es: Elasticsearch, settings: Settings, batch_id: str, source_id: str | None = None
) -> dict[str, int]:
    """Extracts and scores every raw document of a batch; writes leads idempotently.
    A document that cannot be read or made into a lead is a dead letter; the rest go on."""
    from nlp.pipeline import extract_many  # spaCy loads only when a batch is scored

    dead: list[DeadLetter] = []
    raws: dict[str, RawDocument] = {}

    def texts() -> Iterator[tuple[str, str]]:
        for source in scan(es, settings, "raw", batch_query(batch_id, source_id)):
            try:
                raw = RawDocument.model_validate(source)
            except ValidationError as exc:
                record = str(source.get("id"))
                dead.append(dead_letter("score", record, validation_message(exc), batch_id))
                continue
            raws[raw.id] = raw
            # Stored before text was cleaned at the edge: clean it here too.
            yield raw.id, replace_surrogates(raw.text)[0]

    now = datetime.now(UTC)

    def leads() -> Iterator[tuple[str, dict[str, Any]]]:
        for extraction in extract_many(texts()):
            raw = raws.pop(extraction.id)
            try:
                lead = build_lead(raw, extraction, now)
            except ValidationError as exc:
                dead.append(dead_letter("score", raw.id, validation_message(exc), batch_id))
                continue
            yield lead.id, lead.model_dump(mode="json")

    try:
        report = bulk_index(
            es, settings, "leads", leads(), stage="score", batch_id=batch_id, refresh=True
        )
    except StoreError:
        record_dead_letters(None, settings, dead, batch_id=batch_id)  # kept in the file
        raise
    record_dead_letters(es, settings, dead, batch_id=batch_id)
    return {"leads": report.indexed, "dead_letters": len(report.failed) + len(dead)}


def score_ref(es: Elasticsearch, settings: Settings, ref: dict[str, str]) -> dict[str, Any]:
    """Scores one collected batch (``{"batch_id", "source_id"}``): what every collection
    DAG's score task runs."""
    return {**ref, **score_batch(es, settings, ref["batch_id"], ref["source_id"])}
