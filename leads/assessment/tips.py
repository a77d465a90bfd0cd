"""Tips received in the region, by channel: the full edition only (tips are sensitive)."""

from __future__ import annotations

from typing import Any

from leads.assessment.cells import Cell, Count, Figure, Query, Table, Text
from leads.assessment.scope import Scope, buckets
from leads.tips import CHANNELS


def tip_region(scope: Scope) -> dict[str, Any]:
    if scope.region.county:
        return {"term": {"county": scope.region.county}}
    return {"term": {"state": scope.region.state}}


def channels(scope: Scope) -> Figure:
    asked: list[Query] = []
    counts: dict[str, dict[str, int]] = {}
    for name, period in (("now", scope.period), ("before", scope.period.previous())):
        result = scope.search(
            "tips",
            {
                "bool": {
                    "filter": [
                        tip_region(scope),
                        {
                            "range": {
                                "received_at": {
                                    "gte": period.start.isoformat(),
                                    "lt": period.end.isoformat(),
                                }
                            }
                        },  # fmt: skip
                    ]
                }
            },
            asked,
            aggs={
                "channels": {"terms": {"field": "channel", "size": len(CHANNELS) + 1}},
                "linked": {"filter": {"exists": {"field": "links.kind"}}},
            },
        )
        counts[name] = {b["key"]: b["doc_count"] for b in buckets(result, "channels")}
        counts[name]["all tips"] = result["hits"]["total"]["value"]
        counts[name]["linked to ads, networks or employers"] = result["aggregations"]["linked"][
            "doc_count"
        ]
    rows: list[list[Cell]] = [
        [Text(k), Count(counts["before"].get(k, 0)), Count(counts["now"].get(k, 0))]
        for k in (*CHANNELS, "all tips", "linked to ads, networks or employers")
    ]
    return Figure(
        key="tips.channels",
        part="tips",
        title="Tips received, by channel",
        about="Tips from hotlines, 911, partners and complaints about the region, and how "
        "many of them share a selector or an employer with what Lantern collected.",
        tables=[Table(["channel", scope.period.previous().label, scope.period.label], rows)],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        full_only=True,
    )
