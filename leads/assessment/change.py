"""Vulnerabilities and change: the headline figures against the previous period."""

from __future__ import annotations

from typing import Any

from leads.assessment.cells import Amount, Change, Count, Figure, Query, Share, Table, Text
from leads.assessment.periods import Period
from leads.assessment.scope import MAX_BUCKETS, Scope, buckets, network_filters


def _ads(scope: Scope, period: Period, asked: list[Query]) -> dict[str, int]:
    result = scope.search(
        "leads",
        scope.ads(period),
        asked,
        aggs={
            "sex": {"filter": {"term": {"domains": "sex"}}},
            "youth": {
                "filter": {
                    "bool": {
                        "filter": [{"term": {"domains": "sex"}}, {"term": {"categories": "youth"}}]
                    }
                }
            },
            "labor": {"filter": {"term": {"domains": "labor"}}},
            "networks": {
                "filter": {"bool": {"filter": [{"term": {"domains": "sex"}}, *network_filters()]}},
                "aggs": {
                    "selectors": {"terms": {"field": "network.selector", "size": MAX_BUCKETS}}
                },
            },
        },
    )
    a = result["aggregations"]
    return {
        "ads": result["hits"]["total"]["value"],
        "sex": a["sex"]["doc_count"],
        "youth": a["youth"]["doc_count"],
        "labor": a["labor"]["doc_count"],
        "networks": len(buckets(a, "networks", "selectors")),
    }


def _applications(scope: Scope, fy: int | None, asked: list[Query]) -> dict[str, int]:
    if fy is None:
        return {"applications": 0, "workers": 0}
    result = scope.search(
        "gw-records",
        scope.applications(fy),
        asked,
        aggs={"workers": {"sum": {"field": "workers_certified"}}},
    )
    return {
        "applications": result["hits"]["total"]["value"],
        "workers": int(result["aggregations"]["workers"]["value"]),
    }


def headline(scope: Scope, fy: int | None, previous_fy: int | None) -> Figure:
    asked: list[Query] = []
    before_period = scope.period.previous()
    now, before = _ads(scope, scope.period, asked), _ads(scope, before_period, asked)
    jobs_now = _applications(scope, fy, asked)
    jobs_before = _applications(scope, previous_fy, asked)
    rows: list[list[Any]] = []
    for key, label in (
        ("ads", "ads and posts pointing to the region"),
        ("sex", "with sex-trafficking indicators"),
        ("youth", "with language suggesting youth"),
        ("networks", "networks active"),
        ("labor", "with labor-trafficking indicators"),
    ):
        rows.append(
            [Text(label), Count(before[key]), Count(now[key]), Change(now[key], before[key])]
        )
    rows.append(
        [
            Text("share of sex-indicator ads suggesting youth"),
            Share(before["youth"], before["sex"]),
            Share(now["youth"], now["sex"]),
            None,
        ]  # fmt: skip
    )
    fy_label = f"FY{fy}" if fy else "no data"
    before_label = f"FY{previous_fy}" if previous_fy else f"FY{fy - 1 if fy else '?'}"
    apps_now, apps_before = jobs_now["applications"], jobs_before["applications"]
    held = bool(fy and previous_fy)
    rows.append(
        [
            Text(f"H-2A/H-2B applications ({fy_label} against {before_label})"),
            Count(apps_before) if previous_fy else Text("not held"),
            Count(apps_now) if fy else Text("not held"),
            Change(apps_now, apps_before) if held else None,
        ]  # fmt: skip
    )
    # Workers are sums over applications: they are hidden with them.
    rows.append(
        [
            Text(f"workers certified ({fy_label} against {before_label})"),
            Amount(jobs_before["workers"], apps_before) if previous_fy else Text("not held"),
            Amount(jobs_now["workers"], apps_now) if fy else Text("not held"),
            Change(jobs_now["workers"], jobs_before["workers"], min(apps_now, apps_before))
            if held
            else None,
        ]  # fmt: skip
    )
    return Figure(
        key="change.headline",
        part="change",
        title="Change since the previous period",
        about=f"The headline figures for {scope.period.label} against {before_period.label} "
        "(guest-worker figures: the latest fiscal year against the one before). A change "
        "is given with a 95% interval for the ratio when both counts are large enough; "
        "with small counts, chance alone moves figures a lot. Networks are counted as "
        "linking sees them today: a network that grew since is counted in the earlier "
        "period only where one of its ads was seen then.",
        tables=[Table(["measure", before_period.label, scope.period.label, "change"], rows)],
        queries=asked,
        data_hash=scope.fingerprint(asked),
    )
