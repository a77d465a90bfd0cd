"""Where collected posts go: JSON Lines and/or Elasticsearch, with evidence and errors.

- Every page fetched over HTTP is written to a WARC file (SHA-256 payload digest) and
  each post points at the record it came in. Jetstream events come over a WebSocket,
  not as pages: they have no WARC record; the raw event is hashed into the provenance.
- ``--out``: one raw document per post seen, in the order seen.
- Elasticsearch: documents already stored (same content, another sighting) get the new
  sighting added, not a second copy; the first sighting's provenance stays.
- A post or page that cannot be used becomes a dead letter with its reason and a
  one-line error on stderr; the rest of the run goes on.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from elasticsearch import ApiError, TransportError

from crawlers.middlewares.evidence import WarcFile
from crawlers.social.client import Fetched
from crawlers.social.posts import Post, PostError, merge_sightings, post_document
from leads.deadletters import dead_letter
from leads.models import DeadLetter, RawDocument, WarcRef
from leads.settings import Settings
from leads.store import StoreError, StoreUnavailable, bulk_index, record_dead_letters
from leads.text import one_line
from leads.unsent import keep_unsent, unsent_path


@dataclass
class Report:
    source_id: str
    batch_id: str
    posts: int = 0  # posts handed to the sink
    documents: int = 0  # distinct documents written this run
    new_sightings: int = 0  # of documents already stored
    errors: int = 0
    targets: dict[str, str] = field(default_factory=dict)  # target -> ok / skipped: … / …

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "batch_id": self.batch_id,
            "posts": self.posts,
            "documents": self.documents,
            "new_sightings": self.new_sightings,
            "errors": self.errors,
            "targets": dict(self.targets),
        }


class PageEvidence:
    """Fetched pages in the run's WARC file (the same writer the crawler uses)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.warc = WarcFile(folder, name)

    def record(self, page: Fetched) -> WarcRef:
        record_id, offset = self.warc.write(
            page.final_url, page.status, page.headers.items(), page.body
        )
        return WarcRef(file=self.warc.path.name, record_id=record_id, offset=offset)

    def close(self) -> None:
        self.warc.close()


class PostSink:
    def __init__(
        self,
        source_id: str,
        batch_id: str,
        *,
        settings: Settings,
        es: Any = None,
        out: TextIO | None = None,
        evidence: PageEvidence | None = None,
        stage: str = "collect",
        spill: Path | None = None,
    ) -> None:
        self.settings = settings
        self.es = es
        self.out = out
        self.evidence = evidence
        self.stage = stage
        self.spill = spill
        self.report = Report(source_id, batch_id)
        self._pending: dict[str, RawDocument] = {}
        self._dead: list[DeadLetter] = []
        self._lock = threading.Lock()

    @property
    def source_id(self) -> str:
        return self.report.source_id

    def page(self, page: Fetched) -> WarcRef | None:
        return self.evidence.record(page) if self.evidence else None

    def add(self, post: Post) -> None:
        try:
            doc = post_document(post, self.source_id, self.report.batch_id)
        except PostError as exc:
            self.error(post.url, str(exc))
            return
        with self._lock:
            self.report.posts += 1
            if self.out is not None:
                self.out.write(doc.model_dump_json() + "\n")
            kept = self._pending.get(doc.id)
            if kept is None:
                self._pending[doc.id] = doc
            else:
                merge_sightings(kept, doc)
            if len(self._pending) >= self.settings.bulk_chunk_size:
                self._flush_locked()

    def error(self, record: str, reason: str, payload: str | None = None) -> None:
        """One item or page that could not be used: a line on stderr and a dead letter."""
        line = f"collect {self.source_id}: {record}: {reason}"
        print(one_line(line, 500), file=sys.stderr, flush=True)
        with self._lock:
            self.report.errors += 1
            self._dead.append(
                dead_letter(self.stage, record, reason, self.report.batch_id, payload)
            )

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        docs = list(self._pending.values())
        self._pending.clear()
        if self.es is None:
            self.report.documents += len(docs)
            record_dead_letters(None, self.settings, self._dead, spill=self.spill)
            self._dead.clear()
            return
        try:
            self._store(docs)
        except (StoreError, ApiError, TransportError) as exc:
            # Elasticsearch away: keep what was collected and what failed, then stop.
            path = unsent_path(self.settings, self.report.batch_id)
            keep_unsent(path, docs)
            record_dead_letters(None, self.settings, self._dead, spill=self.spill)
            self._dead.clear()
            why = (
                str(exc)
                if isinstance(exc, StoreError)
                else (f"Elasticsearch at {self.settings.es_url} failed ({type(exc).__name__})")
            )
            raise StoreUnavailable(
                f"{why}; the {len(docs)} posts not yet stored are in {path} "
                "(load them with `lantern index FILE --kind raw`, or run the source again)"
            ) from None
        record_dead_letters(self.es, self.settings, self._dead, spill=self.spill)
        self._dead.clear()

    def _store(self, docs: list[RawDocument]) -> None:
        if docs:
            stored = self._stored(d.id for d in docs)
            write: list[RawDocument] = []
            for doc in docs:
                old = stored.get(doc.id)
                if old is None:
                    write.append(doc)
                elif merge_sightings(old, doc):
                    self.report.new_sightings += 1
                    write.append(old)
            report = bulk_index(
                self.es,
                self.settings,
                "raw",
                ((d.id, d.model_dump(mode="json")) for d in write),
                stage=f"{self.stage}-index",
                batch_id=self.report.batch_id,
                spill=self.spill,
            )
            self.report.documents += report.indexed
            self.report.errors += len(report.failed)

    def _stored(self, ids: Any) -> dict[str, RawDocument]:
        found = self.es.mget(index=self.settings.index("raw"), ids=list(ids))
        return {
            d["_id"]: RawDocument.model_validate(d["_source"])
            for d in found["docs"]
            if d.get("found")
        }


def print_summary(report: Report) -> None:
    print(json.dumps({"collect_summary": report.as_dict()}), file=sys.stderr, flush=True)
