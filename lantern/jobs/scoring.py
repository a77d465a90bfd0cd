"""Extract and score a batch: raw documents in ``<prefix>-raw`` become leads in
``<prefix>-leads`` (idempotent: a lead's id is its document's id).

The stages overlap: this process reads the batch and writes leads (both mostly waiting on
Elasticsearch) while worker processes (:mod:`lantern.jobs.workers`) validate, extract
and serialise, a chunk of raw documents at a time, so every core is in use.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import ValidationError

from lantern.jobs.workers import Mapper, chunked, processes
from leads.batches import batch_query, batch_totals, build_lead
from leads.deadletters import dead_letter
from leads.models import DeadLetter, RawDocument
from leads.settings import Settings
from leads.store import bulk_index, record_dead_letters, scan
from leads.text import replace_surrogates
from leads.validation import validation_message

__all__ = ["batch_totals", "score_batch", "score_chunk", "score_ref"]

CHUNK = 256  # raw documents per task: enough to pay for the trip, small to keep order
Scored = tuple[list[tuple[str, bytes]], list[tuple[str, str]]]


def score_chunk(sources: list[dict[str, Any]], scored_at: datetime, model: str | None) -> Scored:
    """Leads for raw documents (as stored): each ``(id, lead as JSON)``, and each
    document that could not be made into one as ``(id, reason)``. Pure but for the
    pipeline it loads once per process."""
    from nlp.pipeline import extract_many

    made: list[tuple[str, bytes]] = []
    refused: list[tuple[str, str]] = []
    raws: dict[str, RawDocument] = {}
    for source in sources:
        try:
            raw = RawDocument.model_validate(source)
        except ValidationError as exc:
            refused.append((str(source.get("id")), validation_message(exc)))
            continue
        raws[raw.id] = raw
    # Stored before text was cleaned at the edge: clean it here too.
    texts = ((raw.id, replace_surrogates(raw.text)[0]) for raw in raws.values())
    for extraction in extract_many(texts, model=model):
        raw = raws[extraction.id]
        try:
            made.append((raw.id, build_lead(raw, extraction, scored_at).model_dump_json().encode()))
        except (ValidationError, ValueError) as exc:
            reason = validation_message(exc) if isinstance(exc, ValidationError) else str(exc)
            refused.append((raw.id, reason[:500]))
    return made, refused


def score_batch(
    es: Elasticsearch, settings: Settings, batch_id: str, source_id: str | None = None
) -> dict[str, int]:
    """Extracts and scores every raw document of a batch; writes leads idempotently.
    A document that cannot be read or made into a lead is a dead letter; the rest go on."""
    from nlp.pipeline import get_pipeline

    # Built here, once: forked workers share it rather than each building their own
    # (building is CPU-bound: in two workers at once it costs a core for nothing).
    get_pipeline(settings.spacy_model)
    dead: list[DeadLetter] = []
    now = datetime.now(UTC)
    sources = scan(es, settings, "raw", batch_query(batch_id, source_id))
    chunks = chunked(sources, CHUNK)

    def leads(run: Mapper) -> Iterator[tuple[str, bytes]]:
        for made, refused in run(score_chunk, chunks, now, settings.spacy_model):
            dead.extend(dead_letter("score", rid, why, batch_id) for rid, why in refused)
            yield from made

    try:
        with processes(settings) as run:
            report = bulk_index(
                es, settings, "leads", leads(run), stage="score", batch_id=batch_id, refresh=True
            )
    except BaseException:  # Elasticsearch away, a worker killed: the letters are kept
        record_dead_letters(None, settings, dead, batch_id=batch_id)  # in the spill file
        raise
    record_dead_letters(es, settings, dead, batch_id=batch_id)
    return {"leads": report.indexed, "dead_letters": len(report.failed) + len(dead)}


def score_ref(es: Elasticsearch, settings: Settings, ref: dict[str, str]) -> dict[str, Any]:
    """Scores one collected batch (``{"batch_id", "source_id"}``): what every collection
    DAG's score task runs."""
    return {**ref, **score_batch(es, settings, ref["batch_id"], ref["source_id"])}
