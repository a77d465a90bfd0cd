"""The fictional DOL sample files: real column names, planted cases where an investigator
would find them, benign filler, hostile files that are hostile, and speed."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

import demo.guestworker_samples as samples
from demo.guestworker_samples import PLANTED
from leads.guestworker.layouts import LAYOUTS as LAYOUTS_FILE

LAYOUTS = yaml.safe_load(LAYOUTS_FILE.read_text(encoding="utf-8"))
PHONE = re.compile(r"^(\(\d{3}\) |\d{3}-)555-01\d\d$")
EMAIL = re.compile(r"^[a-z0-9.]+@example\.(com|org)$")
FEIN = re.compile(r"^00-\d{7}$")


def _sheet(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = [str(c) for c in rows[0]]
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _digits(phone: Any) -> str:
    return re.sub(r"\D", "", str(phone or ""))


@pytest.fixture(scope="module")
def sample_set(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return samples.write_sample_set(tmp_path_factory.mktemp("gw-samples"))


@pytest.fixture(scope="module")
def h2a24(sample_set: dict[str, Path]) -> list[dict[str, Any]]:
    return _sheet(sample_set["h2a_fy2024"])[1]


@pytest.fixture(scope="module")
def h2a19(sample_set: dict[str, Path]) -> list[dict[str, Any]]:
    return _sheet(sample_set["h2a_fy2019"])[1]


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return samples.write_bad_files(tmp_path_factory.mktemp("gw-bad"))


# --- files and layouts -----------------------------------------------------------------


def test_sample_set_files_are_written_with_oflc_names(sample_set: dict[str, Path]) -> None:
    assert {k: p.name for k, p in sample_set.items()} == samples.SAMPLE_SET_FILES
    assert all(p.stat().st_size > 0 for p in sample_set.values())
    assert {k for case in PLANTED.values() for k in case["files"]} <= set(sample_set)


def test_h2a_new_layout_header_is_layouts_yaml_first_names(sample_set: dict[str, Path]) -> None:
    fields = LAYOUTS["h2a"]["fields"]
    expected = [names[0] for field, names in fields.items() if field != "agent_name"]
    header, rows = _sheet(sample_set["h2a_fy2024"])
    assert header == expected == list(samples.H2A_NEW_COLUMNS)
    assert len(rows) == 60


def test_h2a_old_layout_uses_the_older_names(sample_set: dict[str, Path]) -> None:
    fields = LAYOUTS["h2a"]["fields"]
    header, rows = _sheet(sample_set["h2a_fy2019"])
    assert header == list(samples.H2A_OLD_COLUMNS) and len(rows) == 60
    by_column = {name: field for field, names in fields.items() for name in names}
    for column in header:
        names = fields[by_column[column]]
        assert column in (names[1:] if len(names) > 1 else names), column
    assert {"CASE_NO", "NBR_WORKERS_REQUESTED", "NBR_WORKERS_CERTIFIED", "BASIC_RATE_OF_PAY",
            "BASIC_UNIT_OF_PAY", "ALIEN_WORK_CITY", "ALIEN_WORK_STATE", "AGENT_ATTORNEY_NAME",
            "CERTIFICATION_BEGIN_DATE", "CERTIFICATION_END_DATE", "EMPLOYER_NAME",
            "EMPLOYER_PHONE", "CASE_STATUS", "JOB_TITLE"} <= set(header)  # fmt: skip
    assert all(re.fullmatch(r"C-1[89]\d{3}-\d{5}", r["CASE_NO"]) for r in rows)


def test_h2b_whd_and_debarment_headers(sample_set: dict[str, Path]) -> None:
    h2b = [n[0] for f, n in LAYOUTS["h2b"]["fields"].items() if f != "agent_name"]
    header, rows = _sheet(sample_set["h2b_fy2024"])
    assert header == h2b and len(rows) == 40
    whd_header, whd = _csv(sample_set["whd"])
    assert whd_header == [n[0] for n in LAYOUTS["whd"]["fields"].values()] and len(whd) == 50
    deb_header, debarred = _csv(sample_set["debarments"])
    assert deb_header == [n[0] for n in LAYOUTS["debarment"]["fields"].values()]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", d["Start Date"]) for d in debarred)


def test_values_have_the_real_types(h2a24: list[dict[str, Any]]) -> None:
    statuses = [r["CASE_STATUS"] for r in h2a24]
    assert statuses.count(samples.STATUS_CERTIFIED) > len(statuses) / 2
    for r in h2a24:
        assert re.fullmatch(r"H-300-2[34]\d{3}-\d{6}", r["CASE_NUMBER"])
        assert isinstance(r["RECEIVED_DATE"], datetime)
        assert isinstance(r["EMPLOYMENT_BEGIN_DATE"], datetime)
        assert isinstance(r["WAGE_OFFER"], float) and r["PER"] == "Hour"
        assert isinstance(r["TOTAL_OCCUPANCY"], int) and isinstance(r["TOTAL_UNITS"], int)
        for flag in ("H2A_LABOR_CONTRACTOR", "HOUSING_TRANSPORTATION", "MEALS_CHARGED",
                     "USING_AGENT_RECRUITER"):  # fmt: skip
            assert r[flag] in ("Y", "N")
        assert PHONE.match(r["EMPLOYER_PHONE"]) and FEIN.match(r["EMPLOYER_FEIN"])
        assert EMAIL.match(r["EMAIL_TO_APPLY"])
        assert r["ATTORNEY_AGENT_PHONE"] is None or PHONE.match(r["ATTORNEY_AGENT_PHONE"])


# --- planted cases ---------------------------------------------------------------------


def test_debarred_employer_reappears_as_renamed_successor(
    sample_set: dict[str, Path], h2a19: list[dict[str, Any]], h2a24: list[dict[str, Any]]
) -> None:
    case = PLANTED["debarred_successor"]
    debarred = [d for d in _csv(sample_set["debarments"])[1] if d["Name"] == case["debarred_name"]]
    assert len(debarred) == 1
    d = debarred[0]
    assert (d["Program"], d["City"], d["State"]) == ("H-2A", "Tifton", "GA")
    assert (d["Start Date"], d["End Date"]) == ("2022-03-01", "2025-02-28")
    assert d["Violation"] == "failure to pay wages"

    [old] = [r for r in h2a19 if r["EMPLOYER_NAME"] == "Fakename Orchards LLC"]
    [new] = [r for r in h2a24 if r["EMPLOYER_NAME"] == "Fakename Harvest Group LLC"]
    assert old["AGENT_ATTORNEY_NAME"] == new["LAWFIRM_NAME_BUSINESS_NAME"] == "Demo Visa Services"
    assert new["ATTORNEY_AGENT_PHONE"] == "(229) 555-0145"
    assert _digits(old["EMPLOYER_PHONE"]) == _digits(new["EMPLOYER_PHONE"]) == "2295550144"
    assert old["EMPLOYER_CITY"] == new["EMPLOYER_CITY"] == "Tifton"
    assert old["EMPLOYER_FEIN"] == case["debarred_fein"] != new["EMPLOYER_FEIN"]
    assert new["EMPLOYER_FEIN"] == case["successor_fein"]
    assert not [r for r in h2a24 if r["EMPLOYER_NAME"] == "Fakename Orchards LLC"]

    whd = [w for w in _csv(sample_set["whd"])[1] if w["legal_name"] == "FAKENAME ORCHARDS L.L.C."]
    assert len(whd) == 1 and whd[0]["st_cd"] == "GA"
    assert int(whd[0]["h2a_violtn_cnt"]) == 14 and float(whd[0]["h2a_bw_atp_amt"]) == 85000


def test_housing_shortfall_and_below_minimum_wage(h2a24: list[dict[str, Any]]) -> None:
    [berry] = [r for r in h2a24 if r["EMPLOYER_NAME"] == "Example Berry Farm Inc"]
    assert (berry["TOTAL_WORKERS_H2A_CERTIFIED"], berry["TOTAL_OCCUPANCY"]) == (80, 40)
    assert berry["EMPLOYER_CITY"] == "Plant City"
    [citrus] = [r for r in h2a24 if r["EMPLOYER_NAME"] == "Sample Citrus Co"]
    assert (citrus["WAGE_OFFER"], citrus["PER"], citrus["WORKSITE_STATE"]) == (6.5, "Hour", "FL")
    assert citrus["EMPLOYER_CITY"] == "Lake Wales"


def test_clean_large_farm_is_one_employer_in_both_years(
    sample_set: dict[str, Path], h2a19: list[dict[str, Any]], h2a24: list[dict[str, Any]]
) -> None:
    [new] = [r for r in h2a24 if r["EMPLOYER_NAME"] == "Big Valley Produce, Inc."]
    [old] = [r for r in h2a19 if r["EMPLOYER_NAME"] == "BIG VALLEY PRODUCE INC"]
    assert old["TRADE_NAME_DBA"] == "Big Valley Farms"
    assert new["EMPLOYER_PHONE"] == "(831) 555-0150" and _digits(old["EMPLOYER_PHONE"]) == (
        "8315550150"
    )
    assert new["EMPLOYER_FEIN"] == old["EMPLOYER_FEIN"]
    assert (new["TOTAL_WORKERS_H2A_CERTIFIED"], new["TOTAL_OCCUPANCY"]) == (400, 420)
    assert new["WAGE_OFFER"] == 19.97 and new["H2A_LABOR_CONTRACTOR"] == "N"
    assert new["DEDUCTIONS_FROM_PAY"] == "Taxes as required by law"
    firm = new["LAWFIRM_NAME_BUSINESS_NAME"]
    assert [r["EMPLOYER_NAME"] for r in h2a24 if r["LAWFIRM_NAME_BUSINESS_NAME"] == firm] == [
        "Big Valley Produce, Inc."
    ]
    assert not [w for w in _csv(sample_set["whd"])[1] if "BIG VALLEY" in w["legal_name"]]
    assert not [d for d in _csv(sample_set["debarments"])[1] if "Big Valley" in d["Name"]]


def test_shared_agent_shared_housing_contractors_and_deductions(
    h2a24: list[dict[str, Any]],
) -> None:
    firm = "Demo Visa Services"
    demo = {r["EMPLOYER_NAME"] for r in h2a24 if r["LAWFIRM_NAME_BUSINESS_NAME"] == firm}
    assert len(demo) >= 6 and "Fakename Harvest Group LLC" in demo
    assert demo == set(PLANTED["shared_agent"]["employers"])

    camp = {
        r["EMPLOYER_NAME"]
        for r in h2a24
        if r["HOUSING_ADDRESS_LOCATION"] == "100 Example Camp Rd"
        and (r["HOUSING_CITY"], r["HOUSING_STATE"]) == ("Moultrie", "GA")
    }
    assert len(camp) >= 5
    assert camp | set(PLANTED["shared_housing"]["address_variants"]) == set(
        PLANTED["shared_housing"]["employers"]
    )

    contractors = {r["EMPLOYER_NAME"] for r in h2a24 if r["H2A_LABOR_CONTRACTOR"] == "Y"}
    assert contractors == set(PLANTED["labor_contractors"]["employers"])
    assert "Demo Crew Contractors LLC" in contractors

    bad = samples.BAD_DEDUCTIONS
    bad_text = [r["EMPLOYER_NAME"] for r in h2a24 if r["DEDUCTIONS_FROM_PAY"] == bad]
    assert bad_text == [PLANTED["bad_deductions"]["employer"]]


def test_foreign_recruiter_and_job_order_text(sample_set: dict[str, Path]) -> None:
    _, h2b = _sheet(sample_set["h2b_fy2024"])
    [landscaping] = [r for r in h2b if r["EMPLOYER_NAME"] == "Example Landscaping LLC"]
    assert landscaping["FOREIGN_LABOR_RECRUITER"] == "Y"
    assert {r["FOREIGN_LABOR_RECRUITER"] for r in h2b} <= {"Y", "N"}

    orders = json.loads(sample_set["job_orders"].read_text(encoding="utf-8"))
    assert len(orders) == 24
    keys = {"caseNumber", "visaType", "empBusinessName", "empTradeName", "empPhone", "empEmail",
            "jobTitle", "jobDuties", "wageOffer", "wageAdditional", "recPayDeductions",
            "worksiteCity", "worksiteState", "beginDate", "endDate", "recruiters"}  # fmt: skip
    assert all(set(o) == keys for o in orders)
    assert {o["visaType"] for o in orders} == {"H-2A", "H-2B"}
    by_name = {o["empBusinessName"]: o for o in orders}
    recruiters = by_name["Example Landscaping LLC"]["recruiters"]
    assert {"name": "Reclutadora Ejemplo", "country": "Mexico"}.items() <= recruiters[0].items()

    fakename = by_name["Fakename Harvest Group LLC"]
    text = fakename["jobDuties"] + " " + fakename["recPayDeductions"]
    assert all(p in text for p in PLANTED["job_order_indicators"]["phrases"])
    assert fakename["caseNumber"] == PLANTED["job_order_indicators"]["case_number"]
    ordinary = [o for o in orders if not o["empBusinessName"].startswith("Fakename")]
    for o in ordinary:
        words = (o["jobDuties"] + o["recPayDeductions"] + o["wageAdditional"]).lower()
        assert not any(w in words for w in ("fee", "passport", "deuda", "salir", "loan"))
        assert PHONE.match(o["empPhone"]) and EMAIL.match(o["empEmail"])


# --- filler ----------------------------------------------------------------------------


def test_filler_is_benign_and_recurs_across_years(
    h2a19: list[dict[str, Any]], h2a24: list[dict[str, Any]]
) -> None:
    planted = {"Demo Visa Services", "Notreal Agricultural Law LLP", "Lorem Labor Consulting"}
    clients: dict[str, set[str]] = defaultdict(set)
    for r in h2a24:
        if r["ATTORNEY_AGENT_LAST_NAME"]:
            key = f"{r['ATTORNEY_AGENT_FIRST_NAME']} {r['ATTORNEY_AGENT_LAST_NAME']}"
            clients[key].add(r["EMPLOYER_FEIN"])
            if r["LAWFIRM_NAME_BUSINESS_NAME"] in planted:
                continue
            assert len(clients[key]) <= 3, key
            assert r["WAGE_OFFER"] > 12.0
            assert r["TOTAL_OCCUPANCY"] >= r["TOTAL_WORKERS_H2A_CERTIFIED"]
            assert r["DEDUCTIONS_FROM_PAY"] in (None, *samples._ORDINARY_DEDUCTIONS)
    planted_fy2019 = {"Fakename Orchards LLC", "BIG VALLEY PRODUCE INC",
                      "Example Vidalia Farms LLC", "EXAMPLE BERRY FARM, INC."}  # fmt: skip
    filler19 = [r for r in h2a19 if r["EMPLOYER_NAME"] not in planted_fy2019]
    assert len(filler19) == 60 - len(planted_fy2019)
    assert all(r["BASIC_RATE_OF_PAY"] > 12.0 for r in filler19)
    both = {r["EMPLOYER_FEIN"] for r in h2a24} & {r["EMPLOYER_FEIN"] for r in h2a19}
    assert len(both) >= 10  # the same farms file in both years
    names = {r["EMPLOYER_NAME"] for r in h2a24} | {r["EMPLOYER_NAME"] for r in h2a19}
    assert any(n.isupper() for n in names) and any("L.L.C." in n or ", Inc." in n for n in names)
    for n in names:  # every name carries an obviously fictional marker
        assert n.split()[0].title() in {
            *samples._MARKERS, "Fakename", "Example", "Sample", "Demo", "Placeholder",
            "Fictional", "Big", "Pretend",
        }, n  # fmt: skip


def test_same_seed_same_values_other_seed_other_values(tmp_path: Path) -> None:
    a = samples.write_h2a_workbook(tmp_path / "a.xlsx", rows=30, seed=3)
    b = samples.write_h2a_workbook(tmp_path / "b.xlsx", rows=30, seed=3)
    c = samples.write_h2a_workbook(tmp_path / "c.xlsx", rows=30, seed=4)
    assert _sheet(a) == _sheet(b) != _sheet(c)
    with pytest.raises(ValueError, match="planted"):
        samples.write_h2a_workbook(tmp_path / "d.xlsx", rows=5)
    assert len(_sheet(samples.write_h2a_workbook(tmp_path / "e.xlsx", 5, planted=False))[1]) == 5


# --- hostile files and speed -----------------------------------------------------------


def test_zip_bomb_declares_a_huge_size_without_being_inflated(bad: dict[str, Path]) -> None:
    assert set(bad) == {"zip_bomb", "xml_bomb", "corrupted", "renamed_columns", "not_a_workbook"}
    path = bad["zip_bomb"]
    assert path.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    sheet = next(i for i in infos if i.filename == "xl/worksheets/sheet1.xml")
    assert sheet.file_size >= 200 * 1024 * 1024
    assert sheet.file_size / sheet.compress_size > 500
    assert "[Content_Types].xml" in {i.filename for i in infos}


def test_xml_bomb_corrupted_renamed_and_text(bad: dict[str, Path]) -> None:
    with zipfile.ZipFile(bad["xml_bomb"]) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<!ENTITY" in xml and "&lol9;" in xml and xml.count("<!ENTITY") == 10
    from openpyxl.xml import DEFUSEDXML

    if DEFUSEDXML:  # defusedxml refuses it (openpyxl may wrap the error)
        with pytest.raises(Exception) as refused:
            workbook = openpyxl.load_workbook(bad["xml_bomb"], read_only=True)
            list(workbook.worksheets[0].iter_rows(values_only=True))
        cause = refused.value.__cause__ or refused.value
        assert "Forbidden" in type(cause).__name__
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(bad["corrupted"])
    header, rows = _sheet(bad["renamed_columns"])
    assert "EMPLOYER_NM" in header and "EMPLOYER_NAME" not in header
    assert "TOTAL_WORKERS_H2A_CERTIFIED" not in header and len(rows) == 20
    assert not zipfile.is_zipfile(bad["not_a_workbook"])


def test_big_workbook_has_every_row(tmp_path: Path) -> None:
    # Speed is measured by benchmarks/guestworker.py, not asserted here.
    path = samples.write_h2a_workbook(tmp_path / "big.xlsx", rows=2000, seed=11)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        assert sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) == 2001
    finally:
        workbook.close()


def test_the_sample_writer_keeps_types_and_markup_as_text(tmp_path: Path) -> None:
    from demo.xlsx import write_xlsx

    row = ["Fakename & Sons <Demo> \"Farm\"", "  padded  ", 22.0, 17.06, True,
           datetime(2024, 1, 18), None, "=SUM(1,2)"]  # fmt: skip
    path = write_xlsx(tmp_path / "typed.xlsx", [f"C{i}" for i in range(8)], [row], "T & <x>")
    header, rows = _sheet(path)
    assert list(rows[0].values()) == [*row[:2], 22, 17.06, True, row[5], None, "=SUM(1,2)"]
    assert [type(v) for v in rows[0].values()][2:6] == [int, float, bool, datetime]
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == ["T & <x>"]
