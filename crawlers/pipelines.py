"""Item pipeline: every item is written to the configured sinks (JSON Lines and/or
Elasticsearch) in chunks; counts are kept so the run can report what it collected.

Dead letters go to Elasticsearch with the documents, or beside the JSON Lines output
when there is no Elasticsearch (``--no-index``). When Elasticsearch goes away for longer
than its retry window, the crawl stops with one line naming it; the documents not yet
indexed are kept in an ``unsent`` JSON Lines file that ``lantern index`` loads, so
nothing collected is lost and a re-run converges.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from leads.deadletters import spill_path
from leads.models import DeadLetter, RawDocument
from leads.settings import get_settings
from leads.store import StoreUnavailable, bulk_index, record_dead_letters
from leads.unsent import keep_unsent, unsent_path

# The indices a crawl writes to: documents and dead letters.
CRAWL_KINDS = ("raw", "deadletters")


class OutputPipeline:
    def __init__(self, crawler: Crawler, out: str | None, index: bool, batch_id: str) -> None:
        self.crawler = crawler
        self.out_path = out
        self.index = index
        self.batch_id = batch_id
        self.out: TextIO | None = None
        self.pending: list[RawDocument] = []
        self.dead: list[DeadLetter] = []
        self.stats: dict[str, Any] = {"documents": 0, "indexed": 0, "dead_letters": 0}
        self.es: Any = None
        self.settings = get_settings()
        self.spill = spill_path(self.settings, batch_id, out)
        self.unsent = unsent_path(self.settings, batch_id)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputPipeline:
        s = crawler.settings
        return cls(crawler, s.get("LANTERN_OUT"), s.getbool("LANTERN_INDEX"), s["LANTERN_BATCH_ID"])

    def open_spider(self) -> None:
        if self.out_path == "-":
            self.out = sys.stdout
        elif self.out_path:
            Path(self.out_path).parent.mkdir(parents=True, exist_ok=True)
            self.out = open(self.out_path, "w", encoding="utf-8")  # noqa: SIM115
        if self.index:
            from leads.store import connect, ensure_indices

            self.es = connect(self.settings)
            # Only what a crawl writes: the other kinds are each stage's own (a crawl
            # waited seconds on Elasticsearch for templates it never used).
            ensure_indices(self.es, self.settings, CRAWL_KINDS)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, DeadLetter):
            self.dead.append(item)
            self.stats["dead_letters"] += 1
        elif isinstance(item, RawDocument):
            self.stats["documents"] += 1
            if self.out is not None:
                self._write(item)
            self.pending.append(item)
            if len(self.pending) >= self.settings.bulk_chunk_size:
                self._flush()
        return item

    def _write(self, item: RawDocument) -> None:
        """One document to the JSON Lines output; an output that cannot be written
        (a full disk) stops the crawl once, with the reason, not once per page."""
        assert self.out is not None
        try:
            self.out.write(item.model_dump_json() + "\n")
        except OSError as exc:
            self.out = None
            self.stats["output_failure"] = f"{self.out_path}: {exc.strerror or exc}"
            deferred_from_coro(self._engine().close_spider_async(reason="output_unwritable"))

    def _engine(self) -> Any:
        assert self.crawler.engine is not None
        return self.crawler.engine

    def _flush(self) -> None:
        docs, self.pending = self.pending, []
        letters, self.dead = self.dead, []
        if self.es is None:
            if self.index:  # Elasticsearch went away earlier in this run
                self._keep_unsent(docs)
            record_dead_letters(None, self.settings, letters, spill=self.spill)
            return
        try:
            report = bulk_index(
                self.es,
                self.settings,
                "raw",
                ((d.id, d.model_dump(mode="json")) for d in docs),
                stage="crawl-index",
                batch_id=self.batch_id,
                spill=self.spill,
            )
        except StoreUnavailable as exc:
            sent = exc.report.indexed if exc.report else 0
            self.stats["indexed"] += sent
            self.stats["store_failure"] = str(exc)
            self.es = None
            # Which of this chunk made it in is unknown past the count: keep them all
            # (indexing again is idempotent).
            self._keep_unsent(docs)
            record_dead_letters(None, self.settings, letters, spill=self.spill)
            deferred_from_coro(
                self._engine().close_spider_async(reason="elasticsearch_unavailable")
            )
            return
        self.stats["indexed"] += report.indexed
        self.stats["dead_letters"] += len(report.failed)
        record_dead_letters(self.es, self.settings, letters, spill=self.spill)

    def _keep_unsent(self, docs: list[RawDocument]) -> None:
        if not docs:
            return
        self.stats["unsent"] = self.stats.get("unsent", 0) + keep_unsent(self.unsent, docs)
        self.stats["unsent_file"] = str(self.unsent)

    def close_spider(self) -> None:
        self._flush()
        if self.out is not None and self.out is not sys.stdout:
            try:
                self.out.close()
            except OSError as exc:
                self.stats["output_failure"] = f"{self.out_path}: {exc.strerror or exc}"
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("lantern", dict(self.stats))
        print(
            json.dumps({"crawl_summary": self.stats, "batch_id": self.batch_id}),
            file=sys.stderr,
            flush=True,
        )
