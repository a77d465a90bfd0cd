"""The sex-trafficking part: ad volume, indicator prevalence with evidence grades, where
the region's ads point, circuits to other places, networks, and signs of youth."""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

from leads.assessment.cells import Amount, Cell, Count, Figure, Picture, Query, Share, Table, Text
from leads.assessment.periods import bins
from leads.assessment.scope import (
    IDENTITY_SELECTORS,
    MAX_BUCKETS,
    Scope,
    buckets,
    network_filters,
)
from leads.regions import county_of, region_centre, state_of
from leads.taxonomy import GRADES, load_taxonomy

# Stated ages of 19 or under (12 to 19): where a minor presented as an adult shows up,
# and the rare ad that states a minor's age outright.
NEAR_18 = [str(age) for age in range(12, 20)]
MAX_SOURCES = 6  # sources drawn as their own series; the rest are summed as "other"


def volume(scope: Scope) -> Figure:
    asked: list[Query] = []
    p = scope.period
    result = scope.search(
        "leads",
        scope.ads(),
        asked,
        aggs={
            "sources": {"terms": {"field": "source_id", "size": MAX_BUCKETS}},
            "bins": {
                "date_range": {
                    "field": "seen_at",
                    "ranges": [
                        {"key": a.isoformat(), "from": a.isoformat(), "to": b.isoformat()}
                        for a, b in bins(p)
                    ],
                },
                "aggs": {"sources": {"terms": {"field": "source_id", "size": MAX_BUCKETS}}},
            },
        },
    )
    ranked = [b["key"] for b in buckets(result, "sources")]
    shown = sorted(ranked[:MAX_SOURCES])  # by name: the order of hidden totals says nothing
    columns = ["from", *shown, *(["other"] if len(ranked) > MAX_SOURCES else []), "all"]
    rows: list[list[Any]] = []
    series: dict[str, list[int]] = {c: [] for c in columns[1:-1]}
    weeks: list[str] = []
    for week in buckets(result, "bins"):
        counts = {b["key"]: b["doc_count"] for b in buckets(week, "sources")}
        start = week["key"]
        weeks.append(start)
        row: list[Any] = [Text(start)]
        for name in columns[1:-1]:
            n = (
                sum(v for k, v in counts.items() if k not in shown)
                if name == "other"
                else counts.get(name, 0)
            )
            series[name].append(n)
            row.append(Count(n))
        row.append(Count(week["doc_count"]))
        rows.append(row)
    total = [Text("all")] + [Count(sum(series[c])) for c in columns[1:-1]]
    total.append(Count(result["hits"]["total"]["value"]))
    rows.append(total)
    return Figure(
        key="sex.volume",
        part="sex",
        title="Ads and posts pointing to the region, over time and by source",
        about="Every collected ad or post that names a place in the region, counted by when "
        "it was posted (or first fetched: days 1-7, 8-14, 15-21 and 22 to the end of each "
        "month) and the source it came from.",
        tables=[Table(columns, rows, total_row=True, total_column=True)],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture("stacked_bars", {"x": weeks, "series": series, "ylabel": "ads"}),
    )


def prevalence(scope: Scope, domain: str) -> Figure:
    """How many of the region's ads carry each indicator of ``domain``, with the evidence
    grade of each indicator (a validated predictor and a practitioner flag are not equals)."""
    taxonomy = {k: c for k, c in load_taxonomy().items() if c.domain == domain}
    asked: list[Query] = []
    result = scope.search(
        "leads",
        scope.ads(),
        asked,
        aggs={
            "domain": {"filter": {"term": {"domains": domain}}},
            "categories": {
                "terms": {"field": "categories", "include": sorted(taxonomy), "size": len(taxonomy)}
            },
        },
    )
    total = result["hits"]["total"]["value"]
    counts = {b["key"]: b["doc_count"] for b in buckets(result, "categories")}
    order = sorted(taxonomy, key=lambda k: (GRADES.index(taxonomy[k].grade), -counts.get(k, 0), k))
    rows: list[list[Any]] = [
        [
            Text(k),
            Text(taxonomy[k].label),
            Text(taxonomy[k].grade),
            Count(counts.get(k, 0)),
            Share(counts.get(k, 0), total),
        ]
        for k in order
    ]
    with_any = result["aggregations"]["domain"]["doc_count"]
    rows.append(
        [
            Text(f"any {domain} indicator"),
            Text(""),
            Text(""),
            Count(with_any),
            Share(with_any, total),
        ]
    )
    word = "sex-trafficking" if domain == "sex" else "labor-trafficking"
    return Figure(
        key=f"{domain}.indicators",
        part="sex" if domain == "sex" else "labor",
        title=f"Prevalence of {word} indicators in the region's ads",
        about=f"Of the ads pointing to the region in the period, how many carry each "
        f"{word} indicator. The grade says how much the research behind an indicator "
        "supports it; an indicator is a reason to look, never a finding.",
        tables=[
            Table(
                ["indicator", "meaning", "evidence grade", "ads", "share of ads"],
                rows,
                by_value=True,
            )  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture(
            "hbars",
            {
                "labels": order,
                "keys": order,
                "column": "ads",
                "values": [counts.get(k, 0) for k in order],
                "groups": [taxonomy[k].grade for k in order],
                "xlabel": "ads",
            },
        ),
    )


def _place_aggs(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Per place named in the ads: its coordinates and the ads naming it."""
    ads: dict[str, Any] = {"reverse_nested": {}}
    if extra:
        ads["aggs"] = extra
    return {
        "entities": {
            "nested": {"path": "entities"},
            "aggs": {
                "locations": {
                    "filter": {"term": {"entities.type": "location"}},
                    "aggs": {
                        "places": {
                            "terms": {"field": "entities.value", "size": MAX_BUCKETS},
                            "aggs": {
                                "lat": {"avg": {"field": "entities.lat"}},
                                "lon": {"avg": {"field": "entities.lon"}},
                                "ads": ads,
                            },
                        }
                    },
                }
            },
        }
    }


def _in_region(scope: Scope, place: str) -> bool:
    if scope.region.county:
        return county_of(place) == scope.region.county
    return state_of(place) == scope.region.state


def places(scope: Scope) -> Figure:
    asked: list[Query] = []
    result = scope.search(
        "leads",
        scope.ads(),
        asked,
        aggs=_place_aggs(
            {
                "sex": {"filter": {"term": {"domains": "sex"}}},
                "labor": {"filter": {"term": {"domains": "labor"}}},
            }
        ),
    )
    rows: list[list[Any]] = []
    points: list[dict[str, Any]] = []
    for b in buckets(result, "entities", "locations", "places"):
        if not _in_region(scope, b["key"]) or b["lat"]["value"] is None:
            continue
        ads = b["ads"]
        rows.append(
            [
                Text(b["key"]),
                Count(ads["doc_count"]),
                Count(ads["sex"]["doc_count"]),
                Count(ads["labor"]["doc_count"]),
            ]  # fmt: skip
        )
        points.append(
            {
                "place": b["key"],
                "lat": b["lat"]["value"],
                "lon": b["lon"]["value"],
                "ads": ads["doc_count"],
                "sex": ads["sex"]["doc_count"],
                "labor": ads["labor"]["doc_count"],
            }  # fmt: skip
        )
    return Figure(
        key="sex.places",
        part="sex",
        title="Where in the region the ads point",
        about="The places in the region that ads name, with how many ads name each and how "
        "many of those carry sex- or labor-trafficking indicators. An ad naming two places "
        "is counted at both.",
        tables=[
            Table(
                ["place", "ads", "with sex indicators", "with labor indicators"],
                rows,
                partition=True,
                by_value=True,
                found_rows=True,
            )  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture(
            "region_map",
            {"state": scope.region.state, "county": scope.region.county, "points": points},
        ),
    )


def identity_selectors(scope: Scope, asked: list[Query]) -> list[str]:
    """The selectors (phones, emails, handles, photos…) of the region's ads with
    sex-trafficking indicators; template wording alone is not an identity."""
    result = scope.search(
        "leads",
        scope.ads(None, {"term": {"domains": "sex"}}),
        asked,
        aggs={
            "selectors": {
                "terms": {"field": "selectors", "include": IDENTITY_SELECTORS, "size": MAX_BUCKETS}
            }
        },
    )
    found = [b["key"] for b in buckets(result, "selectors")]
    # The same queries run whether anything was found or not (the printed queries never
    # tell "none" from "a few"). Hubs (a hotline, a platform's own number) are left out,
    # as linking leaves them out.
    hubs = scope.search(
        "entities",
        {"bool": {"filter": [{"terms": {"selector": found}}, {"term": {"hub": True}}]}},
        asked,
        aggs={"hubs": {"terms": {"field": "selector", "size": MAX_BUCKETS}}},
    )
    return sorted(set(found) - {b["key"] for b in buckets(hubs, "hubs")})


def circuits(scope: Scope) -> Figure:
    asked: list[Query] = []
    selectors = identity_selectors(scope, asked)
    rows: list[list[Any]] = []
    flows: list[dict[str, Any]] = []
    result = scope.search(
        "leads",
        {
            "bool": {
                "filter": [scope.seen_in(scope.period), {"terms": {"selectors": selectors}}],
                "must_not": [scope.lead_region()],
            }
        },
        asked,
        aggs=_place_aggs(
            {
                "shared": {
                    "terms": {
                        "field": "selectors",
                        "include": selectors,
                        "size": MAX_BUCKETS,
                    }
                }
            }  # fmt: skip
        ),
    )
    for b in buckets(result, "entities", "locations", "places"):
        if b["lat"]["value"] is None:
            continue
        shared = [s["key"] for s in buckets(b["ads"], "shared")]
        rows.append(
            [
                Text(b["key"]),
                Text(state_of(b["key"]) or ""),
                Count(b["ads"]["doc_count"]),
                Count(len(shared)),
                Text(", ".join(shared[:5]), sensitive=True),
            ]  # fmt: skip
        )
        flows.append(
            {
                "place": b["key"],
                "lat": b["lat"]["value"],
                "lon": b["lon"]["value"],
                "ads": b["ads"]["doc_count"],
                "selectors": len(shared),
            }  # fmt: skip
        )
    rows.sort(key=lambda r: (-r[3].n, -r[2].n, r[0].value))
    flows.sort(key=lambda f: (-f["selectors"], f["place"]))
    return Figure(
        key="sex.circuits",
        part="sex",
        title="Circuits: where else the region's selectors post",
        about="Ads outside the region, in the same period, that carry a phone, email, "
        "handle, payment handle or photo also found in the region's ads with "
        "sex-trafficking indicators. Shared wording alone does not count.",
        tables=[
            Table(
                ["place", "state", "ads there", "selectors shared", "selectors (first five)"],
                rows,
                caption="flows from the region",
                by_value=True,
                found_rows=True,
            )
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture(
            "circuit_map",
            {"origin": region_centre(scope.region), "state": scope.region.state, "flows": flows},
        ),
    )


def networks(scope: Scope) -> Figure:
    asked: list[Query] = []
    active = scope.search(
        "leads",
        scope.ads(None, {"term": {"domains": "sex"}}, *network_filters()),
        asked,
        aggs={
            "networks": {
                "terms": {"field": "network.selector", "size": MAX_BUCKETS},
                "aggs": {
                    "ads": {"max": {"field": "network.ads"}},
                    "states": {"max": {"field": "network.states"}},
                    "days": {"max": {"field": "network.days"}},
                },
            }
        },
    )
    found = buckets(active, "networks")
    selectors = [b["key"] for b in found]
    first: dict[str, date] = {}
    seen = scope.search(
        "leads",
        {"bool": {"filter": [{"terms": {"network.selector": selectors}}]}},
        asked,
        aggs={
            "networks": {
                "terms": {"field": "network.selector", "size": MAX_BUCKETS},
                "aggs": {"first": {"min": {"field": "seen_at"}}},
            }
        },
    )
    first = {
        b["key"]: date.fromisoformat(b["first"]["value_as_string"][:10])
        for b in buckets(seen, "networks")
    }
    detail: list[list[Any]] = []
    new = 0
    for b in found:
        started = first.get(b["key"])
        is_new = started is not None and started >= scope.period.start
        new += is_new
        detail.append(
            [
                Text(b["key"], sensitive=True),
                Count(int(b["ads"]["value"])),
                Count(int(b["states"]["value"])),
                Count(int(b["days"]["value"])),
                Text(started.isoformat() if started else ""),
                Text("new" if is_new else ""),
            ]  # fmt: skip
        )
    sizes = [int(b["ads"]["value"]) for b in found]
    # With fewer than five networks the largest or the median is one network's own size:
    # the shareable edition leaves the sizes out (a basis under 3 hides an Amount).
    size_basis = len(found) if len(found) >= 5 else 0
    spread = sum(1 for b in found if b["states"]["value"] >= 2)
    summary: list[list[Cell]] = [
        [Text("networks active in the region"), Count(len(found))],
        [Text("new this period (first ad in the period)"), Count(new)],
        [Text("spanning two states or more"), Count(spread)],
        # Sizes rest on the networks counted: with fewer than 3, one size is one network's.
        [Text("ads in the largest network"), Amount(max(sizes, default=0), size_basis)],
        [
            Text("median ads per network"),
            Amount(statistics.median(sizes) if sizes else 0, size_basis),
        ],  # fmt: skip
    ]
    return Figure(
        key="sex.networks",
        part="sex",
        title="Networks active in the region",
        about="A network is the set of ads that share one identity selector (the strongest "
        "a lead links by). It is active when one of its ads with sex-trafficking indicators "
        "points to the region in the period; its size and spread count all its ads.",
        tables=[
            Table(["measure", "networks"], summary, caption="summary"),
            Table(
                ["selector", "ads", "states", "days active", "first ad", ""],
                detail,
                caption="networks",
                entity_rows=True,
            ),
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
    )


def youth(scope: Scope) -> Figure:
    asked: list[Query] = []
    result = scope.search(
        "leads",
        scope.ads(None, {"term": {"domains": "sex"}}),
        asked,
        aggs={
            "youth": {"filter": {"term": {"categories": "youth"}}},
            "near_18": {
                "filter": {
                    "nested": {
                        "path": "entities",
                        "query": {
                            "bool": {
                                "filter": [
                                    {"term": {"entities.type": "age"}},
                                    {"terms": {"entities.value": NEAR_18}},
                                ]
                            }
                        },
                    }
                }
            },
        },
    )
    n = result["hits"]["total"]["value"]
    aggs = result["aggregations"]
    rows: list[list[Any]] = [
        [Text("language suggesting youth"), Count(aggs["youth"]["doc_count"]),
         Share(aggs["youth"]["doc_count"], n)],
        [Text("a stated age of 19 or under"), Count(aggs["near_18"]["doc_count"]),
         Share(aggs["near_18"]["doc_count"], n)],
        [Text("ads with sex-trafficking indicators"), Count(n), None],
    ]  # fmt: skip
    return Figure(
        key="sex.youth",
        part="sex",
        title="Signs of youth",
        about="Of the region's ads with sex-trafficking indicators, the share with language "
        "suggesting youth (a validated predictor) and the share stating an age of 19 or "
        "under, where a minor presented as an adult would appear. Intervals are 95%.",
        tables=[Table(["measure", "ads", "share"], rows)],
        queries=asked,
        data_hash=scope.fingerprint(asked),
    )
