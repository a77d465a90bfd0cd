"""The Elasticsearch store against the real local node."""

from __future__ import annotations

from typing import Any

import pytest

from leads.settings import Settings
from leads.store import (
    StoreError,
    bulk_index,
    count,
    delete_where,
    ensure_indices,
    load_mapping,
    scan,
)


def _raw(doc_id: str, fetched_at: str = "2026-11-01T00:00:00Z") -> dict[str, Any]:
    return {
        "id": doc_id,
        "text": f"ad {doc_id}",
        "provenance": {
            "source_id": "test-store",
            "url": f"http://example.test/{doc_id}",
            "final_url": f"http://example.test/{doc_id}",
            "fetched_at": fetched_at,
            "sha256": "0" * 64,
            "batch_id": "store-batch",
            "crawler_version": "test",
            "http_status": 200,
        },
    }


def test_indices_sit_behind_aliases_and_setup_is_idempotent(es: Any, settings: Settings) -> None:
    ensure_indices(es, settings)
    ensure_indices(es, settings)
    aliases = es.indices.get_alias(name=settings.index("raw"))
    assert list(aliases) == [f"{settings.index('raw')}-v{load_mapping('raw')['version']}"]
    mapping = es.indices.get_mapping(index=settings.index("leads"))
    assert next(iter(mapping.values()))["mappings"]["dynamic"] == "strict"


def test_bulk_with_one_malformed_document_indexes_the_others_and_records_why(
    es: Any, settings: Settings
) -> None:
    docs = [_raw("good-1"), _raw("bad-1", fetched_at="not a date"), _raw("good-2")]
    stray = _raw("bad-2")
    stray["unexpected_field"] = "strict mappings refuse this"
    docs.append(stray)

    report = bulk_index(
        es,
        settings,
        "raw",
        ((d["id"], d) for d in docs),
        stage="test",
        batch_id="store-batch",
        refresh=True,
    )

    assert report.indexed == 2
    assert sorted(letter.record_id for letter in report.failed) == ["bad-1", "bad-2"]
    query = {"term": {"provenance.source_id": "test-store"}}
    assert count(es, settings, "raw", query) == 2
    stored = {
        d["record_id"]: d
        for d in scan(es, settings, "deadletters", {"term": {"batch_id": "store-batch"}})
    }
    assert "fetched_at" in stored["bad-1"]["reason"]
    assert "unexpected_field" in stored["bad-2"]["reason"]


def test_rewriting_the_same_documents_changes_no_counts(es: Any, settings: Settings) -> None:
    docs = [_raw(f"same-{i}") for i in range(5)]
    for _ in range(2):
        report = bulk_index(
            es, settings, "raw", ((d["id"], d) for d in docs), stage="test", refresh=True
        )
        assert report.indexed == 5
    assert count(es, settings, "raw", {"prefix": {"id": "same-"}}) == 5


def test_delete_where_says_what_it_could_not_delete(es: Any, settings: Settings) -> None:
    docs = [_raw(f"keep-{i}") for i in range(3)]
    bulk_index(es, settings, "raw", ((d["id"], d) for d in docs), stage="test", refresh=True)
    index = settings.index("raw")
    es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        with pytest.raises(StoreError, match="3 of 3 raw documents could not be deleted"):
            delete_where(es, settings, "raw", {"prefix": {"id": "keep-"}})
    finally:
        es.indices.put_settings(index=index, settings={"index.blocks.write": False})
    assert count(es, settings, "raw", {"prefix": {"id": "keep-"}}) == 3
