"""What every figure shares: the region, the period, one snapshot of the store, and the
record of every query asked (so a figure can state its queries and a hash of the data
they matched).

All searches of one assessment read through a point in time per index, opened once: a
figure and the hash of its data come from the same documents even while ingest runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from leads.assessment.cells import Query
from leads.assessment.periods import Period
from leads.linking import NETWORK_MIN_ADS
from leads.regions import Region
from leads.settings import Settings
from leads.taxonomy import IDENTITY_TYPES

# At most this many buckets per terms aggregation or hits per list: far above what one
# region holds, and a figure that reaches it says so (Truncated) rather than count short.
MAX_BUCKETS = 5000
KEEP_ALIVE = "10m"
# Selectors that say "the same person or operation": the identity types' values.
IDENTITY_SELECTORS = "(" + "|".join(IDENTITY_TYPES) + "):.*"


class Truncated(RuntimeError):
    """An aggregation or a hit list was cut off: the figure would undercount."""


def network_filters() -> list[dict[str, Any]]:
    """Leads that belong to a network: ``leads.linking.is_network`` as a query."""
    return [
        {"term": {"network.relation": "identity"}},
        {"range": {"network.ads": {"gte": NETWORK_MIN_ADS}}},
    ]


@dataclass
class Scope:
    es: Elasticsearch
    settings: Settings
    region: Region
    period: Period
    pits: dict[str, str] = field(default_factory=dict)

    # -- the snapshot ------------------------------------------------------------------
    def _pit(self, kind: str) -> dict[str, Any]:
        if kind not in self.pits:
            index = self.settings.index(kind)
            self.es.indices.refresh(index=index)
            self.pits[kind] = self.es.open_point_in_time(index=index, keep_alive=KEEP_ALIVE)["id"]
        return {"id": self.pits[kind], "keep_alive": KEEP_ALIVE}

    def close(self) -> None:
        for pit in self.pits.values():
            self.es.close_point_in_time(id=pit)
        self.pits.clear()

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
        """H-2A and H-2B applications for work in the region, of one fiscal year, that
        were not denied or withdrawn."""
        return {
            "bool": {
                "filter": [
                    self.record_region(),
                    {"terms": {"dataset": ["h2a", "h2b"]}},
                    {"term": {"fiscal_year": fiscal_year}},
                    *more,
                ],
                "must_not": [{"term": {"certified": False}}],
            }
        }

    # -- reading -----------------------------------------------------------------------
    def search(
        self, kind: str, query: dict[str, Any], asked: list[Query] | None, **body: Any
    ) -> dict[str, Any]:
        """One search on the snapshot, recorded in ``asked`` as the figure's query. A hit
        list shorter than its total is Truncated, never a quiet undercount."""
        request = {"query": query, **body}
        request.setdefault("size", 0)
        if asked is not None:
            asked.append(Query(kind, request))
        result = dict(self.es.search(pit=self._pit(kind), track_total_hits=True, **request))
        hits = result["hits"]
        if request["size"] and hits["total"]["value"] > len(hits["hits"]):
            raise Truncated(f"{kind}: more than {request['size']} documents behind one list")
        return result

    def fingerprint(self, asked: list[Query]) -> str:
        """sha256 over the id and version of every document the queries matched."""
        digest = hashlib.sha256()
        for q in asked:
            digest.update(f"\n{q.kind}\n".encode())
            ids: list[str] = []
            after: list[Any] | None = None
            while True:
                page = self.es.search(
                    pit=self._pit(q.kind),
                    query=q.body["query"],
                    size=5000,
                    source=False,
                    seq_no_primary_term=True,
                    sort=[{"_shard_doc": "asc"}],
                    search_after=after,
                    track_total_hits=False,
                )["hits"]["hits"]
                ids += [f"{h['_id']}:{h['_seq_no']}:{h['_primary_term']}" for h in page]
                if len(page) < 5000:
                    break
                after = page[-1]["sort"]
            digest.update("\n".join(sorted(ids)).encode())
        return "sha256:" + digest.hexdigest()


def buckets(result: dict[str, Any], *path: str) -> list[dict[str, Any]]:
    """The buckets at ``path`` in an aggregation result; Truncated if any were cut off."""
    node: Any = result.get("aggregations", result)
    for step in path:
        node = node[step]
    if node.get("sum_other_doc_count"):
        raise Truncated(f"{'/'.join(path)}: more than {MAX_BUCKETS} buckets")
    return list(node["buckets"])
