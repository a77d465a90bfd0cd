"""Item pipeline: every item is written to the configured sinks (JSON Lines and/or
Elasticsearch) in chunks; counts are kept so the run can report what it collected."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from scrapy.crawler import Crawler

from leads.models import DeadLetter, RawDocument
from leads.settings import get_settings


class OutputPipeline:
    def __init__(self, crawler: Crawler, out: str | None, index: bool, batch_id: str) -> None:
        self.crawler = crawler
        self.out_path = out
        self.index = index
        self.batch_id = batch_id
        self.out: TextIO | None = None
        self.pending: list[RawDocument] = []
        self.dead: list[DeadLetter] = []
        self.stats = {"documents": 0, "indexed": 0, "dead_letters": 0}
        self.es: Any = None

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

            settings = get_settings()
            self.es = connect(settings)
            ensure_indices(self.es, settings)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, DeadLetter):
            self.dead.append(item)
            self.stats["dead_letters"] += 1
        elif isinstance(item, RawDocument):
            self.stats["documents"] += 1
            if self.out is not None:
                self.out.write(item.model_dump_json() + "\n")
            self.pending.append(item)
            if len(self.pending) >= get_settings().bulk_chunk_size:
                self._flush()
        return item

    def _flush(self) -> None:
        if self.es is None:
            self.pending.clear()
            return
        from leads.store import bulk_index, record_dead_letters

        settings = get_settings()
        report = bulk_index(
            self.es,
            settings,
            "raw",
            ((d.id, d.model_dump(mode="json")) for d in self.pending),
            stage="crawl-index",
            batch_id=self.batch_id,
        )
        self.stats["indexed"] += report.indexed
        self.stats["dead_letters"] += len(report.failed)
        record_dead_letters(self.es, settings, self.dead)
        self.pending.clear()
        self.dead.clear()

    def close_spider(self) -> None:
        self._flush()
        if self.out is not None and self.out is not sys.stdout:
            self.out.close()
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("lantern", dict(self.stats))
        print(
            json.dumps({"crawl_summary": self.stats, "batch_id": self.batch_id}),
            file=sys.stderr,
            flush=True,
        )
