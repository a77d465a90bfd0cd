"""Collector state (cursors, last ids, per-target status) kept in Elasticsearch.

State lives in the ``lantern-state`` index, not on a worker's disk, so any worker can
run a source's next collection. A cursor is written only after the posts it covers
were handed to the sink, so a run that stops early fetches them again next time
(documents have stable ids: fetched twice, stored once).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from leads.ids import stable_id
from leads.settings import Settings


class State(Protocol):
    def get(self, source_id: str, key: str) -> str | None: ...

    def put(self, source_id: str, key: str, value: str, batch_id: str | None = None) -> None: ...

    def status(self, source_id: str, key: str, status: str, detail: str = "") -> None: ...


class EsState:
    def __init__(self, es: Any, settings: Settings) -> None:
        self.es = es
        self.index = settings.index("state")

    def _id(self, source_id: str, key: str) -> str:
        return stable_id("state", source_id, key)

    def get(self, source_id: str, key: str) -> str | None:
        # GET by id is real-time in Elasticsearch: no refresh needed to read a write.
        found = self.es.options(ignore_status=404).get(
            index=self.index, id=self._id(source_id, key)
        )
        if not found.get("found"):
            return None
        value = found["_source"].get("value")
        return str(value) if value is not None else None

    def put(self, source_id: str, key: str, value: str, batch_id: str | None = None) -> None:
        self._write(source_id, key, {"value": value, "status": "ok", "batch_id": batch_id})

    def status(self, source_id: str, key: str, status: str, detail: str = "") -> None:
        self._write(source_id, f"status:{key}", {"status": status, "detail": detail})

    def _write(self, source_id: str, key: str, body: dict[str, Any]) -> None:
        doc = {"source_id": source_id, "key": key, "updated_at": datetime.now(UTC), **body}
        self.es.index(index=self.index, id=self._id(source_id, key), document=doc)


class MemoryState:
    """For runs without Elasticsearch (``--no-index``): state for this process only."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.statuses: dict[tuple[str, str], tuple[str, str]] = {}

    def get(self, source_id: str, key: str) -> str | None:
        return self.values.get((source_id, key))

    def put(self, source_id: str, key: str, value: str, batch_id: str | None = None) -> None:
        self.values[(source_id, key)] = value

    def status(self, source_id: str, key: str, status: str, detail: str = "") -> None:
        self.statuses[(source_id, key)] = (status, detail)
