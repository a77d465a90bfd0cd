"""The labor-trafficking part: guest-worker employers and workers by industry, county and
season; flagged employers; enforcement; housing; intermediaries.

DOL discloses applications by federal fiscal year, months after the fact: the part
uses the latest fiscal year Lantern holds for the region up to the period's end, and
compares it with the one before (``data_years``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from leads.assessment.cells import Amount, Cell, Count, Figure, Picture, Query, Table, Text
from leads.assessment.periods import month_after, months
from leads.assessment.scope import MAX_BUCKETS, Scope, buckets
from leads.data import pairs
from leads.regions import counties

NAICS_FILE = Path(__file__).parents[1] / "data" / "naics_sectors.tsv"
MANY_EMPLOYERS = 3  # an agent filing for this many employers in the region is listed
MAX_MONTHS = 36  # a season drawn month by month (one fiscal year's applications span ~24)
WHD_YEARS = 5  # WHD findings that ended within this many years before the period's end
DEBARMENT_YEARS = 3  # debarments that ended within this many years still matter (successors)


def naics_sectors() -> dict[str, str]:
    return pairs(NAICS_FILE)


def sector_of(naics: str | None, sectors: dict[str, str]) -> str:
    """The NAICS subsector (three digits) of a code, or its sector (two) if unlisted."""
    if not naics:
        return "unknown"
    return naics[:3] if naics[:3] in sectors else naics[:2]


def data_years(scope: Scope) -> tuple[int | None, int | None]:
    """The latest complete fiscal year of applications held for the region by the
    period's end, and the year before it if that is held too (never an older one: a
    comparison across a gap of years would read as change)."""
    result = scope.search(
        "gw-records",
        {
            "bool": {
                "filter": [
                    scope.record_region(),
                    {"terms": {"dataset": ["h2a", "h2b"]}},
                    {"range": {"fiscal_year": {"lte": scope.period.last_complete_fiscal_year}}},
                ]
            }
        },
        None,
        aggs={"years": {"terms": {"field": "fiscal_year", "size": 100, "order": {"_key": "desc"}}}},
    )
    years = [int(b["key"]) for b in buckets(result, "years")]
    if not years:
        return None, None
    return years[0], (years[0] - 1 if years[0] - 1 in years else None)


def employers_by_case(
    scope: Scope, cases: list[str], asked: list[Query]
) -> dict[str, dict[str, Any]]:
    """Case number -> the resolved employer (id, name, risk) that filed it. Asked even
    with no cases, so the printed queries never tell "none" from "a few"."""
    found: dict[str, dict[str, Any]] = {}
    result = scope.search(
        "gw-employers",
        {"bool": {"filter": [{"terms": {"case_numbers": cases}}]}},
        asked,
        size=MAX_BUCKETS,
        source=["id", "employer", "case_numbers", "risk", "tier"],
    )
    for hit in result["hits"]["hits"]:
        for case in hit["_source"].get("case_numbers") or []:
            found[case] = hit["_source"]
    return found


def _fy_note(fy: int | None) -> str:
    if fy is None:
        return "Lantern holds no H-2A or H-2B applications for this region up to the period."
    return (
        f"Applications of fiscal year {fy} (October {fy - 1} to September {fy}), the latest "
        "DOL disclosure data Lantern holds for the region up to the period's end."
    )


def industries(scope: Scope, fy: int | None) -> Figure:
    asked: list[Query] = []
    sectors = naics_sectors()
    groups: dict[str, dict[str, Any]] = {}
    if fy is not None:
        result = scope.search(
            "gw-records",
            scope.applications(fy),
            asked,
            aggs={
                "naics": {
                    "terms": {"field": "naics", "size": MAX_BUCKETS, "missing": ""},
                    "aggs": {
                        "workers": {"sum": {"field": "workers_certified"}},
                        "cases": {"terms": {"field": "case_number", "size": MAX_BUCKETS}},
                    },
                }
            },
        )
        found = buckets(result, "naics")
        employer_of = employers_by_case(
            scope, sorted({c["key"] for b in found for c in buckets(b, "cases")}), asked
        )
        for b in found:
            code = sector_of(b["key"], sectors)
            g = groups.setdefault(code, {"applications": 0, "workers": 0, "employers": set()})
            g["applications"] += b["doc_count"]
            g["workers"] += int(b["workers"]["value"])
            g["employers"] |= {
                employer_of[c["key"]]["id"] for c in buckets(b, "cases") if c["key"] in employer_of
            }
    order = sorted(groups, key=lambda k: (-groups[k]["workers"], k))
    rows: list[list[Any]] = [
        [
            Text(code),
            Text(sectors.get(code, "not in the NAICS list")),
            Count(groups[code]["applications"]),
            Amount(groups[code]["workers"], groups[code]["applications"]),
            Count(len(groups[code]["employers"])),
        ]  # fmt: skip
        for code in order
    ]
    everyone = set().union(*(g["employers"] for g in groups.values())) if groups else set()
    rows.append(
        [
            Text("all"),
            Text(""),
            Count(sum(g["applications"] for g in groups.values())),
            Amount(
                sum(g["workers"] for g in groups.values()),
                sum(g["applications"] for g in groups.values()),
            ),  # fmt: skip
            Count(len(everyone)),
        ]  # fmt: skip
    )
    return Figure(
        key="labor.industries",
        part="labor",
        title="Guest-worker employers and certified workers by industry",
        about="H-2A and H-2B applications for work in the region, the workers certified on "
        "them and the employers (as Lantern resolved them) that filed, by NAICS subsector.",
        tables=[
            Table(
                ["NAICS", "industry", "applications", "workers certified", "employers"],
                rows,
                total_row=True,
                by_value=True,
                found_rows=True,
            )
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture(
            "hbars",
            {
                "labels": [f"{c} {sectors.get(c, '')}"[:40] for c in order],
                "keys": order,
                "column": "workers certified",
                "values": [groups[c]["workers"] for c in order],
                "xlabel": "workers certified",
            },
        ),
        notes=[_fy_note(fy)],
    )


def by_county(scope: Scope, fy: int | None) -> Figure:
    asked: list[Query] = []
    names = counties(scope.region.state)
    rows: list[list[Any]] = []
    values: dict[str, int] = {}
    if fy is not None:
        result = scope.search(
            "gw-records",
            scope.applications(fy),
            asked,
            aggs={
                "counties": {
                    "terms": {"field": "county", "size": MAX_BUCKETS, "missing": ""},
                    "aggs": {"workers": {"sum": {"field": "workers_certified"}}},
                }
            },
        )
        for b in buckets(result, "counties"):
            workers = int(b["workers"]["value"])
            if b["key"]:
                values[b["key"]] = workers
            label = names.get(b["key"], "county not known") if b["key"] else "county not known"
            rows.append([Text(label), Count(b["doc_count"]), Amount(workers, b["doc_count"])])
    rows.sort(key=lambda r: (r[0].value == "county not known", -r[2].value, r[0].value))
    # The rows add up to the region's applications and workers, printed in other figures:
    # the total is printed here too, so that hiding a small county hides enough.
    rows.append(
        [
            Text("all counties"),
            Count(sum(r[1].n for r in rows)),
            Amount(sum(r[2].value for r in rows), sum(r[1].n for r in rows)),
        ]  # fmt: skip
    )
    return Figure(
        key="labor.counties",
        part="labor",
        title="Certified guest workers by county",
        about="Workers certified on the region's applications, by the worksite's county: "
        "from the county column where DOL's file has one, else from the worksite city when "
        "it has 15,000 people or more; the rest are counted as county not known.",
        tables=[
            Table(
                ["county", "applications", "workers certified"],
                rows,
                total_row=True,
                by_value=True,
                found_rows=True,
            )  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture(
            "choropleth",
            {
                "state": scope.region.state,
                "county": scope.region.county,
                "values": values,
                "names": names,
                "column": "workers certified",
                "label": "workers certified",
            },  # fmt: skip
        ),
        notes=[_fy_note(fy)],
    )


def season(scope: Scope, fy: int | None) -> Figure:
    asked: list[Query] = []
    notes = [_fy_note(fy)]
    rows: list[list[Any]] = []
    labels: list[str] = []
    values: list[int] = []
    if fy is not None:
        span = scope.search(
            "gw-records",
            scope.applications(fy),
            asked,
            aggs={"first": {"min": {"field": "starts"}}, "last": {"max": {"field": "ends"}}},
        )["aggregations"]
        if span["first"]["value"] is not None and span["last"]["value"] is not None:
            span_months = months(
                date.fromisoformat(span["first"]["value_as_string"][:10]),
                date.fromisoformat(span["last"]["value_as_string"][:10]),
            )
            if len(span_months) > MAX_MONTHS:  # a mistyped end date, not a season
                notes.append(
                    f"Only the first {MAX_MONTHS} months are shown: some employment periods "
                    "run longer (a mistyped date, most likely)."
                )
                span_months = span_months[:MAX_MONTHS]
            filters = {}
            for m in span_months:
                after = month_after(m.year, m.month)
                filters[m.isoformat()[:7]] = {
                    "bool": {
                        "filter": [
                            {"range": {"starts": {"lt": after.isoformat()}}},
                            {"range": {"ends": {"gte": m.isoformat()}}},
                        ]
                    }
                }
            result = scope.search(
                "gw-records",
                scope.applications(fy),
                asked,
                aggs={
                    "months": {
                        "filters": {"filters": filters},
                        "aggs": {"workers": {"sum": {"field": "workers_certified"}}},
                    }
                },
            )
            for month, b in sorted(result["aggregations"]["months"]["buckets"].items()):
                labels.append(month)
                values.append(int(b["workers"]["value"]))
                workers = int(b["workers"]["value"])
                rows.append([Text(month), Count(b["doc_count"]), Amount(workers, b["doc_count"])])
    return Figure(
        key="labor.season",
        part="labor",
        title="The season: certified workers at work each month",
        about="For each month, the applications whose employment period covers part of it "
        "and the workers certified on them: when crews arrive, peak and leave.",
        tables=[Table(["month", "applications at work", "workers certified"], rows)],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        picture=Picture(
            "bars",
            {
                "x": labels,
                "values": values,
                "ylabel": "workers certified",
                "column": "workers certified",
            },  # fmt: skip
        ),
        notes=notes,
    )


def _employer_filter(scope: Scope, asked: list[Query]) -> dict[str, Any]:
    if not scope.region.county:
        return {"term": {"states": scope.region.state}}
    result = scope.search(
        "gw-records",
        {"bool": {"filter": [scope.record_region()]}},
        asked,
        aggs={"cases": {"terms": {"field": "case_number", "size": MAX_BUCKETS}}},
    )
    return {"terms": {"case_numbers": [b["key"] for b in buckets(result, "cases")]}}


def flagged(scope: Scope) -> Figure:
    asked: list[Query] = []
    where = _employer_filter(scope, asked)
    result = scope.search(
        "gw-employers",
        {"bool": {"filter": [where, {"exists": {"field": "flags.flag"}}]}},
        asked,
        size=MAX_BUCKETS,
        sort=[{"risk": "desc"}, {"id": "asc"}],
        source=["employer", "risk", "tier", "flags"],
        aggs={"flags": {"terms": {"field": "flags.flag", "size": 100}}},
    )
    kinds: list[list[Cell]] = [
        [Text(b["key"]), Count(b["doc_count"])] for b in buckets(result, "flags")
    ]
    kinds.append([Text("employers with any flag"), Count(result["hits"]["total"]["value"])])
    detail: list[list[Any]] = []
    for hit in result["hits"]["hits"]:
        e = hit["_source"]
        reasons = "; ".join(f"{f['flag']}: {f['reason']}" for f in e.get("flags") or [])
        detail.append(
            [
                Text(e["employer"], sensitive=True),
                Count(int(e["risk"])),
                Text(e["tier"]),
                Text(reasons, sensitive=True),
            ]  # fmt: skip
        )
    return Figure(
        key="labor.flagged",
        part="labor",
        title="Employers with risk flags, and why",
        about="Guest-worker employers of the region (as Lantern resolved them across "
        "applications, WHD cases and debarments) that carry at least one risk flag. A flag "
        "is a reason to look at an employer, not a finding against it.",
        tables=[
            Table(["flag", "employers"], kinds, caption="flags", by_value=True),
            Table(
                ["employer", "risk", "tier", "flags and reasons"],
                detail,
                caption="employers",
                entity_rows=True,
            ),  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
    )


def enforcement(scope: Scope) -> Figure:
    asked: list[Query] = []
    end = scope.period.end
    since = date(end.year - WHD_YEARS, end.month, 1)
    whd = scope.search(
        "gw-records",
        {
            "bool": {
                "filter": [
                    scope.record_region(),
                    {"term": {"dataset": "whd"}},
                    {"range": {"ends": {"gte": since.isoformat(), "lt": end.isoformat()}}},
                ]
            }
        },
        asked,
        size=MAX_BUCKETS,
        sort=[{"ends": "desc"}, {"id": "asc"}],
        source=["names", "starts", "ends", "back_wages", "violations", "case_number"],
        aggs={
            "back_wages": {"sum": {"field": "back_wages"}},
            "violations": {"sum": {"field": "violations"}},
        },
    )
    gone = date(end.year - DEBARMENT_YEARS, end.month, 1)
    debarred = scope.search(
        "gw-records",
        {
            "bool": {
                "filter": [
                    scope.record_region(),
                    {"term": {"dataset": "debarment"}},
                    {"range": {"starts": {"lt": end.isoformat()}}},
                    {"range": {"ends": {"gte": gone.isoformat()}}},
                ]
            }
        },
        asked,
        size=MAX_BUCKETS,
        sort=[{"ends": "desc"}, {"id": "asc"}],
        source=["names", "starts", "ends", "program", "values.violation"],
    )
    cases = whd["hits"]["total"]["value"]
    # One debarment appears once per published list that carries it: count it once.
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for hit in debarred["hits"]["hits"]:
        r = hit["_source"]
        unique.setdefault(((r["names"] or [""])[0].upper(), r.get("starts") or ""), r)
    n_debarred = len(unique)
    in_force = sum(
        1 for r in unique.values() if (r.get("ends") or "") >= scope.period.start.isoformat()
    )
    w = whd["aggregations"]
    summary: list[list[Any]] = [
        [Text(f"WHD cases with findings ending in the {WHD_YEARS} years before the period's end"),
         Count(cases)],
        [Text("violations found in them"), Amount(w["violations"]["value"], cases)],
        [Text("back wages assessed in them"), Amount(w["back_wages"]["value"], cases, "$")],
        [Text(f"debarments in force or ended within {DEBARMENT_YEARS} years"), Count(n_debarred)],
        [Text("debarments in force during the period"),
         Count(in_force)],
    ]  # fmt: skip
    detail: list[list[Any]] = []
    for hit in whd["hits"]["hits"]:
        r = hit["_source"]
        detail.append(
            [Text("; ".join(r["names"]), sensitive=True), Text("WHD case"),
             Text(f"{r.get('starts') or '?'} to {r.get('ends') or '?'}"),
             Text(f"{r.get('violations') or 0} violations, "
                  f"${r.get('back_wages') or 0:,.0f} back wages")]
        )  # fmt: skip
    for r in unique.values():
        reason = (r.get("values") or {}).get("violation") or ""
        detail.append(
            [Text("; ".join(r["names"]), sensitive=True), Text(f"debarment ({r['program']})"),
             Text(f"{r.get('starts') or '?'} to {r.get('ends') or '?'}"), Text(str(reason))]
        )  # fmt: skip
    return Figure(
        key="labor.enforcement",
        part="labor",
        title="Wage and Hour findings and debarments",
        about="Enforcement the Department of Labor has published for employers in the region: "
        "WHD cases with their violations and back wages, and H-2 debarments.",
        tables=[
            Table(["measure", "value"], summary, caption="summary"),
            Table(
                ["employer", "action", "period", "what was found"],
                detail,
                caption="actions",
                entity_rows=True,
            ),  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
    )


def housing(scope: Scope, fy: int | None) -> Figure:
    asked: list[Query] = []
    rows: list[list[Any]] = []
    short: list[list[Any]] = []
    if fy is not None:
        result = scope.search(
            "gw-records",
            scope.applications(fy, {"term": {"dataset": "h2a"}}),
            asked,
            size=MAX_BUCKETS,
            sort=[{"id": "asc"}],
            source=["names", "case_number", "workers_certified", "housing_occupancy"],
        )
        hits = [h["_source"] for h in result["hits"]["hits"]]
        reported = [h for h in hits if h.get("housing_occupancy") is not None]
        over = [h for h in reported if (h.get("workers_certified") or 0) > h["housing_occupancy"]]
        certified = sum(h.get("workers_certified") or 0 for h in reported)
        capacity = sum(h["housing_occupancy"] for h in reported)
        rows = [
            [Text("H-2A applications"), Count(len(hits))],
            [Text("applications stating housing occupancy"), Count(len(reported))],
            [Text("workers certified on them"), Amount(certified, len(reported))],
            [Text("housing occupancy stated on them"), Amount(capacity, len(reported))],
            [
                Text("applications certifying more workers than their housing holds"),
                Count(len(over)),
            ],
        ]
        short = [
            [Text("; ".join(h["names"]), sensitive=True),
             Text(h.get("case_number") or "", sensitive=True),
             Count(h.get("workers_certified") or 0), Count(h["housing_occupancy"])]
            for h in over
        ]  # fmt: skip
    return Figure(
        key="labor.housing",
        part="labor",
        title="Housing capacity against certified workers",
        about="H-2A employers must house their workers. Where an application states the "
        "occupancy of its housing, it is set against the workers certified: more workers "
        "than beds is a reason to ask where the rest sleep.",
        tables=[
            Table(["measure", "count"], rows, caption="summary"),
            Table(
                ["employer", "case", "workers certified", "housing occupancy"],
                short,
                caption="applications over capacity",
                entity_rows=True,
            ),  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        notes=[_fy_note(fy)],
    )


def intermediaries(scope: Scope, fy: int | None) -> Figure:
    asked: list[Query] = []
    summary: list[list[Any]] = []
    detail: list[list[Any]] = []
    if fy is not None:
        result = scope.search(
            "gw-records",
            scope.applications(fy),
            asked,
            aggs={
                "contractors": {
                    "filter": {"term": {"labor_contractor": True}},
                    "aggs": {"workers": {"sum": {"field": "workers_certified"}}},
                },
                "agents": {
                    "terms": {"field": "agent_key", "size": MAX_BUCKETS},
                    "aggs": {"cases": {"terms": {"field": "case_number", "size": MAX_BUCKETS}}},
                },
            },
        )
        agents = buckets(result, "agents")
        employer_of = employers_by_case(
            scope, sorted({c["key"] for a in agents for c in buckets(a, "cases")}), asked
        )
        per_agent = {
            a["key"]: (
                {
                    employer_of[c["key"]]["id"]
                    for c in buckets(a, "cases")
                    if c["key"] in employer_of
                },
                a["doc_count"],
            )
            for a in agents
        }
        many = {k: v for k, v in per_agent.items() if len(v[0]) >= MANY_EMPLOYERS}
        c = result["aggregations"]["contractors"]
        summary = [
            [Text("applications by H-2A labor contractors"), Count(c["doc_count"])],
            [Text("workers certified to labor contractors"),
             Amount(int(c["workers"]["value"]), c["doc_count"])],  # fmt: skip
            [Text("agents and attorneys filing in the region"), Count(len(agents))],
            [Text(f"of them filing for {MANY_EMPLOYERS} employers or more"), Count(len(many))],
            [Text("most employers one agent filed for"),
             Amount(max((len(v[0]) for v in per_agent.values()), default=0), len(agents))],
        ]  # fmt: skip
        detail = [
            [Text(agent, sensitive=True), Count(len(employers)), Count(filed)]
            for agent, (employers, filed) in sorted(many.items(), key=lambda kv: -len(kv[1][0]))
        ]
    return Figure(
        key="labor.intermediaries",
        part="labor",
        title="Labor contractors and the agents filing for many employers",
        about="Labor contractors move crews between growers; an agent or attorney who files "
        "for many employers is a single point through which many workers are recruited.",
        tables=[
            Table(["measure", "count"], summary, caption="summary"),
            Table(
                ["agent or attorney", "employers", "applications"],
                detail,
                caption="agents",
                entity_rows=True,
            ),  # fmt: skip
        ],
        queries=asked,
        data_hash=scope.fingerprint(asked),
        notes=[_fy_note(fy)],
    )
