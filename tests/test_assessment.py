"""The regional threat assessment and tips, on the real Elasticsearch, real WeasyPrint
and real Airflow: every figure equals a direct query, the shareable edition leaks
nothing, tips link with their reasons, the DAG renders and keeps earlier reports."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from demo import guestworker_samples as samples
from lantern.jobs.assessment import run_assessment, write_report
from lantern.jobs.guestworker import ingest_files
from lantern.jobs.linking import link_batch
from lantern.local.airflow import airflow_env, prepare, run_dag
from leads.assessment import labor
from leads.assessment.build import Assessment
from leads.assessment.cells import Amount, Cell, Change, Count, Picture, Share, Table, Text
from leads.assessment.editions import FOLDED, HIDDEN, SECONDARY, redact, show, shown_table, visible
from leads.assessment.periods import PeriodError, parse_period
from leads.assessment.plots import draw
from leads.assessment.render import render_html
from leads.assessment.scope import Scope
from leads.models import Entity, Lead
from leads.regions import RegionError, county_of, regions_of, resolve
from leads.settings import Settings
from leads.store import bulk_index, count, scan
from tests.conftest import lantern, write_jsonl

NETWORK = "+12135550142"  # the planted network's phone (fictional, 555-01xx)
OLDER = "+12135550143"  # a network already posting before the period
PLACES = {
    "Los Angeles, CA": (34.0522, -118.2437),
    "San Diego, CA": (32.7157, -117.1647),
    "Salinas, CA": (36.6777, -121.6555),
    "Fresno, CA": (36.7477, -119.7724),
    "Las Vegas, NV": (36.1750, -115.1372),
    "Phoenix, AZ": (33.4484, -112.0740),
    "Houston, TX": (29.7633, -95.3633),
}
Q3 = parse_period("2026-Q3")
HOSTILE = '<img src=x onerror=alert(1)> =HYPERLINK("http://evil.example") $\\alpha$ Farms'


def _lead(
    lead_id: str,
    seen: date,
    place: str,
    phone: str,
    categories: list[str],
    age: str | None = None,
) -> Lead:
    lat, lon = PLACES[place]
    entities = [
        Entity(type="phone", value=phone, text=phone, start=0, end=1),
        Entity(type="location", value=place, text=place, start=0, end=1, lat=lat, lon=lon),
    ]
    if age:
        entities.append(Entity(type="age", value=age, text=age, start=0, end=1))
    sex = {"youth", "obscured_contact", "trust_language", "multiple_providers"}
    domains = sorted({"sex" if c in sex else "labor" for c in categories})
    states, counties = regions_of([place])
    when = datetime(seen.year, seen.month, seen.day, 12, tzinfo=UTC)
    return Lead(
        id=lead_id, doc_id=lead_id, source_id="test-board", url=f"http://example.test/{lead_id}",
        title=f"ad {lead_id}", snippet="…", score=40, tier="medium", explanation=["x"],
        categories=categories, domains=domains, selectors=[f"phone:{phone}"],
        places=[{"lat": lat, "lon": lon}], states=states, counties=counties, indicators=[],
        entities=entities, batch_id="assess-1", fetched_at=when, seen_at=when, scored_at=when,
        sha256="0" * 64,
    )  # fmt: skip


def _ads() -> list[Lead]:
    d = date
    ads = [
        _lead("net-0", d(2026, 7, 5), "Los Angeles, CA", NETWORK, ["youth", "obscured_contact"],
              "19"),
        _lead("net-1", d(2026, 7, 20), "Los Angeles, CA", NETWORK, ["youth"], "19"),
        _lead("net-2", d(2026, 8, 3), "Los Angeles, CA", NETWORK, ["obscured_contact"], "24"),
        _lead("net-3", d(2026, 8, 10), "San Diego, CA", NETWORK, ["trust_language"], "22"),
        _lead("net-4", d(2026, 8, 12), "Las Vegas, NV", NETWORK, ["trust_language"]),
        _lead("net-5", d(2026, 8, 14), "Las Vegas, NV", NETWORK, ["youth"]),
        _lead("net-6", d(2026, 8, 20), "Phoenix, AZ", NETWORK, ["trust_language"]),
        _lead("old-net-a", d(2026, 5, 2), "Los Angeles, CA", OLDER, ["trust_language"]),
        _lead("old-net-b", d(2026, 8, 22), "Los Angeles, CA", OLDER, ["trust_language"]),
        _lead("sd-1", d(2026, 9, 1), "San Diego, CA", "+16195550110", ["multiple_providers"]),
        _lead("sd-2", d(2026, 9, 2), "San Diego, CA", "+16195550111", ["multiple_providers"]),
        _lead("plain-1", d(2026, 7, 9), "Fresno, CA", "+15595550112", []),
        _lead("plain-2", d(2026, 9, 9), "Fresno, CA", "+15595550113", []),
        _lead("tx-1", d(2026, 8, 1), "Houston, TX", "+17135550114", ["youth"]),
    ]  # fmt: skip
    for i in range(5):
        ads.append(
            _lead(f"job-{i}", d(2026, 7 + i % 3, 3 + i), "Salinas, CA", f"+1831555012{i}",
                  ["recruitment_fees", "housing_control"] if i % 2 else ["recruitment_fees"])
        )  # fmt: skip
    for i in range(4):
        ads.append(
            _lead(f"q2-{i}", d(2026, 5, 10 + i), "Los Angeles, CA", f"+1213555013{i}",
                  ["youth"] if i == 0 else ["obscured_contact"])
        )  # fmt: skip
    return ads


@pytest.fixture(scope="module")
def world(es: Any, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    ads = _ads()
    report = bulk_index(es, settings, "leads", ((a.id, a.model_dump(mode="json")) for a in ads),
                        stage="test", refresh=True)  # fmt: skip
    assert report.indexed == len(ads)
    link_batch(es, settings, None)
    files = samples.write_sample_set(tmp_path_factory.mktemp("gw"))
    loaded, _ = ingest_files(es, settings, sorted(files.values()))
    assert loaded.rows_loaded > 0
    # A published employer name is hostile data too: it must print as text in the report.
    hostile = {
        "id": "hostile-employer", "employer": HOSTILE, "aliases": [], "case_numbers": [],
        "risk": 40, "tier": "medium", "flag_ids": ["wage"],
        "flags": [{"flag": "wage", "reason": f"offers below the wage floor as {HOSTILE}",
                   "weight": 20.0, "records": []}],
        "sources": [], "matches": [], "phones": [], "feins": [], "emails": [], "states": ["CA"],
        "cities": [], "agents": [], "ads": [], "fingerprint": "x",
        "updated_at": "2026-08-01T00:00:00Z",
    }  # fmt: skip
    es.index(index=settings.index("gw-employers"), id="hostile-employer", document=hostile,
             refresh=True)  # fmt: skip
    tips = write_jsonl(
        tmp_path_factory.mktemp("tips") / "tips.jsonl",
        [
            {"received_at": "2026-08-15T10:00:00", "channel": "hotline", "region": "CA",
             "reference": "HL-1",
             "text": "Caller says the girl in the ads answers at (213) 555-0142 but a man "
                     "takes the money."},
            {"received_at": "2026-08-20T09:30:00Z", "channel": "complaint",
             "region": "CA/Monterey", "text": "Passports kept by the crew boss.",
             "employers": ["Big Valley Farms"]},
            {"received_at": "2026-06-02T08:00:00Z", "channel": "partner", "region": "CA",
             "text": "Outreach met a worker who cannot leave the ranch."},
            {"received_at": "2026-08-21T08:00:00Z", "channel": "fax", "region": "CA",
             "text": "by fax"},
            {"received_at": "2026-08-22T08:00:00Z", "channel": "911", "region": "ZZ",
             "text": "nowhere"},
        ],
    )  # fmt: skip
    ingested = lantern("tips", "ingest", str(tips))
    a = run_assessment(es, settings, resolve("CA"), Q3)
    return {"assessment": a, "ads": ads, "tips": ingested}


def _v(table: Table, row: str, column: str) -> float:
    """A count, or a sum resting on a count (workers certified on applications)."""
    cell = table.cell(row, column)
    assert isinstance(cell, Count | Amount), (row, column, cell)
    return cell.n if isinstance(cell, Count) else cell.value


def _n(table: Table, row: str, column: str) -> int:
    cell = table.cell(row, column)
    assert isinstance(cell, Count), (row, column, cell)
    return cell.n


def _ca(period: Any = Q3, *more: dict[str, Any]) -> dict[str, Any]:
    return {
        "bool": {
            "filter": [
                {"term": {"states": "CA"}},
                {"range": {"seen_at": {"gte": str(period.start), "lt": str(period.end)}}},
                *more,
            ]
        }
    }


def _place(value: str) -> dict[str, Any]:
    return {"nested": {"path": "entities", "query": {"term": {"entities.value": value}}}}


# --- sex trafficking --------------------------------------------------------------------


def test_sex_figures_equal_direct_queries(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    a: Assessment = world["assessment"]
    in_q3 = [
        x for x in world["ads"] if "CA" in x.states and Q3.start <= x.fetched_at.date() < Q3.end
    ]
    volume = a.figure("sex.volume").table()
    assert _n(volume, "all", "all") == count(es, settings, "leads", _ca()) == len(in_q3) == 14
    indicators = a.figure("sex.indicators").table()
    for category in ("youth", "obscured_contact", "trust_language", "multiple_providers"):
        direct = count(es, settings, "leads", _ca(Q3, {"term": {"categories": category}}))
        assert _n(indicators, category, "ads") == direct
    assert _n(indicators, "youth", "ads") == 2  # net-0 and net-1; tx-1 is not in the region
    assert _n(indicators, "any sex indicator", "ads") == count(
        es, settings, "leads", _ca(Q3, {"term": {"domains": "sex"}})
    )
    assert indicators.cell("youth", "evidence grade") == Text("validated predictor")
    assert indicators.cell("trust_language", "evidence grade") == Text("validated predictor")
    assert indicators.cell("multiple_providers", "evidence grade") == Text("research flag")

    places = a.figure("sex.places").table()
    for place in ("Los Angeles, CA", "San Diego, CA", "Salinas, CA", "Fresno, CA"):
        assert _n(places, place, "ads") == count(es, settings, "leads", _ca(Q3, _place(place)))
    assert "Las Vegas, NV" not in [r[0].value for r in places.rows]  # type: ignore[union-attr]

    circuits = a.figure("sex.circuits").table()
    for place, expected in (("Las Vegas, NV", 2), ("Phoenix, AZ", 1)):
        direct = count(es, settings, "leads", {"bool": {"filter": [
            {"term": {"selectors": f"phone:{NETWORK}"}}, _place(place),
            {"range": {"seen_at": {"gte": str(Q3.start), "lt": str(Q3.end)}}}]}})  # fmt: skip
        assert _n(circuits, place, "ads there") == direct == expected
        assert _n(circuits, place, "selectors shared") == 1
    assert circuits.cell("Las Vegas, NV", "selectors (first five)") == Text(
        f"phone:{NETWORK}", sensitive=True
    )
    assert "Houston, TX" not in [r[0].value for r in circuits.rows]  # type: ignore[union-attr]

    nets = a.figure("sex.networks").table("summary")
    leads = list(scan(es, settings, "leads", _ca(Q3, {"term": {"domains": "sex"}})))
    active = {x["network"]["selector"] for x in leads
              if (x.get("network") or {}).get("relation") == "identity"
              and x["network"]["ads"] >= 2}  # fmt: skip
    assert active == {f"phone:{NETWORK}", f"phone:{OLDER}"}
    assert _n(nets, "networks active in the region", "networks") == len(active)
    assert _n(nets, "new this period (first ad in the period)", "networks") == 1
    assert _v(nets, "ads in the largest network", "networks") == 7
    assert _n(nets, "spanning two states or more", "networks") == 1

    youth = a.figure("sex.youth").table()
    ages = {"nested": {"path": "entities", "query": {"bool": {"filter": [
        {"term": {"entities.type": "age"}},
        {"terms": {"entities.value": ["18", "19"]}}]}}}}  # fmt: skip
    assert (
        _n(youth, "a stated age of 19 or under", "ads")
        == count(es, settings, "leads", _ca(Q3, {"term": {"domains": "sex"}}, ages))
        == 2
    )
    assert youth.cell("language suggesting youth", "share") == Share(2, 7)


# --- labor trafficking ------------------------------------------------------------------


def _records(es: Any, settings: Settings, fy: int, state: str = "CA") -> list[dict[str, Any]]:
    """The state's applications of a year, less those denied or withdrawn (read from the
    status as DOL wrote it, not from the fact the code under test derived)."""
    query = {"bool": {"filter": [{"term": {"worksite_state": state}},
                                 {"terms": {"dataset": ["h2a", "h2b"]}},
                                 {"term": {"fiscal_year": fy}}]}}  # fmt: skip
    return [
        r
        for r in scan(es, settings, "gw-records", query)
        if not re.search("denied|withdrawn", str(r["values"].get("case_status")), re.I)
    ]


def test_labor_figures_equal_direct_queries(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    a: Assessment = world["assessment"]
    # The sample set holds FY2024 and FY2019: no year-over-year comparison across the gap.
    assert (a.fiscal_year, a.previous_fiscal_year) == (2024, None)
    records = _records(es, settings, 2024)
    assert records, "the sample set has California applications in FY2024"
    industries = a.figure("labor.industries").table()
    assert _n(industries, "all", "applications") == len(records)
    assert _v(industries, "all", "workers certified") == sum(
        r.get("workers_certified") or 0 for r in records
    )
    crops = [r for r in records if (r.get("naics") or "").startswith("111")]
    assert _v(industries, "111", "workers certified") == sum(
        r["workers_certified"] or 0 for r in crops
    )

    counties = a.figure("labor.counties").table()
    monterey = [r for r in records if r.get("county") == "06053"]
    assert monterey, "Salinas is in Monterey County"
    assert _v(counties, "Monterey", "workers certified") == sum(
        r["workers_certified"] for r in monterey
    )

    season = a.figure("labor.season").table()
    assert len(season.rows) >= 6, "the FY2024 applications span several months"
    for row in season.rows:
        month = str(row[0].value)  # type: ignore[union-attr]
        first = date.fromisoformat(month + "-01")
        after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        at_work = [r for r in records if r.get("starts") and r.get("ends")
                   and r["starts"] < after.isoformat()
                   and r["ends"] >= first.isoformat()]  # fmt: skip
        assert _v(season, month, "workers certified") == sum(
            r["workers_certified"] or 0 for r in at_work
        )

    flagged = a.figure("labor.flagged").table("flags")
    direct = count(es, settings, "gw-employers", {"bool": {"filter": [
        {"term": {"states": "CA"}}, {"exists": {"field": "flags.flag"}}]}})  # fmt: skip
    assert _n(flagged, "employers with any flag", "employers") == direct >= 1

    enforcement = a.figure("labor.enforcement").table("summary")
    whd = count(es, settings, "gw-records", {"bool": {"filter": [
        {"term": {"worksite_state": "CA"}}, {"term": {"dataset": "whd"}},
        {"range": {"ends": {"gte": "2021-10-01", "lt": "2026-10-01"}}}]}})  # fmt: skip
    key = "WHD cases with findings ending in the 5 years before the period's end"
    assert _n(enforcement, key, "value") == whd

    housing = a.figure("labor.housing").table("summary")
    h2a = [r for r in records if r["dataset"] == "h2a"]
    stated = [r for r in h2a if r.get("housing_occupancy") is not None]
    over = [r for r in stated if (r.get("workers_certified") or 0) > r["housing_occupancy"]]
    assert _n(housing, "applications stating housing occupancy", "count") == len(stated)
    assert _n(
        housing, "applications certifying more workers than their housing holds", "count"
    ) == len(over)

    middle = a.figure("labor.intermediaries").table("summary")
    contractors = [r for r in records if r.get("labor_contractor")]
    assert _n(middle, "applications by H-2A labor contractors", "count") == len(contractors)
    agents = {r["agent_key"] for r in records if r.get("agent_key")}
    assert _n(middle, "agents and attorneys filing in the region", "count") == len(agents)

    labor_ads = a.figure("labor.indicators").table()
    assert (
        _n(labor_ads, "recruitment_fees", "ads")
        == count(es, settings, "leads", _ca(Q3, {"term": {"categories": "recruitment_fees"}}))
        == 5
    )


def test_change_and_tips_figures_equal_direct_queries(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    a: Assessment = world["assessment"]
    q2 = Q3.previous()
    change = a.figure("change.headline").table()
    row = change.row("ads and posts pointing to the region")
    assert row[1] == Count(count(es, settings, "leads", _ca(q2)))
    assert row[2] == Count(count(es, settings, "leads", _ca(Q3)))
    assert row[3] == Change(14, 5)
    records = _records(es, settings, 2024)
    workers = sum(r.get("workers_certified") or 0 for r in records)
    # FY2023 is not held: no comparison with FY2019 across the gap.
    assert change.row("workers certified (FY2024 against FY2023)")[1:] == [
        Text("not held"),
        Amount(workers, len(records)),
        None,
    ]

    tips = a.figure("tips.channels")
    assert tips.full_only
    table = tips.table()
    for channel, now, then in (("hotline", 1, 0), ("complaint", 1, 0), ("partner", 0, 1)):
        direct = count(es, settings, "tips", {"bool": {"filter": [
            {"term": {"channel": channel}}, {"term": {"state": "CA"}},
            {"range": {"received_at": {"gte": str(Q3.start), "lt": str(Q3.end)}}}]}})  # fmt: skip
        assert _n(table, channel, Q3.label) == direct == now
        assert _n(table, channel, q2.label) == then


def test_every_figure_states_its_queries_and_a_hash_of_its_data(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    a: Assessment = world["assessment"]
    assert all(f.queries and f.data_hash.startswith("sha256:") for f in a.figures)
    again = run_assessment(es, settings, resolve("CA"), Q3)
    assert [f.data_hash for f in again.figures] == [f.data_hash for f in a.figures]
    # A document behind a figure changes: that figure's hash changes with it.
    es.update(index=settings.index("leads"), id="plain-1", doc={"score": 41}, refresh=True)
    changed = run_assessment(es, settings, resolve("CA"), Q3)
    assert changed.figure("sex.volume").data_hash != a.figure("sex.volume").data_hash
    assert changed.figure("labor.industries").data_hash == a.figure("labor.industries").data_hash
    page = render_html(a, "full")
    assert a.figure("sex.volume").data_hash in page and "&quot;seen_at&quot;" in page


# --- the editions -----------------------------------------------------------------------


def _text_of_html(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", page)))


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _secrets(es: Any, settings: Settings) -> list[str]:
    """What the shareable edition must never contain: selectors in every spelling, names
    of employers and agents, case numbers, URLs and the tips' words."""
    out = [NETWORK, NETWORK[2:], "213-555-0142", "(213) 555-0142", "555-0142", OLDER[2:],
           "http://", "https://", "www.", "H-300-", "Passports kept", "HL-1",
           "Tips received"]  # fmt: skip
    for e in scan(es, settings, "gw-employers", {"term": {"states": "CA"}}):
        out.append(e["employer"])
        out += e.get("agents") or []
    for r in _records(es, settings, 2024):
        out += r["names"] + [r["case_number"]]
        out += [r["agent"]] if r.get("agent") else []
    return sorted({s for s in out if s and len(s) >= 4})


def test_shareable_edition_has_no_selector_name_url_or_small_count(
    world: dict[str, Any], es: Any, settings: Settings, tmp_path: Path
) -> None:
    a: Assessment = world["assessment"]
    files = {}
    for edition in ("full", "shareable"):
        for suffix in ("html", "pdf"):
            out = tmp_path / f"{edition}.{suffix}"
            write_report(es, settings, a, out, edition, "test")
            files[edition, suffix] = out
    secrets = _secrets(es, settings)
    full_html = files["full", "html"].read_text()
    full_pdf = _pdf_text(files["full", "pdf"])
    # The full edition holds them (so the scan below looks for things that exist) …
    full_text = _text_of_html(full_html)
    for must in (NETWORK, "Tips received", "WHD case"):
        assert must in full_text and must in full_pdf.replace("\n", " ")
    present = [s for s in secrets if s in full_text]
    assert len(present) >= 5, present
    # … and the shareable one none of them, in its HTML or its PDF.
    share_html = files["shareable", "html"].read_text()
    share_pdf = _pdf_text(files["shareable", "pdf"])
    for text in (_text_of_html(share_html), share_html, share_pdf, share_pdf.replace("\n", "")):
        leaked = [s for s in secrets if s.lower() in text.lower()]
        assert not leaked, [
            text[max(0, text.lower().find(s.lower()) - 200) :][:300] for s in leaked
        ]
    # Every figure cell is "<3" or at least 3; no share or change rests on fewer.
    cells = [html.unescape(c) for c in re.findall(r'<td class="n">([^<]*)</td>', share_html)]
    assert cells and HIDDEN in cells
    for cell in cells:
        for number in re.findall(r"(?<![\d.%–$-])\d[\d,]*(?![\d%.])", cell.replace("95%", "")):
            assert int(number.replace(",", "")) >= 3, cell
    for line in share_pdf.splitlines():
        if re.fullmatch(r"[\w ,.'()/-]+ [12]", line.strip()):
            pytest.fail(f"a count under 3 in the PDF: {line!r}")
    assert "What the table hides is not drawn" in share_html
    # The printed queries' sizes are fixed limits, never a count of what was found.
    sizes = {int(n) for n in re.findall(r"&quot;size&quot;:(\d+)", share_html)}
    assert sizes and all(n == 0 or n >= 5 for n in sizes), sizes
    assert share_html.count("<img") >= 5 and full_html.count("<img") >= 6


def test_collected_and_published_text_is_never_markup(world: dict[str, Any]) -> None:
    page = render_html(world["assessment"], "full")
    assert "<img src=x" not in page and html.escape(HOSTILE, quote=True) in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_edition_rules() -> None:
    table = Table(
        ["place", "ads", "share", "sum", "change", "who"],
        [
            [Text("a"), Count(2), Share(2, 10), Amount(500.0, 2, "$"), Change(2, 9),
             Text("x", True)],
            [Text("b"), Count(8), Share(4, 10), Amount(900.0, 8, "$"), Change(30, 12),
             Text("y", True)],
            [Text("all"), Count(10), None, None, None, Text("")],
        ],
        total_row=True,
    )  # fmt: skip
    full = shown_table(table, "full")
    assert full and full.rows[0][1:4] == ["2", "20% (95% 6–51%), 2 of 10", "$500"]
    share = shown_table(table, "shareable")
    assert share is not None and share.columns == ["place", "ads", "share", "sum", "change"]
    assert share.rows == [
        ["a", "<3", "<3", "<3", "<3"],
        ["b", SECONDARY, "40% (95% 17–69%)", "$900",
         "up 150%; ratio 2.50 (95% 1.28–4.88), beyond chance"],
        ["all", "10", "", "", ""],
    ]  # fmt: skip  # 10 - 8 would give the hidden 2 back: the 8 is withheld too
    assert "would give back a count under 3" in share.withheld
    # Rows and columns with totals: no line is left with a single hidden cell.
    grid = Table(
        ["place", "x", "y", "all"],
        [[Text("a"), Count(2), Count(5), Count(7)],
         [Text("b"), Count(6), Count(8), Count(14)],
         [Text("c"), Count(9), Count(9), Count(18)],
         [Text("all"), Count(17), Count(22), Count(39)]],
        total_row=True, total_column=True,
    )  # fmt: skip
    shown = shown_table(grid, "shareable")
    assert shown is not None
    cells = {(r[0], c): v for r in shown.rows for c, v in zip(shown.columns, r, strict=True)}
    hidden = {k for k, v in cells.items() if v in (HIDDEN, SECONDARY)}
    assert cells["a", "x"] == HIDDEN and len(hidden) >= 4
    for line in (["a", "b", "c"], ["x", "y"]):
        for other in ("x", "y", "all") if line[0] == "a" else ("a", "b", "c", "all"):
            keys = [(r, other) for r in line] if line[0] == "a" else [(other, c) for c in line]
            assert sum(k in hidden for k in keys) != 1, keys
    # Rows that exist only where something was found say "at least one": small ones fold.
    found = Table(["place", "ads"], [[Text("a"), Count(1)], [Text("b"), Count(1)],
                  [Text("c"), Count(10)], [Text("all"), Count(12)]],
                  total_row=True, found_rows=True)  # fmt: skip
    folded = shown_table(found, "shareable")
    assert folded is not None and [r[0] for r in folded.rows] == ["c", FOLDED, "all"]
    named = Table(["place", "ads", "who"], [[Text("a"), Count(1), Text("x", True)],
                  [Text("b"), Count(2), Text("y", True)]], found_rows=True)  # fmt: skip
    shown_named = shown_table(named, "shareable")
    assert shown_named is not None and shown_named.columns == ["place", "ads"]
    assert folded.rows[1][1] == HIDDEN and folded.rows[0][1] == SECONDARY
    keep = visible(grid, "shareable")
    assert not keep("a", "x") and keep("c", "x") and visible(grid, "full")("a", "x")
    assert show(Change(12, 10), "full").endswith("could be chance")
    assert show(Change(4, 3), "full").endswith("too few to tell")
    assert shown_table(Table(["who"], [[Text("x", True)]], entity_rows=True), "shareable") is None
    query = {"query": {"terms": {"selectors": ["phone:+12135550142"]}},
             "aggs": {"a": {"terms": {"field": "selectors", "include": ["phone:+1"]}},
                      "b": {"terms": {"field": "source_id", "size": 5}}},
             "more": {"terms": {"dataset": ["h2a", "h2b"]}}}  # fmt: skip
    assert "555" not in json.dumps(redact(query))
    assert redact(query)["more"] == {"terms": {"dataset": ["h2a", "h2b"]}}


def test_regions_and_periods() -> None:
    assert resolve("ca").state == "CA"
    assert resolve("CA", "Monterey County") == resolve("CA", "06053")
    assert resolve("CA", "monterey").county_name == "Monterey"
    for bad in (("ZZ", None), ("CA", "Fulton")):
        with pytest.raises(RegionError):
            resolve(*bad)
    assert county_of("Salinas, CA") == "06053" and county_of("Atlanta, GA") == "13121"
    assert regions_of(["Salinas, CA", "NV", "Nowhere"]) == (["CA", "NV"], ["06053"])
    assert (Q3.start, Q3.end, Q3.previous().label, Q3.last_complete_fiscal_year) == (
        date(2026, 7, 1), date(2026, 10, 1), "2026-Q2", 2026)  # fmt: skip
    assert parse_period("2026-Q4").last_complete_fiscal_year == 2026
    assert parse_period("2026-07").last_complete_fiscal_year == 2025
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2025").previous().end == date(2025, 1, 1)
    with pytest.raises(PeriodError):
        parse_period("2026-Q5")


# --- tips -------------------------------------------------------------------------------


def test_a_tip_sharing_the_network_phone_is_linked_with_its_reason(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    run = world["tips"]
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 0, err
    assert "5 read = 3 stored + 2 refused" in out
    assert "refused: tips.jsonl: tip at line 4: channel" in err
    assert "refused: tips.jsonl: tip at line 5: region 'ZZ' is not a US state code" in err
    assert count(es, settings, "deadletters", {"term": {"stage": "tips"}}) == 2
    tip = next(scan(es, settings, "tips", {"term": {"reference": "HL-1"}}))
    assert f"phone:{NETWORK}" in tip["selectors"]  # found in the tip's own words
    network = [x for x in tip["links"] if x["kind"] == "network"]
    assert [x["target"] for x in network] == [f"phone:{NETWORK}"]
    assert network[0]["reason"].startswith(
        f"the tip gives phone:{NETWORK} itself: 7 ads in 3 state(s)"
    )
    ads = {x["target"] for x in tip["links"] if x["kind"] == "ad"}
    assert ads == {f"net-{i}" for i in range(7)}
    assert all(f"share phone:{NETWORK}" in x["reason"] for x in tip["links"] if x["kind"] == "ad")
    assert "7 ad(s), 1 network(s), 0 employer(s) linked" in out

    complaint = next(scan(es, settings, "tips", {"term": {"channel": "complaint"}}))
    assert complaint["county"] == "06053"
    employers = [x for x in complaint["links"] if x["kind"] == "employer"]
    assert [x["label"] for x in employers] == ["Big Valley Produce, Inc."]
    assert (
        "the tip names 'Big Valley Farms', which reads as 'BIG VALLEY FARMS'"
        in employers[0]["reason"]
    )
    partner = next(scan(es, settings, "tips", {"term": {"channel": "partner"}}))
    assert partner["links"] == []


# --- the command and the DAG ------------------------------------------------------------


def test_assess_command_writes_the_edition_asked_for(world: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "ca.pdf"
    run = lantern(
        "assess", "--region", "CA", "--period", "2026-Q3", "--out", str(out), "--shareable"
    )
    assert run.returncode == 0, run.stderr.decode()
    assert out.read_bytes().startswith(b"%PDF") and "shareable edition" in run.stdout.decode()
    bad = lantern("assess", "--region", "CA", "--county", "Fulton", "--period", "2026-Q3",
                  "--out", str(tmp_path / "x.html"))  # fmt: skip
    assert bad.returncode == 2
    assert (
        bad.stderr.decode().strip().splitlines()[-1]
        == "error: county 'Fulton' is not a county of CA"
    )


def test_assessment_dag_renders_each_region_through_airflow(
    world: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    env = airflow_env(settings, tmp_path / "airflow")
    env["LANTERN_ASSESSMENT_REGIONS"] = json.dumps(["CA", "GA/Fulton"])
    prepare(env)
    earlier = settings.assessments_path / "CA" / "2026-01" / "kept.html"
    earlier.parent.mkdir(parents=True, exist_ok=True)
    earlier.write_text("an earlier report")
    result = run_dag("lantern_assessment", env)
    assert result.returncode == 0, (result.stdout or "")[-4000:]
    written = sorted(p.relative_to(settings.assessments_path).as_posix()
                     for p in settings.assessments_path.rglob("assessment-*"))  # fmt: skip
    assert len(written) == 8, written  # two regions, two editions, HTML and PDF
    assert {w.split("/")[0] for w in written} == {"CA", "GA-13121"}
    assert all(p.read_bytes().startswith(b"%PDF") for p in settings.assessments_path.rglob("*.pdf"))
    assert earlier.read_text() == "an earlier report"


def test_pictures_draw_collected_text_as_text() -> None:
    """A source or place written with dollar signs is a name, not mathtext: with
    matplotlib's parsing on, this one would not render at all."""
    picture = Picture("stacked_bars", {"x": ["2026-07-06"], "ylabel": "ads",
                                       "series": {"odd-$\\frac$-board": [4]}})  # fmt: skip
    png = draw(picture)
    assert png is not None and png.startswith(b"\x89PNG")


def test_a_county_assessment_keeps_to_the_county(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    a = run_assessment(es, settings, resolve("CA", "Monterey"), Q3)
    volume = a.figure("sex.volume").table()
    monterey = {"bool": {"filter": [
        {"term": {"counties": "06053"}},
        {"range": {"seen_at": {"gte": str(Q3.start), "lt": str(Q3.end)}}}]}}  # fmt: skip
    assert _n(volume, "all", "all") == count(es, settings, "leads", monterey) == 5
    places = a.figure("sex.places").table()
    assert [r[0] for r in places.rows] == [Text("Salinas, CA")]
    counties = a.figure("labor.counties").table()
    assert [r[0] for r in counties.rows] == [Text("Monterey"), Text("all counties")]
    assert "Monterey, California" in render_html(a, "shareable")


def test_debarments_and_labor_contractors_equal_direct_queries(
    world: dict[str, Any], es: Any, settings: Settings
) -> None:
    # The sample set's California debarments ran 2018-12-28 to 2021-12-27 and 2019-06-08
    # to 2020-06-07: in 2021-Q4 both are within three years, one is in force.
    scope = Scope(es, settings, resolve("CA"), parse_period("2021-Q4"))
    try:
        summary = labor.enforcement(scope).table("summary")
    finally:
        scope.close()
    direct = count(es, settings, "gw-records", {"bool": {"filter": [
        {"term": {"worksite_state": "CA"}}, {"term": {"dataset": "debarment"}},
        {"range": {"starts": {"lt": "2022-01-01"}}},
        {"range": {"ends": {"gte": "2019-01-01"}}}]}})  # fmt: skip
    assert _n(summary, "debarments in force or ended within 3 years", "value") == direct == 2
    assert _n(summary, "debarments in force during the period", "value") == 1
    # Washington's sample employers include an H-2A labor contractor.
    scope = Scope(es, settings, resolve("WA"), Q3)
    try:
        middle = labor.intermediaries(scope, 2024).table("summary")
    finally:
        scope.close()
    contractors = [r for r in _records(es, settings, 2024, "WA")
                   if r["values"].get("labor_contractor") is True]  # fmt: skip
    assert contractors
    assert _n(middle, "applications by H-2A labor contractors", "count") == len(contractors)


def test_hostile_tip_files_cost_one_record_each(
    es: Any, settings: Settings, tmp_path: Path
) -> None:
    good = {"received_at": "2026-08-01T10:00:00Z", "channel": "hotline", "region": "NV",
            "text": "a tip"}  # fmt: skip
    lines = [
        json.dumps(good),
        json.dumps({**good, "text": "lone \ud800 surrogate"}),  # replaced, kept
        '{"received_at": ' + "9" * 5000 + ', "channel": "911"}',
        '{"reference": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({**good, "emails": ["x" * 40_000 + "@example.com"]}),
        json.dumps({k: v for k, v in good.items() if k != "text"}),
        json.dumps({**good, "received_at": "2026-07-02T10:00:00+23:59"}),
        json.dumps(good),  # the same tip again
        json.dumps({**good, "phones": ["404-555-0131"]}),
        json.dumps({**good, "phones": ["404-555-0132"]}),  # alike but for the phone
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = lantern("tips", "ingest", str(path))
    out, err = run.stdout.decode(), run.stderr.decode()
    assert run.returncode == 0, err
    assert "10 read = 4 stored + 6 refused" in out
    refused = [line for line in err.splitlines() if line.startswith("refused: ")]
    assert len(refused) == 6 and "Traceback" not in err
    for number in (3, 4, 5, 6, 7):
        assert any(f"tip at line {number}:" in line for line in refused), (number, refused)
    assert any("tip at line 8: the same tip as line 1" in line for line in refused)
    letters = scan(es, settings, "deadletters", {"term": {"stage": "tips"}})
    assert {d["record_id"] for d in letters} >= {f"hostile.jsonl:{n}" for n in range(3, 9)}
    csv_path = tmp_path / "hostile.csv"
    csv_path.write_bytes(
        b"received_at,channel,region,text\n"
        b"2026-08-01T10:00:00Z,hotline,NV,first\n"
        b"2026-08-01T10:00:00Z,hotline,NV,bad \xff byte\n"
        b"2026-08-01T10:00:00Z,hotline,NV,too,many\n"
        b'2026-08-01T10:00:00Z,hotline,NV,"a quoted\nnewline"\n'
        b'2026-08-01T10:00:00Z,partner,NV,=HYPERLINK("http://evil.example")\n'
    )
    run = lantern("tips", "ingest", str(csv_path))
    out, err = run.stdout.decode(), run.stderr.decode()
    assert "5 read = 3 stored + 2 refused" in out, (out, err)
    assert "tip at line 3: invalid UTF-8 at byte" in err and "tip at line 4: 5 cells" in err
    stored = {t["text"] for t in scan(es, settings, "tips", {"term": {"file": "hostile.csv"}})}
    assert stored == {"first", "a quoted\nnewline", '=HYPERLINK("http://evil.example")'}
    header = tmp_path / "header.csv"
    header.write_text("received_at,channel,region,text,\n2026-08-01,hotline,NV,x,y\n")
    bad = lantern("tips", "ingest", str(header))
    assert bad.returncode == 2
    assert bad.stderr.decode().strip() == (
        "error: header.csv: the header has an empty or repeated column name"
    )


def _solutions(shown: list[list[str]], total_row: bool, total_column: bool, top: int) -> dict:
    """Every value each hidden cell of a shown table can take, given the totals shown and
    what its marker says ("<3": 0-2, withheld: 3 or more): an attacker's view."""
    grid = [[None if v in (HIDDEN, SECONDARY) else int(v) for v in row[1:]] for row in shown]
    hidden = [(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v is None]
    domain = {
        (r, c): range(0, 3) if shown[r][c + 1] == HIDDEN else range(3, top + 1) for r, c in hidden
    }
    lines = []
    if total_row:
        lines += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
    if total_column:
        lines += [[(r, c) for c in range(len(grid[0]))] for r in range(len(grid))]
    found: dict[tuple[int, int], set[int]] = {x: set() for x in hidden}

    def ok(values: dict[tuple[int, int], int]) -> bool:
        for line in lines:
            cells = [values.get(x, grid[x[0]][x[1]]) for x in line]
            known = [v for v in cells if v is not None]
            if len(known) == len(cells) and sum(known[:-1]) != known[-1]:
                return False
        return True

    def walk(i: int, values: dict[tuple[int, int], int]) -> None:
        if i == len(hidden):
            for x, v in values.items():
                found[x].add(v)
            return
        for v in domain[hidden[i]]:
            values[hidden[i]] = v
            if ok(values):
                walk(i + 1, values)
            del values[hidden[i]]

    walk(0, {})
    return found


@pytest.mark.parametrize(
    "rows",
    [
        [[3, 9, 1], [4, 0, 1]],  # a withheld total whose own line is shown
        [[0, 3, 10], [6, 6, 6]],  # the smallest partner would be pinned down with the rest
        [[2, 5, 9], [6, 8, 4], [9, 9, 1]],
        [[1, 0, 7, 4], [5, 2, 3, 8]],
    ],
)
def test_no_hidden_count_can_be_solved_from_the_totals(rows: list[list[int]]) -> None:
    body: list[list[Cell]] = [
        [Text(f"r{i}"), *(Count(v) for v in row), Count(sum(row))] for i, row in enumerate(rows)
    ]
    sums = [Count(sum(col)) for col in zip(*rows, strict=True)]
    table = Table(
        ["row", *(f"c{j}" for j in range(len(rows[0]))), "all"],
        [*body, [Text("all"), *sums, Count(sum(s.n for s in sums))]],
        total_row=True,
        total_column=True,
    )
    shown = shown_table(table, "shareable")
    assert shown is not None
    top = sum(map(sum, rows))
    for cell, values in _solutions(shown.rows, True, True, top).items():
        true = (body + [[None, *sums]])[cell[0]][cell[1] + 1]
        if isinstance(true, Count) and true.n < 3:
            assert len(values) >= 2, (cell, values, shown.rows)
