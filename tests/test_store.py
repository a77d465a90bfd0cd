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


def test_concurrent_chunks_keep_the_last_version_and_count_every_item(
    es: Any, settings: Settings
) -> None:
    """Chunks go out several at a time; a document written twice in one run must still
    end as its later version (the chunk holding it waits for the earlier one), and one
    refused item among many costs that item alone."""
    eager = settings.model_copy(update={"bulk_chunk_size": 2, "bulk_concurrency": 8})
    docs = [_raw(f"order-{i % 5}") for i in range(600)]  # every id written 120 times
    for n, doc in enumerate(docs):
        doc["text"] = f"version {n}"
    docs[301] = {**_raw("order-bad"), "unexpected_field": "refused"}
    report = bulk_index(es, eager, "raw", ((d["id"], d) for d in docs), stage="test", refresh=True)
    assert report.indexed == 599
    assert [letter.record_id for letter in report.failed] == ["order-bad"]
    stored = {d["id"]: d["text"] for d in scan(es, settings, "raw", {"prefix": {"id": "order-"}})}
    last = {d["id"]: d["text"] for d in docs if d["id"] != "order-bad"}
    assert stored == last


def test_partial_updates_go_in_concurrent_chunks_and_say_what_did_not_take(
    es: Any, settings: Settings
) -> None:
    from leads.store import partial_update

    eager = settings.model_copy(update={"bulk_chunk_size": 2, "bulk_concurrency": 3})
    docs = [_raw(f"upd-{i}") for i in range(9)]
    bulk_index(es, settings, "raw", ((d["id"], d) for d in docs), stage="test", refresh=True)
    partial_update(es, eager, "raw", [(d["id"], {"notes": f"seen {d['id']}"}) for d in docs])
    notes = {d["id"]: d["notes"] for d in scan(es, settings, "raw", {"prefix": {"id": "upd-"}})}
    assert notes == {d["id"]: f"seen {d['id']}" for d in docs}
    with pytest.raises(StoreError, match=r"1 of 3 raw updates failed \(first: upd-missing"):
        partial_update(es, eager, "raw", [("upd-0", {"notes": "a"}),
                                          ("upd-missing", {"notes": "b"}),
                                          ("upd-1", {"notes": "c"})])  # fmt: skip


def test_a_chunk_waits_for_a_chunk_in_flight_that_holds_the_same_id() -> None:
    """The order guarantee itself, deterministically: the first chunk is slow; a later
    chunk with one of its ids must not start before it ends, while a chunk of other ids
    goes out at once."""
    import threading
    import time

    from leads.store import _InFlight

    events: list[str] = []
    lock = threading.Lock()

    class Sender:
        def send(self, chunk: list[tuple[str, bytes]]) -> None:
            name = "+".join(doc_id for doc_id, _ in chunk)
            with lock:
                events.append(f"start {name}")
            if name == "a+b":
                time.sleep(0.5)
            with lock:
                events.append(f"end {name}")

    flight = _InFlight(Sender(), 4)  # type: ignore[arg-type]
    flight.submit([("a", b""), ("b", b"")])
    flight.submit([("c", b"")])
    flight.submit([("d", b""), ("a", b"")])
    flight.finish()
    assert events.index("end a+b") < events.index("start d+a")
    assert events.index("start c") < events.index("end a+b")


def test_setup_writes_nothing_when_all_is_in_place_and_adds_a_new_field(
    es: Any, settings: Settings, tmp_path: Any
) -> None:
    """Every command sets up the indices first: when templates and mappings are already
    as specified it must not touch the cluster state (each write costs a cluster-state
    update); a field added to a mapping must still reach the live index."""
    import json

    ensure_indices(es, settings)
    before = es.cluster.state(metric="version")["version"]
    ensure_indices(es, settings)
    assert es.cluster.state(metric="version")["version"] == before

    spec = load_mapping("raw")
    spec["mappings"]["properties"]["added_for_test"] = {"type": "keyword"}
    (tmp_path / "raw.json").write_text(json.dumps(spec))
    ensure_indices(es, settings, ["raw"], folder=tmp_path)
    live = es.indices.get_mapping(index=settings.index("raw"))
    assert "added_for_test" in next(iter(live.values()))["mappings"]["properties"]
