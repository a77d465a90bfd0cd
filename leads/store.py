"""The Elasticsearch store: index templates behind aliases, idempotent bulk writes.

Every bulk reports what went in and what did not; what did not becomes a dead letter
with its reason (counts in = indexed + dead letters, always).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from leads.ids import stable_id
from leads.models import DeadLetter
from leads.settings import Settings

MAPPINGS_DIR = Path(__file__).with_name("mappings")
KINDS = (
    "raw",
    "leads",
    "entities",
    "templates",
    "deadletters",
    "state",
    "gw-records",
    "gw-employers",
    "gw-joborders",
    "gw-files",
)


class StoreError(RuntimeError):
    """Elasticsearch cannot be used (unreachable, refused, misconfigured)."""


@dataclass
class BulkReport:
    indexed: int = 0
    failed: list[DeadLetter] = field(default_factory=list)


def connect(settings: Settings) -> Elasticsearch:
    auth = (
        (settings.es_username, settings.es_password)
        if settings.es_username and settings.es_password
        else None
    )
    options: dict[str, Any] = {"ca_certs": settings.es_ca_certs} if settings.es_ca_certs else {}
    es = Elasticsearch(
        settings.es_url,
        basic_auth=auth,
        request_timeout=30,
        retry_on_timeout=True,
        max_retries=3,
        **options,
    )
    try:
        es.cluster.health(timeout="5s")
    except (TransportError, ApiError) as exc:
        raise StoreError(f"Elasticsearch unreachable at {settings.es_url}: {exc}") from None
    return es


def load_mapping(kind: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((MAPPINGS_DIR / f"{kind}.json").read_text())
    spec.pop("_comment", None)
    return spec


def ensure_indices(es: Elasticsearch, settings: Settings) -> None:
    """Templates for every kind, and a versioned backing index behind each alias."""
    for kind in KINDS:
        spec = load_mapping(kind)
        alias = settings.index(kind)
        es.indices.put_index_template(
            name=alias,
            index_patterns=[f"{alias}-v*"],
            template={"settings": spec["settings"], "mappings": spec["mappings"]},
            version=spec["version"],
            priority=100,
        )
        if not es.indices.exists_alias(name=alias):
            es.indices.create(
                index=f"{alias}-v{spec['version']}", aliases={alias: {"is_write_index": True}}
            )
        else:
            # Added fields reach existing indices; a changed field type is refused here
            # and needs a new version (a reindex), as it should.
            es.indices.put_mapping(index=alias, **spec["mappings"])


def drop_indices(es: Elasticsearch, settings: Settings) -> None:
    """Removes every index and template under the prefix (tests and ``lantern reset``)."""
    for kind in KINDS:
        alias = settings.index(kind)
        es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True)
        es.options(ignore_status=404).indices.delete_index_template(name=alias)


def dead_letter(
    stage: str, record_id: str, reason: str, batch_id: str | None, payload: str | None = None
) -> DeadLetter:
    return DeadLetter(
        id=stable_id("dead", stage, batch_id or "", record_id),
        stage=stage,
        record_id=record_id,
        reason=reason[:2000],
        batch_id=batch_id,
        at=datetime.now(UTC),
        payload=payload[:10000] if payload else None,
    )


def _actions(index: str, docs: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for doc_id, source in docs:
        yield {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source}


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type')}: {error.get('reason')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict):
            reason += f" ({cause.get('type')}: {cause.get('reason')})"
        return reason
    return str(error or info.get("status"))


def bulk_index(
    es: Elasticsearch,
    settings: Settings,
    kind: str,
    docs: Iterable[tuple[str, dict[str, Any]]],
    *,
    stage: str,
    batch_id: str | None = None,
    refresh: bool = False,
) -> BulkReport:
    """Indexes ``(id, source)`` pairs; 429s are retried with backoff, other item
    failures become dead letters (also written to the dead-letter index)."""
    report = BulkReport()
    for ok, item in helpers.streaming_bulk(
        es,
        _actions(settings.index(kind), docs),
        chunk_size=settings.bulk_chunk_size,
        max_retries=settings.bulk_max_retries,
        initial_backoff=1,
        raise_on_error=False,
        raise_on_exception=False,
    ):
        info = next(iter(item.values()))
        if ok:
            report.indexed += 1
        else:
            report.failed.append(
                dead_letter(stage, str(info.get("_id")), f"{kind}: {_reason(info)}", batch_id)
            )
    record_dead_letters(es, settings, report.failed)
    if refresh:
        es.indices.refresh(index=settings.index(kind))
    return report


def record_dead_letters(es: Elasticsearch, settings: Settings, letters: list[DeadLetter]) -> None:
    if not letters:
        return
    helpers.bulk(
        es,
        _actions(
            settings.index("deadletters"),
            ((letter.id, letter.model_dump(mode="json")) for letter in letters),
        ),
        refresh=True,
    )


def count(
    es: Elasticsearch, settings: Settings, kind: str, query: dict[str, Any] | None = None
) -> int:
    es.indices.refresh(index=settings.index(kind))
    return int(es.count(index=settings.index(kind), query=query)["count"])


def scan(
    es: Elasticsearch,
    settings: Settings,
    kind: str,
    query: dict[str, Any],
    source: list[str] | None = None,
    refresh: bool = True,
) -> Iterator[dict[str, Any]]:
    """Every matching document. ``refresh`` first makes recent writes visible (crawls
    write without refreshing); a caller reading many times in a row refreshes once."""
    if refresh:
        es.indices.refresh(index=settings.index(kind))
    body: dict[str, Any] = {"query": query}
    if source is not None:
        body["_source"] = source
    for hit in helpers.scan(es, index=settings.index(kind), query=body):
        yield hit["_source"]


def delete_where(es: Elasticsearch, settings: Settings, kind: str, query: dict[str, Any]) -> int:
    """Deletes every matching document (the minimal local node has no delete-by-query)."""
    index = settings.index(kind)
    es.indices.refresh(index=index)
    ids = [
        hit["_id"] for hit in helpers.scan(es, index=index, query={"query": query}, _source=False)
    ]
    actions = ({"_op_type": "delete", "_index": index, "_id": i} for i in ids)
    helpers.bulk(es, actions, raise_on_error=False, refresh=True)
    return len(ids)


def partial_update(
    es: Elasticsearch, settings: Settings, kind: str, docs: list[tuple[str, dict[str, Any]]]
) -> None:
    """Partial document updates by id (no scripts: the minimal local node has no Painless)."""
    if not docs:
        return
    actions = (
        {"_op_type": "update", "_index": settings.index(kind), "_id": doc_id, "doc": body}
        for doc_id, body in docs
    )
    for ok, item in helpers.streaming_bulk(es, actions, raise_on_error=False):
        if not ok:
            raise StoreError(f"update of {kind} failed: {item}")
    es.indices.refresh(index=settings.index(kind))
