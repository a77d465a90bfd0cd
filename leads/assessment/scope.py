"""What every figure shares: the region, the period, the store, and the record of every
query asked (so a figure can state its queries and a hash of the data they matched)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from elasticsearch import Elasticsearch, helpers

from leads.assessment.cells import Query
from leads.assessment.periods import Period
from leads.regions import Region
from leads.settings import Settings

# At most this many buckets per terms aggregation: far above what one region holds, and
# a figure that reaches it says so rather than count short in silence.
MAX_BUCKETS = 5000


class Truncated(RuntimeError):
    """An aggregation had more buckets than it asked for: the figure would undercount."""


@dataclass
class Scope:
    es: Elasticsearch
    settings: Settings
    region: Region
    period: Period

    # -- filters -----------------------------------------------------------------------
    def lead_region(self) -> dict[str, Any]:
        if self.region.county:
            return {"term": {"counties": self.region.county}}
        return {"term": {"states": self.region.state}}

    def record_region(self) -> dict[str, Any]:
        if self.region.county:
            return {"term": {"county": self.region.county}}
        return {"term": {"worksite_state": self.region.state}}

    @staticmethod
    def seen_in(period: Period) -> dict[str, Any]:
        return {
            "range": {"seen_at": {"gte": period.start.isoformat(), "lt": period.end.isoformat()}}
        }

    def ads(self, period: Period | None = None, *more: dict[str, Any]) -> dict[str, Any]:
        """Ads pointing to the region, seen in the period."""
        return {
            "bool": {"filter": [self.lead_region(), self.seen_in(period or self.period), *more]}
        }

    def applications(self, fiscal_year: int, *more: dict[str, Any]) -> dict[str, Any]:
        """H-2A and H-2B applications for work in the region, of one fiscal year."""
        return {
            "bool": {
                "filter": [
                    self.record_region(),
                    {"terms": {"dataset": ["h2a", "h2b"]}},
                    {"term": {"fiscal_year": fiscal_year}},
                    *more,
                ]
            }
        }

    # -- reading -----------------------------------------------------------------------
    def search(
        self, kind: str, query: dict[str, Any], asked: list[Query], **body: Any
    ) -> dict[str, Any]:
        """One search, recorded in ``asked`` as the figure's query."""
        request = {"query": query, **body}
        request.setdefault("size", 0)
        asked.append(Query(kind, request))
        self.es.indices.refresh(index=self.settings.index(kind))
        return dict(self.es.search(index=self.settings.index(kind), **request))

    def fingerprint(self, asked: list[Query]) -> str:
        """sha256 over the id and version of every document the queries matched."""
        digest = hashlib.sha256()
        for q in asked:
            digest.update(f"\n{q.kind}\n".encode())
            ids = sorted(
                f"{h['_id']}:{h['_seq_no']}:{h['_primary_term']}"
                for h in helpers.scan(
                    self.es,
                    index=self.settings.index(q.kind),
                    query={"query": q.body["query"], "_source": False, "seq_no_primary_term": True},
                    size=2000,
                )
            )
            digest.update("\n".join(ids).encode())
        return "sha256:" + digest.hexdigest()


def buckets(result: dict[str, Any], *path: str) -> list[dict[str, Any]]:
    """The buckets at ``path`` in an aggregation result; Truncated if any were cut off."""
    node: Any = result.get("aggregations", result)
    for step in path:
        node = node[step]
    if node.get("sum_other_doc_count"):
        raise Truncated(f"{'/'.join(path)}: more than {MAX_BUCKETS} buckets")
    return list(node["buckets"])


def day(value: date) -> str:
    return value.isoformat()
