"""Deterministic, FICTIONAL sample files in the real US Department of Labor layouts.

Tests, the demo and the benchmark need guest-worker data without downloading DOL
files. Everything written here is generated from a seed and is fiction: company names
carry an obvious marker ("Fakename", "Example", "Sample", "Demo", "Mock", "Dummy", ...),
phone numbers are in the reserved 555-01xx range, e-mail addresses end in
``@example.com`` / ``@example.org`` and FEINs start with ``00-`` (never issued).

What *is* real is the shape: the column names are the ones in ``layouts.yaml`` (OFLC
H-2A/H-2B disclosure workbooks in the FY2020+ layout and the older one, WHD's WHISARD
extract, the debarment list), values have the types the real files have (Excel dates,
``Y``/``N`` flags, floats for wages, free text for deductions) and names are as messy
as OFLC's (``, Inc.`` / ``LLC`` / ``L.L.C.`` variants, upper-case older years).

Ten cases are planted among benign filler rows, spread over the files the way an
investigator would meet them; :data:`PLANTED` describes each one with its names and
values so tests can assert on them. Writers:

- :func:`write_h2a_workbook`, :func:`write_h2b_workbook`: OFLC disclosure workbooks
  (written by :mod:`demo.xlsx`, so 20,000+ rows are quick);
- :func:`write_whd_csv`, :func:`write_debarments_csv`: enforcement and debarment lists;
- :func:`write_job_orders_json`: a SeasonalJobs-style daily archive of job orders;
- :func:`write_bad_files`: hostile and broken inputs (zip bomb, XML bomb, ...);
- :func:`write_sample_set`: one of each good file, named like OFLC's.

The same seed gives the same cell values (the zip still stamps the save time into
its directory). Filler employers come from one seeded "world", so the same
farms recur across FY2019 and FY2024, sometimes under a slightly different spelling.

Job-order field names (``caseNumber``, ``empBusinessName``, ``jobDuties``,
``recPayDeductions``, ``recruiters`` ...) follow ``SOURCES.md``; they are UNVERIFIED
against the live SeasonalJobs feed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from demo.xlsx import write_xlsx

Layout = Literal["new", "old"]

# ---------------------------------------------------------------------------------------
# Layouts: (canonical field in layouts.yaml, column name in the file), in file order.
# ---------------------------------------------------------------------------------------

#: H-2A, FY2020+ layout: the first name of every h2a field in layouts.yaml, except
#: ``agent_name`` (AGENT_ATTORNEY_NAME), a pre-FY2020 column that the new layout split
#: into ATTORNEY_AGENT_LAST_NAME / ATTORNEY_AGENT_FIRST_NAME.
H2A_NEW_FIELDS: tuple[tuple[str, str], ...] = (
    ("case_number", "CASE_NUMBER"),
    ("case_status", "CASE_STATUS"),
    ("received_date", "RECEIVED_DATE"),
    ("decision_date", "DECISION_DATE"),
    ("employer_type", "TYPE_OF_EMPLOYER_APPLICATION"),
    ("labor_contractor", "H2A_LABOR_CONTRACTOR"),
    ("employer_name", "EMPLOYER_NAME"),
    ("trade_name", "TRADE_NAME_DBA"),
    ("employer_address", "EMPLOYER_ADDRESS1"),
    ("employer_city", "EMPLOYER_CITY"),
    ("employer_state", "EMPLOYER_STATE"),
    ("employer_postal_code", "EMPLOYER_POSTAL_CODE"),
    ("employer_phone", "EMPLOYER_PHONE"),
    ("employer_fein", "EMPLOYER_FEIN"),
    ("naics_code", "NAICS_CODE"),
    ("agent_last_name", "ATTORNEY_AGENT_LAST_NAME"),
    ("agent_first_name", "ATTORNEY_AGENT_FIRST_NAME"),
    ("agent_phone", "ATTORNEY_AGENT_PHONE"),
    ("agent_email", "ATTORNEY_AGENT_EMAIL_ADDRESS"),
    ("law_firm", "LAWFIRM_NAME_BUSINESS_NAME"),
    ("job_title", "JOB_TITLE"),
    ("soc_code", "SOC_CODE"),
    ("begin_date", "EMPLOYMENT_BEGIN_DATE"),
    ("end_date", "EMPLOYMENT_END_DATE"),
    ("workers_needed", "TOTAL_WORKERS_NEEDED"),
    ("workers_requested", "TOTAL_WORKERS_H2A_REQUESTED"),
    ("workers_certified", "TOTAL_WORKERS_H2A_CERTIFIED"),
    ("wage_offer", "WAGE_OFFER"),
    ("wage_per", "PER"),
    ("piece_rate_offer", "PIECE_RATE_OFFER"),
    ("deductions", "DEDUCTIONS_FROM_PAY"),
    ("worksite_city", "WORKSITE_CITY"),
    ("worksite_state", "WORKSITE_STATE"),
    ("worksite_county", "WORKSITE_COUNTY"),
    ("housing_address", "HOUSING_ADDRESS_LOCATION"),
    ("housing_city", "HOUSING_CITY"),
    ("housing_state", "HOUSING_STATE"),
    ("housing_postal_code", "HOUSING_POSTAL_CODE"),
    ("housing_type", "TYPE_OF_HOUSING"),
    ("housing_units", "TOTAL_UNITS"),
    ("housing_occupancy", "TOTAL_OCCUPANCY"),
    ("housing_transportation", "HOUSING_TRANSPORTATION"),
    ("meals_charged", "MEALS_CHARGED"),
    ("phone_to_apply", "PHONE_TO_APPLY"),
    ("email_to_apply", "EMAIL_TO_APPLY"),
    ("using_recruiter", "USING_AGENT_RECRUITER"),
)

#: H-2A before FY2020: the older name where layouts.yaml gives one (CASE_NO,
#: EMPLOYER_ADDRESS_1, AGENT_ATTORNEY_NAME, CERTIFICATION_*_DATE, NBR_WORKERS_*,
#: BASIC_RATE_OF_PAY, BASIC_UNIT_OF_PAY, ALIEN_WORK_*) plus unchanged columns (FEIN
#: included, so a renamed successor's new FEIN shows). No housing or labor-contractor
#: columns: those came with the FY2020 layout.
H2A_OLD_FIELDS: tuple[tuple[str, str], ...] = (
    ("case_number", "CASE_NO"),
    ("case_status", "CASE_STATUS"),
    ("decision_date", "DECISION_DATE"),
    ("employer_name", "EMPLOYER_NAME"),
    ("trade_name", "TRADE_NAME_DBA"),
    ("employer_address", "EMPLOYER_ADDRESS_1"),
    ("employer_city", "EMPLOYER_CITY"),
    ("employer_state", "EMPLOYER_STATE"),
    ("employer_postal_code", "EMPLOYER_POSTAL_CODE"),
    ("employer_phone", "EMPLOYER_PHONE"),
    ("employer_fein", "EMPLOYER_FEIN"),
    ("naics_code", "NAICS_CODE"),
    ("agent_name", "AGENT_ATTORNEY_NAME"),
    ("job_title", "JOB_TITLE"),
    ("soc_code", "SOC_CODE"),
    ("begin_date", "CERTIFICATION_BEGIN_DATE"),
    ("end_date", "CERTIFICATION_END_DATE"),
    ("workers_requested", "NBR_WORKERS_REQUESTED"),
    ("workers_certified", "NBR_WORKERS_CERTIFIED"),
    ("wage_offer", "BASIC_RATE_OF_PAY"),
    ("wage_per", "BASIC_UNIT_OF_PAY"),
    ("worksite_city", "ALIEN_WORK_CITY"),
    ("worksite_state", "ALIEN_WORK_STATE"),
)

#: H-2B, FY2020+ layout: the first name of every h2b field except ``agent_name``.
H2B_FIELDS: tuple[tuple[str, str], ...] = (
    ("case_number", "CASE_NUMBER"),
    ("case_status", "CASE_STATUS"),
    ("received_date", "RECEIVED_DATE"),
    ("decision_date", "DECISION_DATE"),
    ("employer_name", "EMPLOYER_NAME"),
    ("trade_name", "TRADE_NAME_DBA"),
    ("employer_address", "EMPLOYER_ADDRESS1"),
    ("employer_city", "EMPLOYER_CITY"),
    ("employer_state", "EMPLOYER_STATE"),
    ("employer_postal_code", "EMPLOYER_POSTAL_CODE"),
    ("employer_phone", "EMPLOYER_PHONE"),
    ("employer_fein", "EMPLOYER_FEIN"),
    ("naics_code", "NAICS_CODE"),
    ("agent_last_name", "ATTORNEY_AGENT_LAST_NAME"),
    ("agent_first_name", "ATTORNEY_AGENT_FIRST_NAME"),
    ("agent_phone", "ATTORNEY_AGENT_PHONE"),
    ("agent_email", "ATTORNEY_AGENT_EMAIL_ADDRESS"),
    ("law_firm", "LAWFIRM_NAME_BUSINESS_NAME"),
    ("job_title", "JOB_TITLE"),
    ("soc_code", "SOC_CODE"),
    ("begin_date", "EMPLOYMENT_BEGIN_DATE"),
    ("end_date", "EMPLOYMENT_END_DATE"),
    ("workers_requested", "TOTAL_WORKERS_REQUESTED"),
    ("workers_certified", "TOTAL_WORKERS_CERTIFIED"),
    ("wage_offer", "BASIC_WAGE_RATE_FROM"),
    ("wage_offer_to", "BASIC_WAGE_RATE_TO"),
    ("wage_per", "PER"),
    ("daily_transportation", "DAILY_TRANSPORTATION"),
    ("board_lodging", "BOARD_LODGING_OTHER_FACILITIES"),
    ("deductions", "DEDUCTIONS_FROM_PAY"),
    ("foreign_recruiter", "FOREIGN_LABOR_RECRUITER"),
    ("job_contract", "JOB_CONTRACT_EXISTS"),
    ("worksite_county", "WORKSITE_COUNTY"),
    ("worksite_city", "WORKSITE_CITY"),
    ("worksite_state", "WORKSITE_STATE"),
)

WHD_COLUMNS: tuple[str, ...] = (
    "case_id",
    "trade_nm",
    "legal_name",
    "street_addr_1_txt",
    "cty_nm",
    "st_cd",
    "zip_cd",
    "naic_cd",
    "findings_start_date",
    "findings_end_date",
    "case_violtn_cnt",
    "bw_atp_amt",
    "h2a_violtn_cnt",
    "h2a_bw_atp_amt",
    "h2a_ee_atp_cnt",
    "h2a_cmp_assd_amt",
    "h2b_violtn_cnt",
    "h2b_bw_atp_amt",
    "mspa_violtn_cnt",
)
DEBARMENT_COLUMNS: tuple[str, ...] = (
    "Program",
    "Name",
    "City",
    "State",
    "Start Date",
    "End Date",
    "Violation",
)
H2A_NEW_COLUMNS: tuple[str, ...] = tuple(c for _, c in H2A_NEW_FIELDS)
H2A_OLD_COLUMNS: tuple[str, ...] = tuple(c for _, c in H2A_OLD_FIELDS)
H2B_COLUMNS: tuple[str, ...] = tuple(c for _, c in H2B_FIELDS)

#: File names :func:`write_sample_set` uses (OFLC's own naming for the workbooks).
SAMPLE_SET_FILES: dict[str, str] = {
    "h2a_fy2024": "H-2A_Disclosure_Data_FY2024_Q4.xlsx",
    "h2a_fy2019": "H-2A_Disclosure_Data_FY2019.xlsx",
    "h2b_fy2024": "H-2B_Disclosure_Data_FY2024_Q4.xlsx",
    "whd": "whd_whisard.csv",
    "debarments": "h2_debarments.csv",
    "job_orders": "seasonaljobs_2024-11-30.json",
}

STATUS_CERTIFIED = "Determination Issued - Certification"
_STATUSES = (
    (STATUS_CERTIFIED, 0.86),
    ("Determination Issued - Partial Certification", 0.06),
    ("Determination Issued - Withdrawn", 0.04),
    ("Determination Issued - Denied", 0.04),
)
TAXES_ONLY = "Taxes as required by law"
BAD_DEDUCTIONS = "Housing $80 per week and transportation $400 deducted from pay; visa fee deducted"
_ORDINARY_DEDUCTIONS = (
    TAXES_ONLY,
    "FICA and federal and state income taxes as required by law",
    "Taxes as required by law; voluntary deductions authorized in writing by the worker",
    "Social Security, Medicare and income taxes as required by law",
)

# ---------------------------------------------------------------------------------------
# The people and places of the sample world.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Agent:
    first: str
    last: str
    firm: str
    phone: str  # "(229) 555-0145"
    email: str

    @property
    def display(self) -> str:
        """What the pre-FY2020 single AGENT_ATTORNEY_NAME column holds."""
        return self.firm or f"{self.last}, {self.first}"


@dataclass(frozen=True)
class _Housing:
    address: str
    city: str
    state: str
    postal_code: str
    kind: str = "Employer-provided"


@dataclass(frozen=True)
class _Employer:
    key: str
    program: str  # "H-2A" / "H-2B"
    name: str
    trade_name: str | None
    address: str
    city: str
    state: str
    postal_code: str
    phone: str  # "(xxx) 555-01xx"
    fein: str
    naics: str
    job_title: str
    soc_code: str
    duties: str
    workers: int
    wage_2024: float  # hourly wage at FY2024 level
    agent: _Agent | None = None
    labor_contractor: bool = False
    housing: _Housing | None = None
    email: str = ""
    first_year: int = 2010
    last_year: int = 2030
    foreign_recruiter: bool = False


def _phone(area: str, line: int, style: str = "paren") -> str:
    """A reserved fictional number: (area) 555-01xx."""
    if style == "dash":
        return f"{area}-555-{line:04d}"
    return f"({area}) 555-{line:04d}"


def _dash(phone: str) -> str:
    """ "(229) 555-0144" -> "229-555-0144" (the older files' style)."""
    return re.sub(r"\((\d{3})\) ", r"\1-", phone)


# Planted agents (their last names never occur among filler agents).
_DEMO_VISA = _Agent("Dana", "Roe", "Demo Visa Services", _phone("229", 145), "dana.roe@example.com")
_BIG_VALLEY_ATTORNEY = _Agent(
    "Morgan", "Notreal", "Notreal Agricultural Law LLP", _phone("831", 151),
    "morgan.notreal@example.com",
)  # fmt: skip
_BERRY_AGENT = _Agent(
    "Jordan", "Lorem", "Lorem Labor Consulting", _phone("813", 171), "jordan.lorem@example.com"
)
SHARED_CAMP = _Housing("100 Example Camp Rd", "Moultrie", "GA", "31768")
_SHARED_CAMP_VARIANT = replace(SHARED_CAMP, address="100 Example Camp Road")

# (job title, NAICS, SOC, duties)
_GA_ONION = (
    "Farmworker - Onions", "111219", "45-2092.00",
    "Plant, weed and hand-harvest sweet onions; clip, grade and bag onions in the field.",
)  # fmt: skip
_GA_VEG = (
    "Farmworker", "111219", "45-2092.00",
    "Hand-harvest vegetables; weed, plant and load produce onto trucks.",
)  # fmt: skip
_CONTRACTOR = (
    "Farmworker", "115115", "45-2092.00",
    "Harvest vegetables by hand for growers served by the crew; load field trucks.",
)  # fmt: skip


def _planted_employer(key: str, name: str, **kw: Any) -> _Employer:
    return _Employer(key=key, program=kw.pop("program", "H-2A"), name=name, **kw)


def _job(spec: tuple[str, str, str, str]) -> dict[str, Any]:
    title, naics, soc, duties = spec
    return {"job_title": title, "naics": naics, "soc_code": soc, "duties": duties}


# FY2024 (new layout) H-2A employers of the planted cases.
_P = {
    "fakename_harvest": _planted_employer(
        "fakename_harvest", "Fakename Harvest Group LLC", trade_name=None,
        address="18 Commerce Way Suite 5", city="Tifton", state="GA", postal_code="31794",
        phone=_phone("229", 144), fein="00-0000146", **_job(_GA_ONION), workers=60,
        wage_2024=14.68, agent=_DEMO_VISA, housing=SHARED_CAMP,
        email="hiring.fakenameharvest@example.com",
    ),
    "demo_crew": _planted_employer(
        "demo_crew", "Demo Crew Contractors LLC", trade_name=None,
        address="410 Example Industrial Blvd", city="Moultrie", state="GA", postal_code="31768",
        phone=_phone("229", 160), fein="00-0000160", **_job(_CONTRACTOR), workers=90,
        wage_2024=14.68, agent=_DEMO_VISA, labor_contractor=True, housing=SHARED_CAMP,
        email="office.democrew@example.com",
    ),
    "sample_harvest_labor": _planted_employer(
        "sample_harvest_labor", "Sample Harvest Labor LLC", trade_name=None,
        address="7 Sample Ln", city="Norman Park", state="GA", postal_code="31771",
        phone=_phone("229", 161), fein="00-0000161", **_job(_CONTRACTOR), workers=70,
        wage_2024=14.68, agent=_DEMO_VISA, labor_contractor=True, housing=SHARED_CAMP,
        email="jobs.sampleharvest@example.com",
    ),
    "example_vidalia": _planted_employer(
        "example_vidalia", "Example Vidalia Farms LLC", trade_name=None,
        address="2200 Example Farm Rd", city="Lyons", state="GA", postal_code="30436",
        phone=_phone("912", 162), fein="00-0000162", **_job(_GA_ONION), workers=50,
        wage_2024=14.68, agent=_DEMO_VISA, housing=SHARED_CAMP,
        email="hiring.examplevidalia@example.com",
    ),
    "placeholder_onion": _planted_employer(
        "placeholder_onion", "Placeholder Onion Farms Inc", trade_name=None,
        address="55 Placeholder Rd", city="Glennville", state="GA", postal_code="30427",
        phone=_phone("912", 163), fein="00-0000163", **_job(_GA_ONION), workers=45,
        wage_2024=14.68, agent=_DEMO_VISA, housing=SHARED_CAMP,
        email="office.placeholderonion@example.com",
    ),
    "fictional_produce": _planted_employer(
        "fictional_produce", "Fictional Produce Partners LLC", trade_name=None,
        address="9 Fictional Ave", city="Adel", state="GA", postal_code="31620",
        phone=_phone("229", 164), fein="00-0000164", **_job(_GA_VEG), workers=40,
        wage_2024=14.68, agent=_DEMO_VISA, housing=_SHARED_CAMP_VARIANT,
        email="jobs.fictionalproduce@example.com",
    ),
    "example_watermelon": _planted_employer(
        "example_watermelon", "Example Watermelon Growers LLC", trade_name=None,
        address="3100 Example Melon Rd", city="Cordele", state="GA", postal_code="31015",
        phone=_phone("229", 165), fein="00-0000165",
        **_job(("Farmworker - Watermelons", "111219", "45-2092.00",
                "Cut, carry and load watermelons by hand; ride harvest trailers.")),
        workers=35, wage_2024=14.68, agent=_DEMO_VISA,
        housing=_Housing("3110 Example Melon Rd", "Cordele", "GA", "31015"),
        email="hiring.examplewatermelon@example.com",
    ),
    "example_berry": _planted_employer(
        "example_berry", "Example Berry Farm Inc", trade_name=None,
        address="1200 Example Berry Rd", city="Plant City", state="FL", postal_code="33563",
        phone=_phone("813", 170), fein="00-0000170",
        **_job(("Strawberry Harvester", "111334", "45-2092.00",
                "Hand-harvest strawberries into flats; carry flats to the end of the row.")),
        workers=80, wage_2024=14.77, agent=_BERRY_AGENT,
        housing=_Housing("1210 Example Berry Rd", "Plant City", "FL", "33563"),
        email="jobs.exampleberry@example.com",
    ),
    "sample_citrus": _planted_employer(
        "sample_citrus", "Sample Citrus Co", trade_name=None,
        address="400 Sample Grove Rd", city="Lake Wales", state="FL", postal_code="33853",
        phone=_phone("863", 172), fein="00-0000172",
        **_job(("Citrus Harvester", "111310", "45-2092.00",
                "Pick oranges by hand from ladders into picking bags; empty bags into tubs.")),
        workers=30, wage_2024=6.50,
        housing=_Housing("410 Sample Grove Rd", "Lake Wales", "FL", "33853"),
        email="office.samplecitrus@example.com",
    ),
    "big_valley": _planted_employer(
        "big_valley", "Big Valley Produce, Inc.", trade_name="Big Valley Farms",
        address="1500 Big Valley Rd", city="Salinas", state="CA", postal_code="93901",
        phone=_phone("831", 150), fein="00-0000150",
        **_job(("Lettuce Harvester", "111219", "45-2092.00",
                "Cut, trim and pack lettuce by hand in the field; work alongside harvest "
                "machines.")),
        workers=400, wage_2024=19.97, agent=_BIG_VALLEY_ATTORNEY,
        housing=_Housing("1520 Big Valley Rd", "Salinas", "CA", "93901"),
        email="hr.bigvalley@example.com",
    ),
    "pretend_orchard_labor": _planted_employer(
        "pretend_orchard_labor", "Pretend Orchard Labor Services LLC", trade_name=None,
        address="75 Pretend Orchard Way", city="Wenatchee", state="WA", postal_code="98801",
        phone=_phone("509", 175), fein="00-0000175",
        **_job(("Apple Harvest Worker", "115115", "45-2092.00",
                "Harvest apples by hand, ladder work; thin fruit and prune trees.")),
        workers=50, wage_2024=19.82, labor_contractor=True,
        housing=_Housing("80 Pretend Orchard Way", "Wenatchee", "WA", "98801"),
        email="crew.pretendorchard@example.com",
    ),
}  # fmt: skip

# FY2019 (old layout) H-2A employers of the planted cases.
_P_OLD = {
    "fakename_orchards": _planted_employer(
        "fakename_orchards", "Fakename Orchards LLC", trade_name=None,
        address="200 Fakename Orchard Rd", city="Tifton", state="GA", postal_code="31794",
        phone=_phone("229", 144), fein="00-0000144",
        **_job(("Farmworker", "111339", "45-2092.00",
                "Harvest peaches and onions by hand; prune and thin trees.")),
        workers=45, wage_2024=14.68, agent=_DEMO_VISA,
    ),
    "big_valley": replace(_P["big_valley"], name="BIG VALLEY PRODUCE INC",
                          address="1500 BIG VALLEY RD", city="SALINAS", workers=350),
    "example_vidalia": _P["example_vidalia"],
    "example_berry": replace(_P["example_berry"], name="EXAMPLE BERRY FARM, INC."),
}  # fmt: skip

_LANDSCAPING = _planted_employer(
    "example_landscaping", "Example Landscaping LLC", program="H-2B", trade_name=None,
    address="800 Example Pkwy", city="Austin", state="TX", postal_code="78701",
    phone=_phone("512", 180), fein="00-0000180",
    **_job(("Landscape Laborer", "561730", "37-3011.00",
            "Mow, trim and plant at commercial sites; lay sod and mulch; operate mowers.")),
    workers=25, wage_2024=16.50, foreign_recruiter=True,
    email="jobs.examplelandscaping@example.com",
)  # fmt: skip

_RECLUTADORA = {"name": "Reclutadora Ejemplo", "country": "Mexico",
                "email": "reclutadora.ejemplo@example.org"}  # fmt: skip
_AGENCIA = {"name": "Agencia Ficticia de Empleo", "country": "Mexico",
            "email": "agencia.ficticia@example.org"}  # fmt: skip
_INDICATOR_DUTIES = (
    "Plant, weed and hand-harvest sweet onions; clip and bag onions in the field. "
    "Workers must pay a recruitment fee of $1,500 before travel. The employer keeps "
    "passports for safekeeping during the season. No se permite salir del campo sin "
    "permiso del mayordomo."
)
_INDICATOR_DEDUCTIONS = (
    "The $1,500 travel loan is repaid from each paycheck. Se descuenta la deuda del "
    "viaje de cada cheque; pay for the last month is held until the end of the season."
)
_INDICATOR_PHRASES = (
    "Workers must pay a recruitment fee of $1,500 before travel",
    "keeps passports for safekeeping",
    "No se permite salir del campo",
    "Se descuenta la deuda del viaje de cada cheque",
    "pay for the last month is held until the end of the season",
)

#: Every planted case: names and values as written in the files, and which files of
#: :func:`write_sample_set` (keys of :data:`SAMPLE_SET_FILES`) hold it.
PLANTED: dict[str, dict[str, Any]] = {
    "debarred_successor": {
        "debarred_name": "Fakename Orchards LLC",
        "successor_name": "Fakename Harvest Group LLC",
        "city": "Tifton",
        "state": "GA",
        "employer_phone": _P_OLD["fakename_orchards"].phone,
        "employer_phone_fy2019": _dash(_P_OLD["fakename_orchards"].phone),
        "agent": _DEMO_VISA.firm,
        "agent_person": f"{_DEMO_VISA.first} {_DEMO_VISA.last}",
        "agent_phone": _DEMO_VISA.phone,
        "debarred_fein": _P_OLD["fakename_orchards"].fein,
        "successor_fein": _P["fakename_harvest"].fein,
        "debarment": {
            "program": "H-2A",
            "name": "Fakename Orchards LLC",
            "city": "Tifton",
            "state": "GA",
            "start_date": "2022-03-01",
            "end_date": "2025-02-28",
            "violation": "failure to pay wages",
        },
        "whd": {
            "case_id": "1854144",
            "legal_name": "FAKENAME ORCHARDS L.L.C.",
            "st_cd": "GA",
            "cty_nm": "TIFTON",
            "h2a_violtn_cnt": 14,
            "h2a_bw_atp_amt": 85000.0,
            "h2a_ee_atp_cnt": 62,
            "h2a_cmp_assd_amt": 44800.0,
        },
        "files": {
            "debarments": "Fakename Orchards LLC",
            "h2a_fy2019": "Fakename Orchards LLC",
            "whd": "FAKENAME ORCHARDS L.L.C.",
            "h2a_fy2024": "Fakename Harvest Group LLC",
            "job_orders": "Fakename Harvest Group LLC",
        },
    },
    "housing_shortfall": {
        "employer": "Example Berry Farm Inc",
        "city": "Plant City",
        "state": "FL",
        "workers_certified": 80,
        "housing_occupancy": 40,
        "files": {"h2a_fy2024": "Example Berry Farm Inc"},
    },
    "below_minimum_wage": {
        "employer": "Sample Citrus Co",
        "city": "Lake Wales",
        "state": "FL",
        "wage_offer": 6.50,
        "wage_per": "Hour",
        "fiscal_year": 2024,
        "files": {"h2a_fy2024": "Sample Citrus Co"},
    },
    "clean_large_farm": {
        "employer": "Big Valley Produce, Inc.",
        "name_fy2019": "BIG VALLEY PRODUCE INC",
        "trade_name": "Big Valley Farms",
        "city": "Salinas",
        "state": "CA",
        "employer_phone": _P["big_valley"].phone,
        "employer_phone_fy2019": _dash(_P["big_valley"].phone),
        "fein": _P["big_valley"].fein,
        "workers_certified": 400,
        "housing_occupancy": 420,
        "wage_offer": 19.97,
        "attorney": _BIG_VALLEY_ATTORNEY.firm,
        "attorney_person": f"{_BIG_VALLEY_ATTORNEY.first} {_BIG_VALLEY_ATTORNEY.last}",
        "deductions": TAXES_ONLY,
        "files": {
            "h2a_fy2024": "Big Valley Produce, Inc.",
            "h2a_fy2019": "BIG VALLEY PRODUCE INC",
            "job_orders": "Big Valley Produce, Inc.",
        },
    },
    "shared_agent": {
        "agent": _DEMO_VISA.firm,
        "agent_person": f"{_DEMO_VISA.first} {_DEMO_VISA.last}",
        "agent_phone": _DEMO_VISA.phone,
        "employers": [e.name for e in _P.values() if e.agent is _DEMO_VISA],
        "files": {"h2a_fy2024": _DEMO_VISA.firm},
    },
    "shared_housing": {
        "address": SHARED_CAMP.address,
        "city": SHARED_CAMP.city,
        "state": SHARED_CAMP.state,
        "employers": [
            e.name
            for e in _P.values()
            if e.housing is not None and e.housing.address.startswith("100 Example Camp")
        ],
        # One employer writes the street out; the others use the exact string.
        "address_variants": {"Fictional Produce Partners LLC": _SHARED_CAMP_VARIANT.address},
        "files": {"h2a_fy2024": SHARED_CAMP.address},
    },
    "labor_contractors": {
        "employers": [e.name for e in _P.values() if e.labor_contractor],
        "benign": ["Pretend Orchard Labor Services LLC"],
        "files": {"h2a_fy2024": "Y"},
    },
    "bad_deductions": {
        "employer": "Demo Crew Contractors LLC",
        "text": BAD_DEDUCTIONS,
        "files": {"h2a_fy2024": "Demo Crew Contractors LLC"},
    },
    "foreign_recruiter": {
        "employer": "Example Landscaping LLC",
        "city": "Austin",
        "state": "TX",
        "recruiter": {"name": "Reclutadora Ejemplo", "country": "Mexico"},
        "files": {"h2b_fy2024": "Example Landscaping LLC", "job_orders": "Example Landscaping LLC"},
    },
    "job_order_indicators": {
        "employer": "Fakename Harvest Group LLC",
        "case_number": "H-300-24325-000146",
        "phrases": list(_INDICATOR_PHRASES),
        "recruiter": {"name": "Agencia Ficticia de Empleo", "country": "Mexico"},
        "files": {"job_orders": "Fakename Harvest Group LLC"},
    },
}

# ---------------------------------------------------------------------------------------
# Filler: a seeded world of benign employers and agents.
# ---------------------------------------------------------------------------------------

# state -> (area codes, (city, ZIP) pairs, H-2A hourly wage at FY2024 level, about the AEWR)
_STATES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], float]] = {
    "GA": (("229", "912", "478", "706"),
           (("Vidalia", "30474"), ("Alma", "31510"), ("Fort Valley", "31030"),
            ("Albany", "31701"), ("Valdosta", "31601"), ("Bainbridge", "39819"),
            ("Statesboro", "30458"), ("Waycross", "31501")), 14.68),
    "FL": (("239", "407", "561", "352", "941", "863", "813"),
           (("Immokalee", "34142"), ("Dover", "33527"), ("Homestead", "33030"),
            ("Belle Glade", "33430"), ("Apopka", "32703"), ("Arcadia", "34266"),
            ("Gibsonton", "33534")), 14.77),
    "CA": (("209", "559", "805", "530", "661", "831"),
           (("Lodi", "95240"), ("Santa Maria", "93454"), ("Watsonville", "95076"),
            ("Fresno", "93706"), ("Oxnard", "93030"), ("Yuba City", "95991")), 19.75),
    "WA": (("509", "360"),
           (("Wenatchee", "98801"), ("Yakima", "98901"), ("Pasco", "99301"),
            ("Mount Vernon", "98273"), ("Brewster", "98812")), 19.82),
    "NC": (("252", "910", "828", "919", "336", "704"),
           (("Wilson", "27893"), ("Clinton", "28328"), ("Boone", "28607"),
            ("Hendersonville", "28792"), ("Kinston", "28501"), ("Charlotte", "28202")), 16.16),
    "MI": (("231", "616", "269", "906"),
           (("Traverse City", "49684"), ("Sparta", "49345"), ("Hart", "49420"),
            ("Mackinac Island", "49757")), 18.50),
    "AZ": (("928", "520"), (("Yuma", "85364"), ("Willcox", "85643")), 16.95),
    "KS": (("785", "620"), (("Hays", "67601"), ("Garden City", "67846")), 18.49),
    "OR": (("541", "503"), (("Hood River", "97031"), ("Medford", "97501"),
                            ("Salem", "97301")), 19.82),
    "ID": (("208", "986"), (("Rexburg", "83440"), ("Twin Falls", "83301")), 17.96),
    "AR": (("870", "479"), (("Stuttgart", "72160"), ("Hope", "71801")), 14.53),
    "KY": (("859", "270", "606"), (("Lexington", "40511"), ("Bowling Green", "42101")), 15.81),
    "NE": (("308", "402"), (("Kearney", "68847"), ("Grand Island", "68801")), 18.49),
    "TN": (("931", "615", "731"), (("McMinnville", "37110"), ("Nashville", "37203")), 15.81),
    "NJ": (("609", "856"), (("Hammonton", "08037"), ("Vineland", "08360")), 17.96),
    "NY": (("315", "845", "585"), (("Sodus", "14551"), ("Marlboro", "12542")), 18.83),
    "VA": (("540", "434", "757"), (("Winchester", "22601"), ("Exmore", "23350")), 16.16),
    "LA": (("337", "985", "225"), (("Breaux Bridge", "70517"), ("Houma", "70360")), 14.53),
    "MD": (("410", "443"), (("Cambridge", "21613"), ("Salisbury", "21801")), 17.20),
    "TX": (("956", "713", "806", "361", "512"),
           (("Brownsville", "78520"), ("Houston", "77002"), ("Lubbock", "79401"),
            ("San Antonio", "78205")), 15.97),
    "SC": (("843", "803"), (("Myrtle Beach", "29577"), ("Hilton Head Island", "29928")), 14.68),
    "AL": (("251", "205", "334"), (("Bayou La Batre", "36509"), ("Tuscaloosa", "35401")), 14.68),
    "CO": (("970", "719"), (("Vail", "81657"), ("Grand Junction", "81501")), 17.02),
    "MS": (("228", "662"), (("Biloxi", "39530"), ("Tunica", "38676")), 14.53),
}  # fmt: skip

# The highest general state minimum wage of 2024-2025 (2019 for older years); a filler
# wage always clears it by a margin, so only the planted case is below a minimum.
_FLOOR_RECENT = {"CA": 16.50, "WA": 16.66, "NY": 15.50, "NJ": 15.49, "MD": 15.00,
                 "CO": 14.81, "AZ": 14.70, "OR": 14.70, "FL": 13.00, "VA": 12.41}  # fmt: skip
_FLOOR_2019 = {"CA": 12.00, "WA": 12.00, "NY": 11.10, "AZ": 11.00, "CO": 11.10, "OR": 10.75}

_H2A_STATES = ("GA", "FL", "CA", "WA", "NC", "MI", "AZ", "KS", "OR", "ID", "AR", "KY", "NE",
               "TN", "NJ", "NY", "VA")  # fmt: skip
_H2A_STATE_WEIGHTS = (9, 8, 8, 7, 7, 4, 3, 2, 3, 2, 2, 3, 2, 2, 2, 3, 2)
_H2B_STATES = ("TX", "LA", "MD", "SC", "AL", "CO", "MS", "FL", "NC", "VA", "MI", "KY", "TN",
               "GA")  # fmt: skip

# crop -> (job title, NAICS, SOC, duties)
_CROPS: dict[str, tuple[str, str, str, str]] = {
    "apples": ("Apple Harvest Worker", "111331", "45-2092.00",
               "Harvest apples by hand, ladder work; thin fruit and prune trees."),
    "blueberries": ("Farmworker - Blueberries", "111334", "45-2092.00",
                    "Hand-harvest blueberries into buckets; sort and pack fruit."),
    "tobacco": ("Farmworker", "111910", "45-2092.00",
                "Transplant, top and harvest tobacco by hand; hang tobacco in barns."),
    "sweet potatoes": ("Farmworker", "111219", "45-2092.00",
                       "Plant, weed and hand-harvest sweet potatoes; grade them in the field."),
    "grapes": ("Vineyard Worker", "111332", "45-2092.00",
               "Prune vines, tie canes and hand-harvest wine grapes into lugs."),
    "cherries": ("Cherry Harvester", "111339", "45-2092.00",
                 "Harvest cherries by hand, ladder work; load bins onto trailers."),
    "lettuce": ("Lettuce Harvester", "111219", "45-2092.00",
                "Cut, trim and pack lettuce in the field alongside harvest machines."),
    "wheat": ("Combine Operator", "115113", "45-2091.00",
              "Operate combines and grain trucks for custom harvesting; service equipment."),
    "christmas trees": ("Christmas Tree Farmworker", "111421", "45-2092.00",
                        "Shear, tag, cut and bale Christmas trees; load trucks."),
    "pears": ("Pear Harvester", "111339", "45-2092.00",
              "Harvest pears by hand, ladder work; prune and thin trees."),
    "tomatoes": ("Farmworker - Tomatoes", "111219", "45-2092.00",
                 "Stake, tie and hand-harvest tomatoes into buckets; load field trucks."),
    "strawberries": ("Strawberry Harvester", "111334", "45-2092.00",
                     "Hand-harvest strawberries into flats; carry flats to the end of the row."),
    "sheep": ("Sheepherder", "112410", "45-2093.00",
              "Herd, feed and guard sheep on range; assist with lambing."),
    "rice": ("Farm Equipment Operator", "111160", "45-2091.00",
             "Operate tractors and irrigation equipment in rice fields; repair levees."),
    "onions": _GA_ONION,
    "peaches": ("Peach Harvester", "111339", "45-2092.00",
                "Harvest peaches by hand, ladder work; thin fruit and prune trees."),
    "potatoes": ("Potato Farmworker", "111211", "45-2092.00",
                 "Sort potatoes on harvesters and in storage; operate field equipment."),
    "watermelons": ("Farmworker - Watermelons", "111219", "45-2092.00",
                    "Cut, carry and load watermelons by hand; ride harvest trailers."),
    "nursery": ("Nursery Worker", "111421", "45-2092.00",
                "Pot, water, prune and move container plants; load orders."),
    "hops": ("Hop Yard Worker", "111998", "45-2092.00",
             "String and train hop vines; work on harvest machines and kilns."),
    "vegetables": _GA_VEG,
    "corn": ("Detasseler", "111150", "45-2092.00",
             "Walk seed corn fields removing tassels by hand; rogue off-type plants."),
    "asparagus": ("Asparagus Harvester", "111219", "45-2092.00",
                  "Cut asparagus spears by hand with knives; pack crates."),
    "pecans": ("Orchard Equipment Operator", "111335", "45-2091.00",
               "Operate shakers, sweepers and harvesters in pecan orchards."),
    "sweet corn": ("Farmworker - Sweet Corn", "111219", "45-2092.00",
                   "Hand-harvest sweet corn into bins; work on packing trailers."),
}  # fmt: skip

# H-2B kind -> (job title, NAICS, SOC, duties, hourly wage at FY2024 level)
_H2B_JOBS: dict[str, tuple[str, str, str, str, float]] = {
    "lawn": ("Landscape Laborer", "561730", "37-3011.00",
             "Mow, edge and trim lawns; plant shrubs; spread mulch.", 16.10),
    "seafood": ("Seafood Processor", "311710", "51-3022.00",
                "Peel, pick, grade and pack seafood on a processing line.", 14.60),
    "crab": ("Crab Picker", "311710", "51-3022.00",
             "Pick crab meat by hand; weigh and pack containers.", 14.60),
    "housekeeping": ("Housekeeper", "721110", "37-2012.00",
                     "Clean guest rooms and common areas; launder linens.", 14.20),
    "forestry": ("Tree Planter", "113210", "45-4011.00",
                 "Plant pine seedlings by hand with dibble bars on cut-over land.", 15.50),
    "amusement": ("Ride Operator", "713990", "39-3091.00",
                  "Set up, operate and take down rides at fairs; load and unload trailers.", 14.10),
    "golf": ("Golf Course Groundskeeper", "713910", "37-3011.00",
             "Mow greens and fairways; rake bunkers; repair irrigation.", 15.60),
    "grooms": ("Groom", "711219", "39-2021.00",
               "Feed, water, groom and exercise horses; clean stalls.", 15.10),
    "construction": ("Construction Laborer", "238110", "47-2061.00",
                     "Pour and finish concrete; build forms; clean job sites.", 18.20),
    "ski": ("Lift Operator", "713920", "39-9032.00",
            "Operate chair lifts; clear snow from ramps; help skiers load.", 16.40),
    "pine straw": ("Pine Straw Baler", "113210", "45-4011.00",
                   "Rake and bale pine straw by hand; load bales onto trucks.", 14.30),
}  # fmt: skip

# Hand-written filler employers (first in the pool): name, trade name, city, state, ZIP,
# crop or job kind, usual crew size.
_CURATED_H2A: tuple[tuple[str, str | None, str, str, str, str, int], ...] = (
    ("Mock Cascade Apple Co", None, "Wenatchee", "WA", "98801", "apples", 120),
    ("Dummy Tidewater Blueberries Inc", None, "Alma", "GA", "31510", "blueberries", 60),
    ("Imaginary Acres Tobacco Farm LLC", "Imaginary Acres", "Wilson", "NC", "27893", "tobacco", 40),
    ("Pretend Sandhill Sweet Potatoes, Inc.", None, "Clinton", "NC", "28328", "sweet potatoes", 55),
    ("Notional Delta Vineyards Inc", None, "Lodi", "CA", "95240", "grapes", 80),
    ("Hypothetical Lakeshore Cherries LLC", None, "Traverse City", "MI", "49684", "cherries", 45),
    ("Specimen Desert Lettuce Co", None, "Yuma", "AZ", "85364", "lettuce", 150),
    ("Mock Plains Custom Harvesting LLC", None, "Hays", "KS", "67601", "wheat", 12),
    ("Dummy Highland Christmas Trees Inc", None, "Boone", "NC", "28607", "christmas trees", 30),
    ("Imaginary Gorge Pear Co", None, "Hood River", "OR", "97031", "pears", 70),
    ("Pretend Everglades Tomato Growers Inc", None, "Immokalee", "FL", "34142", "tomatoes", 200),
    ("Notional Hillsborough Strawberries L.L.C.", None, "Dover", "FL", "33527", "strawberries",
     90),
    ("Specimen Basin Sheep Co", None, "Twin Falls", "ID", "83301", "sheep", 8),
    ("Mock Prairie Rice Farms Inc", None, "Stuttgart", "AR", "72160", "rice", 10),
    ("Dummy Altamaha Onion Co", None, "Vidalia", "GA", "30474", "onions", 65),
    ("Imaginary Piedmont Peaches LLC", None, "Fort Valley", "GA", "31030", "peaches", 75),
    ("Pretend Snake River Potatoes Inc", None, "Rexburg", "ID", "83440", "potatoes", 35),
    ("Notional Bluegrass Tobacco & Cattle LLC", None, "Lexington", "KY", "40511", "tobacco", 20),
    ("Hypothetical Red River Melons Inc", None, "Hope", "AR", "71801", "watermelons", 25),
    ("Specimen Orange Blossom Nursery, Inc.", None, "Apopka", "FL", "32703", "nursery", 40),
    ("Mock Yakima Hop Yards LLC", None, "Yakima", "WA", "98901", "hops", 60),
    ("Dummy Pine Barrens Vegetables Inc", None, "Hammonton", "NJ", "08037", "vegetables", 35),
    ("Imaginary Platte Detasseling LLC", None, "Kearney", "NE", "68847", "corn", 100),
    ("Pretend Columbia Asparagus Co", None, "Pasco", "WA", "99301", "asparagus", 80),
    ("Notional Cumberland Tree Nursery LLC", None, "McMinnville", "TN", "37110", "nursery", 30),
    ("Hypothetical Flint River Pecans Inc", None, "Albany", "GA", "31701", "pecans", 15),
    ("Specimen Coastal Strawberries LLC", None, "Santa Maria", "CA", "93454", "strawberries",
     180),
    ("Mock Glades Sweet Corn Farms Inc", None, "Belle Glade", "FL", "33430", "sweet corn", 120),
    ("Dummy Blue Ridge Apple Ranch LLC", "Blue Ridge Apples", "Hendersonville", "NC", "28792",
     "apples", 50),
    ("Imaginary Wayne County Fruit Farms Inc", None, "Sodus", "NY", "14551", "apples", 45),
    ("Pretend Shenandoah Orchard Co", "Shenandoah Fruit", "Winchester", "VA", "22601", "apples",
     40),
)  # fmt: skip
_CURATED_H2B: tuple[tuple[str, str | None, str, str, str, str, int], ...] = (
    ("Mock Bayou Crawfish Processors LLC", None, "Breaux Bridge", "LA", "70517", "seafood", 40),
    ("Dummy Choptank Crab Co", None, "Cambridge", "MD", "21613", "crab", 60),
    ("Imaginary Island Resort & Lodge LLC", None, "Mackinac Island", "MI", "49757",
     "housekeeping", 50),
    ("Pretend Queen City Lawn Care Inc", None, "Charlotte", "NC", "28202", "lawn", 30),
    ("Notional Timberland Forestry Services LLC", None, "Tuscaloosa", "AL", "35401", "forestry",
     45),
    ("Hypothetical Gulf Seafood Inc", None, "Bayou La Batre", "AL", "36509", "seafood", 35),
    ("Specimen Carnival Amusements LLC", None, "Gibsonton", "FL", "33534", "amusement", 40),
    ("Mock Grand Strand Hotel Group, Inc.", None, "Myrtle Beach", "SC", "29577", "housekeeping",
     70),
    ("Dummy Lowcountry Golf Club LLC", None, "Hilton Head Island", "SC", "29928", "golf", 20),
    ("Hypothetical Paddock Stables LLC", None, "Lexington", "KY", "40511", "grooms", 15),
    ("Imaginary Bayou City Concrete Co", None, "Houston", "TX", "77002", "construction", 30),
    ("Pretend Rio Grande Shrimp Processing Inc", None, "Brownsville", "TX", "78520", "seafood",
     50),
    ("Specimen Peak Ski Resort LLC", None, "Vail", "CO", "81657", "ski", 60),
    ("Mock Okefenokee Pine Straw Inc", None, "Waycross", "GA", "31501", "pine straw", 25),
    ("Dummy Music City Turf & Grounds LLC", None, "Nashville", "TN", "37203", "lawn", 25),
    ("Notional Biloxi Oyster Co", None, "Biloxi", "MS", "39530", "seafood", 30),
)  # fmt: skip

# Procedural names: marker + place + kind + legal form. Markers never used by planted
# names (so a filler never fuzzily matches a planted employer or a debarred entity).
_MARKERS = ("Mock", "Dummy", "Imaginary", "Pretend", "Notional", "Hypothetical", "Specimen",
            "Madeup", "Invented", "Makebelieve", "Fabled", "Storybook", "Nonesuch", "Faux",
            "Ersatz", "Simulated", "Synthetic", "Prototype", "Exemplar", "Illustrative",
            "Pseudo", "Surrogate", "Sandbox", "Mockup")  # fmt: skip
_PLACES = ("Ridge", "Creek", "Hollow", "Meadow", "Prairie", "Bluff", "Springs", "Bend", "Hill",
           "Pines", "Oaks", "Lake", "River", "Canyon", "Mesa", "Glen", "Brook", "Summit",
           "Harbor", "Fork")  # fmt: skip
_H2A_KINDS = (("Farms", None), ("Growers", None), ("Nursery", "nursery"),
              ("Vineyards", "grapes"), ("Ranch", None), ("Blueberries", "blueberries"),
              ("Vegetable Co", "vegetables"), ("Tree Farm", "christmas trees"),
              ("Agriculture", None), ("Fruit Co", "apples"), ("Tobacco Farm", "tobacco"),
              ("Peach Co", "peaches"), ("Greenhouses", "nursery"))  # fmt: skip
_H2B_KINDS = (("Lawn Care", "lawn"), ("Seafood", "seafood"), ("Hospitality", "housekeeping"),
              ("Forestry", "forestry"), ("Amusements", "amusement"),
              ("Grounds Maintenance", "lawn"), ("Resort", "housekeeping"),
              ("Builders", "construction"), ("Stables", "grooms"), ("Pine Straw", "pine straw"),
              ("Crab Co", "crab"), ("Hotel Group", "housekeeping"), ("Golf Club", "golf"),
              ("Oyster Co", "seafood"))  # fmt: skip
_FORMS = ("LLC", "LLC", "Inc", ", Inc.", "L.L.C.", "Inc.", "LLC", "Co")
_STREETS = ("Farm Rd", "County Road 12", "Orchard Ln", "Highway 41 N", "Mill St",
            "Packing House Rd", "Old Church Rd", "Main St", "River Rd",
            "Industrial Dr")  # fmt: skip
_CAMPS = ("Labor Camp Rd", "Farm Housing Ln", "Bunkhouse Rd", "Camp Dr", "Housing Ct")

# Filler agents: first x last names (none used by a planted agent or debarred person).
_FIRST = ("Alex", "Jordan", "Casey", "Taylor", "Riley", "Jamie", "Drew", "Avery", "Quinn",
          "Skyler", "Reese", "Rowan", "Emerson", "Finley", "Harper", "Kendall", "Logan",
          "Parker", "Sawyer", "Blake", "Cameron", "Devon", "Elliot", "Hayden", "Jesse",
          "Kai", "Lane", "Micah", "Peyton", "Sage")  # fmt: skip
_LAST = ("Doe", "Testperson", "Noname", "Exampleton", "Mockley", "Dummyfield", "Fakerson",
         "Ipsumson", "Placeholderson", "Samplewood", "Fictitia", "Pretendley", "Notionel",
         "Madeupson", "Figmentia", "Unrealton", "Imagino", "Specimenez", "Voidfield",
         "Hypothetico", "Nonsuchley", "Fauxman", "Ersatzer", "Prototypo", "Mockwell",
         "Dummington", "Fakeley", "Fablewood", "Storyfield", "Examplar", "Samplesby",
         "Pseudoni", "Inventor", "Testwell", "Sandboxer", "Nullford", "Blankley",
         "Tokenby", "Stubbins", "Mocksworth")  # fmt: skip
_FIRM_KINDS = ("Immigration Law PLLC", "Farm Labor Agency", "Ag Services LLC",
               "& Associates", "Labor Consultants", "Law Office", "H-2 Filing Services",
               "Seasonal Labor Group")  # fmt: skip


@dataclass(frozen=True)
class _World:
    h2a: tuple[_Employer, ...]
    h2b: tuple[_Employer, ...]


_RESERVED_PHONES = frozenset(
    [e.phone for e in (*_P.values(), *_P_OLD.values(), _LANDSCAPING)]
    + [a.phone for a in (_DEMO_VISA, _BIG_VALLEY_ATTORNEY, _BERRY_AGENT)]
)
_POOL_CAP = 2_000  # employers per program; more rows become repeat filings


class _Phones:
    """Hands out distinct 555-01xx numbers, preferring the state's area codes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used = set(_RESERVED_PHONES)
        self.all_areas = sorted({a for codes, _, _ in _STATES.values() for a in codes})

    def take(self, state: str) -> str:
        areas = list(_STATES[state][0])
        self.rng.shuffle(areas)
        for area in [*areas, *self.all_areas]:
            start = self.rng.randrange(100)
            for k in range(100):
                phone = _phone(area, 100 + (start + k) % 100)
                if phone not in self.used:
                    self.used.add(phone)
                    return phone
        return _phone(areas[0], 100 + self.rng.randrange(100))  # all taken: reuse


def _years(rng: random.Random) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.65:  # in the program for years, FY2019 and FY2024 included
        return rng.randint(2010, 2018), rng.randint(2025, 2030)
    if roll < 0.82:  # left before FY2024
        return rng.randint(2010, 2018), rng.randint(2019, 2022)
    return rng.randint(2020, 2023), rng.randint(2025, 2030)  # new since the FY2020 layout


def _slug(name: str) -> str:
    words = re.sub(r"[^a-z ]", "", name.lower()).split()
    return "".join(words[:2])


@lru_cache(maxsize=8)
def _world(seed: int, n_h2a: int, n_h2b: int) -> _World:
    """The first ``n_h2a`` / ``n_h2b`` filler employers of the world for ``seed``.

    Entities are generated in one fixed sequence, so a smaller world is a prefix of a
    larger one: the same farms recur whatever number of rows a file asks for."""
    rng = random.Random(f"lantern-samples:{seed}:world")
    phones = _Phones(rng)
    names = [(f, la) for f in _FIRST for la in _LAST]
    rng.shuffle(names)
    firm_kinds = list(_FIRM_KINDS)
    firms: set[str] = set()
    agent_count = 0
    open_agent: dict[str, tuple[_Agent, int, int]] = {}  # program -> agent, used, cap
    pairs = [(m, p) for m in _MARKERS for p in _PLACES]
    rng.shuffle(pairs)
    used_names = {e.name for e in (*_P.values(), *_P_OLD.values(), _LANDSCAPING)}
    h2a: list[_Employer] = []
    h2b: list[_Employer] = []
    counters = {"H-2A": 0, "H-2B": 0}
    index = 0
    while len(h2a) < n_h2a or len(h2b) < n_h2b:
        program = "H-2B" if index % 3 == 2 else "H-2A"
        index += 1
        i = counters[program]
        counters[program] += 1
        curated = _CURATED_H2A if program == "H-2A" else _CURATED_H2B
        if i < len(curated):
            name, trade, city, state, postal, kind, workers = curated[i]
        else:
            j = i - len(curated) + (0 if program == "H-2A" else len(pairs) // 2)
            marker, place = pairs[j % len(pairs)]
            kinds = _H2A_KINDS if program == "H-2A" else _H2B_KINDS
            kind_name, kind_crop = kinds[(j // len(pairs) + j) % len(kinds)]
            form = _FORMS[rng.randrange(len(_FORMS))]
            if kind_name.endswith(" Co") and form == "Co":
                form = "LLC"
            name = f"{marker} {place} {kind_name}" + (form if form.startswith(",") else f" {form}")
            if name in used_names:
                name = f"{marker} {place} {kind_name} Holdings LLC"
            trade = f"{marker} {place} {kind_name}" if rng.random() < 0.15 else None
            if program == "H-2A":
                state = rng.choices(_H2A_STATES, _H2A_STATE_WEIGHTS)[0]
                kind = kind_crop or rng.choice(sorted(_CROPS))
            else:
                state = rng.choice(_H2B_STATES)
                kind = kind_crop or "lawn"
            city, postal = rng.choice(_STATES[state][1])
            workers = rng.choice((6, 10, 15, 20, 25, 30, 40, 50, 60, 80, 120))
        used_names.add(name)
        if program == "H-2A":
            title, naics, soc, duties = _CROPS[kind]
            wage = _STATES[state][2]
        else:
            title, naics, soc, duties, wage = _H2B_JOBS[kind]
        wage = round(wage + rng.choice((0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 2.0)), 2)
        # Agent: about a quarter file without one; an agent serves at most 3 employers.
        agent = None
        if rng.random() >= 0.25:
            held = open_agent.get(program)
            if held and held[1] < held[2] and rng.random() < 0.7:
                agent = held[0]
                open_agent[program] = (agent, held[1] + 1, held[2])
            else:
                first, last = names[agent_count % len(names)]
                if agent_count >= len(names):  # a big world: keep every person distinct
                    first = f"{first} {chr(65 + (agent_count // len(names)) % 26)}."
                firm = ""
                if rng.random() < 0.8:
                    start = rng.randrange(len(firm_kinds))
                    for k in range(len(firm_kinds)):
                        firm = f"{last} {firm_kinds[(start + k) % len(firm_kinds)]}"
                        if firm not in firms:
                            break
                    else:
                        firm = f"{first} {last} {firm_kinds[start]}"
                    firms.add(firm)
                agent = _Agent(first, last, firm, phones.take(state),
                               f"{first}.{last}{agent_count}@example.com".lower())  # fmt: skip
                agent_count += 1
                open_agent[program] = (agent, 1, rng.choice((1, 2, 3)))
        first_year, last_year = _years(rng)
        serial = 200 + len(h2a) * 2 + len(h2b) * 2 + (program == "H-2B")
        street = f"{100 + serial * 3} {_STREETS[serial % len(_STREETS)]}"
        housing = None
        if program == "H-2A":
            kind_of_housing = "Employer-provided" if rng.random() < 0.8 else "Mixed"
            housing = _Housing(f"{2000 + serial} {_CAMPS[serial % len(_CAMPS)]}", city, state,
                               postal, kind_of_housing)  # fmt: skip
        employer = _Employer(
            key=f"{program}:{i}", program=program, name=name, trade_name=trade,
            address=street, city=city, state=state, postal_code=postal,
            phone=phones.take(state), fein=f"00-{serial:07d}", naics=naics,
            job_title=title, soc_code=soc, duties=duties, workers=workers, wage_2024=wage,
            agent=agent, housing=housing,
            email=f"jobs.{_slug(name)}{serial}@example.{'org' if serial % 5 == 0 else 'com'}",
            first_year=first_year, last_year=last_year,
            foreign_recruiter=program == "H-2B" and rng.random() < 0.1,
        )  # fmt: skip
        (h2a if program == "H-2A" else h2b).append(employer)
    return _World(tuple(h2a[:n_h2a]), tuple(h2b[:n_h2b]))


def _pool_size(rows: int) -> int:
    return min(_POOL_CAP, max(30, (rows * 2) // 3))


def _active(pool: Iterable[_Employer], fiscal_year: int) -> list[_Employer]:
    return [e for e in pool if e.first_year <= fiscal_year <= e.last_year]


def _floor(state: str, year: int) -> float:
    return (_FLOOR_2019 if year <= 2020 else _FLOOR_RECENT).get(state, 7.25)


def _filler_wage(e: _Employer, fiscal_year: int, rng: random.Random) -> float:
    scaled = e.wage_2024 * (1 + 0.045 * (fiscal_year - 2024))
    wage = max(scaled, _floor(e.state, fiscal_year) + 0.75, 12.50)
    return round(wage + rng.choice((0.0, 0.0, 0.1, 0.25)), 2)


_SUFFIX_RE = re.compile(r"(?:,\s*)?\b(L\.L\.C\.|LLC|Inc\.?|Co\.?)$")
_SUFFIX_ALTS = {
    "LLC": ("L.L.C.", ", LLC", "LLC."),
    "L.L.C.": ("LLC", ", L.L.C."),
    "Inc": (", Inc.", "Inc.", "Incorporated"),
    "Inc.": ("Inc", ", Inc."),
    "Co": ("Company", "Co."),
    "Co.": ("Co", "Company"),
}


def _name_variant(name: str, rng: random.Random, suffix_p: float, upper_p: float) -> str:
    """The same legal name as another clerk might type it."""
    out = name
    match = _SUFFIX_RE.search(out)
    if match and rng.random() < suffix_p:
        alt = rng.choice(_SUFFIX_ALTS[match.group(1)])
        base = out[: match.start()].rstrip(" ,")
        out = base + alt if alt.startswith(",") else f"{base} {alt}"
    if rng.random() < upper_p:
        out = out.upper()
    return out


# ---------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _julian(day: date) -> str:
    return f"{day:%y}{day.timetuple().tm_yday:03d}"


def _status(rng: random.Random) -> str:
    return rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]


def _county_name(city: str | None, state: str) -> str | None:
    """The worksite's county as DOL writes it ("Monterey County"), where the gazetteer
    knows the city; blank otherwise, as in files where the column is left empty."""
    from leads.regions import counties, county_of_city

    fips = county_of_city(city, state) if city else None
    return f"{counties(state)[fips]} County" if fips else None


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _h2_filing(
    e: _Employer,
    fiscal_year: int,
    rng: random.Random,
    seq: int,
    layout: Layout,
    spelled: tuple[str, str, str, str],
) -> dict[str, Any]:
    """One H-2A or H-2B application as canonical field -> value (both layouts' fields)."""
    name, address, city, agent_display = spelled
    fy_start = date(fiscal_year - 1, 10, 1)
    received = fy_start + timedelta(days=rng.randint(0, 290))
    decision = received + timedelta(days=rng.randint(14, 40))
    begin = received + timedelta(days=rng.randint(60, 75))
    end = begin + timedelta(days=rng.randint(60, 300))
    status = _status(rng)
    requested = max(1, round(e.workers * rng.uniform(0.8, 1.2)))
    if status == STATUS_CERTIFIED:
        certified = requested
    elif status.endswith("Partial Certification"):
        certified = max(1, requested * 3 // 5)
    else:
        certified = 0
    if e.program == "H-2A":
        prefix = "H-300" if layout == "new" else "C"
        width = 6 if layout == "new" else 5
    else:
        prefix, width = "H-400", 6
    case_number = f"{prefix}-{_julian(received)}-{seq % 10**width:0{width}d}"
    wage = _filler_wage(e, fiscal_year, rng)
    occupancy = requested + rng.randint(0, max(2, requested // 5))
    agent = e.agent
    row: dict[str, Any] = {
        "case_number": case_number,
        "case_status": status,
        "received_date": _at(received),
        "decision_date": _at(decision),
        "employer_type": "H-2A Labor Contractor (H-2ALC)"
        if e.labor_contractor
        else rng.choice(("Individual Employer",) * 8 + ("Association - Joint Employer",)),
        "labor_contractor": _yn(e.labor_contractor),
        "employer_name": name,
        "trade_name": e.trade_name,
        "employer_address": address,
        "employer_city": city,
        "employer_state": e.state,
        "employer_postal_code": e.postal_code,
        "employer_phone": e.phone if layout == "new" else _dash(e.phone),
        "employer_fein": e.fein,
        "naics_code": e.naics,
        "agent_last_name": agent.last if agent else None,
        "agent_first_name": agent.first if agent else None,
        "agent_name": agent_display or None,
        "agent_phone": agent.phone if agent else None,
        "agent_email": agent.email if agent else None,
        "law_firm": (agent.firm or None) if agent else None,
        "job_title": e.job_title,
        "soc_code": e.soc_code,
        "begin_date": _at(begin),
        "end_date": _at(end),
        "workers_needed": requested + rng.choice((0, 0, 0, 1, 2)),
        "workers_requested": requested,
        "workers_certified": certified,
        "wage_offer": wage,
        "wage_offer_to": round(wage + rng.choice((1.0, 2.0, 3.5)), 2)
        if rng.random() < 0.3
        else None,
        "wage_per": "Hour",
        "piece_rate_offer": round(rng.choice((0.45, 0.6, 0.75, 1.1, 2.5)), 2)
        if e.job_title.endswith(("Harvester", "Blueberries", "Worker")) and rng.random() < 0.3
        else None,
        "deductions": rng.choice(_ORDINARY_DEDUCTIONS) if rng.random() < 0.45 else None,
        "worksite_city": city,
        "worksite_state": e.state,
        "worksite_county": _county_name(city, e.state),
        "housing_address": e.housing.address if e.housing else None,
        "housing_city": e.housing.city if e.housing else None,
        "housing_state": e.housing.state if e.housing else None,
        "housing_postal_code": e.housing.postal_code if e.housing else None,
        "housing_type": e.housing.kind if e.housing else None,
        "housing_units": max(1, math.ceil(occupancy / rng.choice((4, 6, 8, 10, 12)))),
        "housing_occupancy": occupancy,
        "housing_transportation": "Y",
        "meals_charged": _yn(rng.random() < 0.4),
        "phone_to_apply": e.phone,
        "email_to_apply": e.email,
        "using_recruiter": _yn(rng.random() < 0.15),
        "daily_transportation": _yn(rng.random() < 0.5),
        "board_lodging": _yn(rng.random() < 0.4),
        "foreign_recruiter": _yn(e.foreign_recruiter),
        "job_contract": _yn(rng.random() < 0.2),
    }
    return row


def _spelling(
    e: _Employer, rng: random.Random, layout: Layout, suffix_p: float, upper_p: float
) -> tuple[str, str, str, str]:
    """How one file spells an employer: name, street, city, agent (old single column)."""
    name = _name_variant(e.name, rng, suffix_p, upper_p)
    upper = name.isupper()
    address = e.address.upper() if upper else e.address
    city = e.city.upper() if upper else e.city
    display = e.agent.display if e.agent else ""
    if upper and layout == "old":
        display = display.upper()
    return name, address, city, display


def _planted_rows(program: str, layout: Layout, fiscal_year: int) -> list[dict[str, Any]]:
    """The planted filings for one file (values independent of the seed)."""

    def filing(e: _Employer, seq: int, **over: Any) -> dict[str, Any]:
        rng = random.Random(f"lantern-samples:planted:{program}:{layout}:{fiscal_year}:{e.key}")
        display = e.agent.display if e.agent else ""
        if layout == "old" and e.name.isupper():
            display = display.upper()
        row = _h2_filing(e, fiscal_year, rng, seq, layout, (e.name, e.address, e.city, display))
        certified = over.pop("certified", e.workers)
        row.update(
            case_status=STATUS_CERTIFIED,
            workers_requested=certified,
            workers_needed=certified,
            workers_certified=certified,
            wage_offer=round(e.wage_2024 * (1 + 0.045 * (fiscal_year - 2024)), 2)
            if e.key != "sample_citrus"
            else e.wage_2024,
            housing_occupancy=certified + 8,
            deductions=None,
            piece_rate_offer=None,
            using_recruiter="N",
            foreign_recruiter=_yn(e.foreign_recruiter),
        )
        row["housing_units"] = max(1, math.ceil(row["housing_occupancy"] / 8))
        row.update(over)
        return row

    if program == "H-2B":
        return [filing(_LANDSCAPING, 180, deductions=TAXES_ONLY)]
    if layout == "old":
        o = _P_OLD
        return [
            filing(o["fakename_orchards"], 144, wage_offer=11.13),
            filing(o["big_valley"], 150, certified=350, wage_offer=13.92),
            filing(o["example_vidalia"], 162),
            filing(o["example_berry"], 170, certified=60),
        ]
    p = _P
    return [
        filing(p["fakename_harvest"], 146, housing_occupancy=64, using_recruiter="Y"),
        filing(p["demo_crew"], 160, housing_occupancy=96, deductions=BAD_DEDUCTIONS),
        filing(p["sample_harvest_labor"], 161, housing_occupancy=72),
        filing(p["example_vidalia"], 162, housing_occupancy=56),
        filing(p["placeholder_onion"], 163, housing_occupancy=48),
        filing(p["fictional_produce"], 164, housing_occupancy=48),
        filing(p["example_watermelon"], 165),
        filing(p["example_berry"], 170, certified=80, housing_occupancy=40, housing_units=10),
        filing(p["sample_citrus"], 172),
        filing(
            p["big_valley"],
            150,
            certified=400,
            housing_occupancy=420,
            housing_units=105,
            wage_offer=19.97,
            deductions=TAXES_ONLY,
            meals_charged="N",
        ),  # fmt: skip
        filing(p["pretend_orchard_labor"], 175, deductions=TAXES_ONLY),
    ]


def _filings(
    program: str, rows: int, fiscal_year: int, layout: Layout, seed: int, planted: bool
) -> list[dict[str, Any]]:
    """``rows`` applications for one file: the planted ones and filler, shuffled."""
    planted_rows = _planted_rows(program, layout, fiscal_year) if planted else []
    if rows < len(planted_rows):
        raise ValueError(
            f"rows={rows} is fewer than the {len(planted_rows)} planted {program} rows "
            f"(use more rows or planted=False)"
        )
    size = _pool_size(rows)
    world = _world(seed, size, 0) if program == "H-2A" else _world(seed, 0, size)
    pool = world.h2a if program == "H-2A" else world.h2b
    active = _active(pool, fiscal_year) or list(pool)
    rng = random.Random(f"lantern-samples:{seed}:{program}:{layout}:{fiscal_year}")
    order = list(active)
    rng.shuffle(order)
    n_filler = rows - len(planted_rows)
    chosen = order[:n_filler] + [rng.choice(active) for _ in range(n_filler - len(order))]
    suffix_p, upper_p = (0.12, 0.0) if layout == "new" else (0.2, 0.35)
    spelled: dict[str, tuple[str, str, str, str]] = {}
    out: list[dict[str, Any]] = []
    for k, e in enumerate(chosen):
        if e.key not in spelled:
            spelled[e.key] = _spelling(e, rng, layout, suffix_p, upper_p)
        out.append(_h2_filing(e, fiscal_year, rng, 1000 + k, layout, spelled[e.key]))
    for row in planted_rows:
        out.insert(rng.randint(0, len(out)), row)
    return out


def _write_xlsx(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str
) -> Path:
    return write_xlsx(path, header, rows, title)


def _h2a_table(
    rows: int, fiscal_year: int, layout: Layout, seed: int, planted: bool
) -> tuple[list[str], list[list[Any]]]:
    if layout not in ("new", "old"):
        raise ValueError(f"layout must be 'new' or 'old', not {layout!r}")
    fields = H2A_NEW_FIELDS if layout == "new" else H2A_OLD_FIELDS
    filings = _filings("H-2A", rows, fiscal_year, layout, seed, planted)
    names = [f for f, _ in fields]
    return [c for _, c in fields], [[r[f] for f in names] for r in filings]


# ---------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------


def write_h2a_workbook(
    path: str | Path,
    rows: int = 60,
    fiscal_year: int = 2024,
    layout: Layout = "new",
    seed: int = 7,
    planted: bool = True,
) -> Path:
    """An OFLC H-2A disclosure workbook: one sheet, row 1 the real column names.

    ``layout="new"`` is the FY2020+ layout (:data:`H2A_NEW_COLUMNS`); ``"old"`` the
    pre-FY2020 one (:data:`H2A_OLD_COLUMNS`). ``rows`` counts data rows, planted ones
    included; with ``planted=True`` the new layout holds the FY2024 planted cases and
    the old layout the FY2019 ones (see :data:`PLANTED`), whatever ``fiscal_year`` is.
    Written by :mod:`demo.xlsx`: 20,000 rows take about a second."""
    header, table = _h2a_table(rows, fiscal_year, layout, seed, planted)
    title = f"H-2A_FY{fiscal_year}"
    return _write_xlsx(Path(path), header, table, title)


def write_h2b_workbook(
    path: str | Path, rows: int = 40, fiscal_year: int = 2024, seed: int = 7, planted: bool = True
) -> Path:
    """An OFLC H-2B disclosure workbook in the FY2020+ layout (:data:`H2B_COLUMNS`);
    with ``planted=True`` it holds "Example Landscaping LLC" (foreign recruiter)."""
    filings = _filings("H-2B", rows, fiscal_year, "new", seed, planted)
    names = [f for f, _ in H2B_FIELDS]
    table = ([r[f] for f in names] for r in filings)
    return _write_xlsx(Path(path), H2B_COLUMNS, table, f"H-2B_FY{fiscal_year}")


_OTHER_BUSINESSES = (("Diner", "722511"), ("Auto Repair", "811111"),
                     ("Cleaning Services", "561720"), ("Restaurant Group", "722511"),
                     ("Car Wash", "811192"), ("Home Health Care", "621610"),
                     ("Warehouse Services", "493110"), ("Roofing", "238160"),
                     ("Dry Cleaners", "812320"), ("Trucking", "484110"))  # fmt: skip


def _money(value: float) -> str:
    return f"{value:.2f}"


def write_whd_csv(path: str | Path, rows: int = 50, seed: int = 7, planted: bool = True) -> Path:
    """A WHD (WHISARD) enforcement extract with its lower-case column names.

    Filler cases are benign for H-2 purposes: farms and H-2B employers of the sample
    world with FLSA or MSPA findings only, and businesses outside the programs. The
    planted case is "FAKENAME ORCHARDS L.L.C." (14 H-2A violations, $85,000)."""
    rng = random.Random(f"lantern-samples:{seed}:whd")
    out: list[dict[str, Any]] = []
    if planted:
        w = PLANTED["debarred_successor"]["whd"]
        old = _P_OLD["fakename_orchards"]
        out.append({
            "case_id": w["case_id"], "trade_nm": "", "legal_name": w["legal_name"],
            "street_addr_1_txt": old.address.upper(), "cty_nm": w["cty_nm"], "st_cd": w["st_cd"],
            "zip_cd": old.postal_code, "naic_cd": old.naics,
            "findings_start_date": "2018-10-01", "findings_end_date": "2020-09-30",
            "case_violtn_cnt": 31, "bw_atp_amt": _money(97500),
            "h2a_violtn_cnt": w["h2a_violtn_cnt"], "h2a_bw_atp_amt": _money(w["h2a_bw_atp_amt"]),
            "h2a_ee_atp_cnt": w["h2a_ee_atp_cnt"],
            "h2a_cmp_assd_amt": _money(w["h2a_cmp_assd_amt"]),
            "h2b_violtn_cnt": 0, "h2b_bw_atp_amt": _money(0), "mspa_violtn_cnt": 3,
        })  # fmt: skip
    if rows < len(out):
        raise ValueError(f"rows={rows} is fewer than the planted WHD case")
    world = _world(seed, _pool_size(60), _pool_size(40))
    pool = [*world.h2a, *world.h2b]
    rng.shuffle(pool)
    n_filler = rows - len(out)
    n_pool = min(len(pool), (n_filler * 3) // 5)
    for k in range(n_filler):
        start = date(2014, 1, 1) + timedelta(days=rng.randint(0, 3500))
        end = start + timedelta(days=rng.choice((364, 729, 1094)))
        violations = rng.choice((0, 0, 1, 2, 3, 5, 8, 12))
        back_wages = violations * rng.randint(150, 2400)
        if k < n_pool:
            e = pool[k]
            name = _name_variant(e.name, rng, 0.3, 1.0)
            trade = (e.trade_name or "").upper()
            street, city, state, postal, naics = e.address, e.city, e.state, e.postal_code, e.naics
            mspa = rng.choice((0, 0, 0, 1, 2)) if e.program == "H-2A" else 0
        else:
            marker = _MARKERS[rng.randrange(len(_MARKERS))]
            kind, naics = _OTHER_BUSINESSES[rng.randrange(len(_OTHER_BUSINESSES))]
            name = f"{marker} {kind} {rng.choice(('LLC', 'INC', 'CORP'))}".upper()
            trade = ""
            state = rng.choice(sorted(_STATES))
            city, postal = rng.choice(_STATES[state][1])
            street = f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}"
            mspa = 0
        out.append({
            "case_id": str(1_700_000 + k * 37 + rng.randint(0, 30)), "trade_nm": trade,
            "legal_name": name, "street_addr_1_txt": street.upper(), "cty_nm": city.upper(),
            "st_cd": state, "zip_cd": postal, "naic_cd": naics,
            "findings_start_date": start.isoformat(), "findings_end_date": end.isoformat(),
            "case_violtn_cnt": violations + mspa, "bw_atp_amt": _money(back_wages),
            "h2a_violtn_cnt": 0, "h2a_bw_atp_amt": _money(0), "h2a_ee_atp_cnt": 0,
            "h2a_cmp_assd_amt": _money(0), "h2b_violtn_cnt": 0, "h2b_bw_atp_amt": _money(0),
            "mspa_violtn_cnt": mspa,
        })  # fmt: skip
    planted_rows = out[:1] if planted else []
    filler = out[len(planted_rows) :]
    for row in planted_rows:
        filler.insert(rng.randint(0, len(filler)), row)
    return _write_csv(Path(path), WHD_COLUMNS, filler)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)
    return path


# Debarred entities of the sample world other than the planted one: none of them
# matches a filler employer or agent.
_DEBARRED_FILLER = (
    ("H-2A", "Unreal Acres Farm LLC", "Lubbock", "TX", "failure to pay wages"),
    ("H-2A", "Phantom Ridge Growers Inc", "Yakima", "WA",
     "failure to provide housing that meets standards"),
    ("H-2B", "Nonexistent Seafood Co", "Houma", "LA", "failure to pay the offered wage"),
    ("H-2A", "Robin Nullman", "Bakersfield", "CA",
     "willful misrepresentation in the application (labor contractor)"),
    ("H-2B", "Fabricated Lawn Group LLC", "Dallas", "TX",
     "failure to comply with recruitment obligations"),
    ("H-2A", "Chimera Labor Contractors", "Immokalee", "FL",
     "failure to pay wages; unlawful deductions"),
    ("H-2B", "Apocryphal Hospitality LLC", "Destin", "FL",
     "failure to reimburse inbound transportation"),
    ("H-2A", "Vapor Harvesting Inc", "Yuma", "AZ", "failure to comply with the job offer"),
    ("H-2A", "Mirage Farms L.L.C.", "Valdosta", "GA", "failure to pay wages"),
    ("H-2B", "Casey Voidman", "Baton Rouge", "LA", "willful misrepresentation (agent)"),
    ("H-2A", "Nowhere Produce Packers LLC", "Salinas", "CA",
     "failure to cooperate with an investigation"),
    ("H-2A", "Illusory Orchards Inc", "Wenatchee", "WA", "failure to pay wages"),
    ("H-2B", "Shadow Stone Masonry LLC", "Denver", "CO", "failure to pay the offered wage"),
    ("H-2A", "Ghost Creek Cattle Co", "Amarillo", "TX", "failure to provide workers' compensation"),
)  # fmt: skip


def write_debarments_csv(path: str | Path, seed: int = 7) -> Path:
    """The H-2A/H-2B debarment list (Program, Name, City, State, Start Date, End Date,
    Violation; dates YYYY-MM-DD), with "Fakename Orchards LLC" among fictional others."""
    rng = random.Random(f"lantern-samples:{seed}:debarments")
    d = PLANTED["debarred_successor"]["debarment"]
    rows = [
        {
            "Program": d["program"], "Name": d["name"], "City": d["city"], "State": d["state"],
            "Start Date": d["start_date"], "End Date": d["end_date"], "Violation": d["violation"],
        }
    ]  # fmt: skip
    for program, name, city, state, violation in _DEBARRED_FILLER:
        start = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3300))
        years = rng.choice((1, 2, 3, 3, 3))
        end = date(start.year + years, start.month, min(start.day, 28)) - timedelta(days=1)
        rows.append({
            "Program": program, "Name": name, "City": city, "State": state,
            "Start Date": start.isoformat(), "End Date": end.isoformat(), "Violation": violation,
        })  # fmt: skip
    rows.sort(key=lambda r: (r["Start Date"], r["Name"]))
    return _write_csv(Path(path), DEBARMENT_COLUMNS, rows)


_WAGE_ADDITIONAL = (
    "Workers are paid at least the hourly rate for every hour worked; piece rates may "
    "apply and are paid when they exceed the hourly rate.",
    "Overtime is paid as required by law.",
    "",
    "The employer guarantees three-fourths of the hours in the contract period.",
)


def _job_order(
    e: _Employer, case_number: str, begin: date, rng: random.Random, **over: Any
) -> dict[str, Any]:
    """One SeasonalJobs order; planted employers keep their own wage."""
    planted = e.key in _P or e.key == _LANDSCAPING.key
    wage = e.wage_2024 if planted else _filler_wage(e, 2025, rng)
    order: dict[str, Any] = {
        "caseNumber": case_number,
        "visaType": e.program,
        "empBusinessName": e.name,
        "empTradeName": e.trade_name or "",
        "empPhone": e.phone,
        "empEmail": e.email,
        "jobTitle": e.job_title,
        "jobDuties": e.duties,
        "wageOffer": wage,
        "wageAdditional": rng.choice(_WAGE_ADDITIONAL),
        "recPayDeductions": rng.choice(_ORDINARY_DEDUCTIONS),
        "worksiteCity": e.city,
        "worksiteState": e.state,
        "beginDate": begin.isoformat(),
        "endDate": (begin + timedelta(days=rng.randint(90, 280))).isoformat(),
        "recruiters": [],
    }
    order.update(over)
    return order


def write_job_orders_json(
    path: str | Path, seed: int = 7, planted: bool = True, rows: int = 24
) -> Path:
    """A SeasonalJobs-style daily archive (2024-11-30): a JSON list of job orders with
    camelCase fields (UNVERIFIED against the live feed, see the module docstring).

    Planted: "Fakename Harvest Group LLC" with labor-trafficking indicator wording in
    English and Spanish, "Example Landscaping LLC" naming "Reclutadora Ejemplo"
    (Mexico), and an ordinary order of "Big Valley Produce, Inc."."""
    rng = random.Random(f"lantern-samples:{seed}:job_orders")
    orders: list[dict[str, Any]] = []
    if planted:
        fh = _P["fakename_harvest"]
        orders += [
            _job_order(
                fh, PLANTED["job_order_indicators"]["case_number"], date(2025, 1, 20), rng,
                jobDuties=_INDICATOR_DUTIES, recPayDeductions=_INDICATOR_DEDUCTIONS,
                wageAdditional="Pay is by the bucket at the crew leader's rate.",
                worksiteCity="Moultrie", recruiters=[dict(_AGENCIA)],
            ),
            _job_order(
                _LANDSCAPING, "H-400-24318-000180", date(2025, 2, 15), rng,
                recPayDeductions=TAXES_ONLY, wageAdditional="Overtime is paid as required by law.",
                recruiters=[dict(_RECLUTADORA)],
            ),
            _job_order(
                _P["big_valley"], "H-300-24322-000150", date(2025, 2, 1), rng,
                recPayDeductions=TAXES_ONLY, wageAdditional="Overtime is paid as required by law.",
            ),
        ]  # fmt: skip
    if rows < len(orders):
        raise ValueError(f"rows={rows} is fewer than the {len(orders)} planted job orders")
    world = _world(seed, _pool_size(60), _pool_size(40))
    h2a = _active(world.h2a, 2025)
    h2b = _active(world.h2b, 2025)
    rng.shuffle(h2a)
    rng.shuffle(h2b)
    n_filler = rows - len(orders)
    n_h2b = n_filler // 4
    chosen = h2a[: n_filler - n_h2b] + h2b[:n_h2b]
    chosen += [rng.choice(world.h2a) for _ in range(n_filler - len(chosen))]
    filler = []
    for k, e in enumerate(chosen):
        received = date(2024, 11, 1) + timedelta(days=rng.randint(0, 29))
        prefix = "H-300" if e.program == "H-2A" else "H-400"
        begin = received + timedelta(days=rng.randint(45, 90))
        filler.append(_job_order(e, f"{prefix}-{_julian(received)}-{5000 + k:06d}", begin, rng))
    for order in orders:
        filler.insert(rng.randint(0, len(filler)), order)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(filler, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# ---------------------------------------------------------------------------------------
# Hostile and broken inputs
# ---------------------------------------------------------------------------------------

_SHEET = "xl/worksheets/sheet1.xml"
_LAUGHS = (
    '<!DOCTYPE worksheet [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def _small_workbook(rows: int = 12, seed: int = 7) -> bytes:
    """A small workbook as openpyxl writes it: the hostile files are made from one."""
    from openpyxl import Workbook

    header, table = _h2a_table(rows, 2024, "new", seed, planted=False)
    buffer = io.BytesIO()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("H-2A_FY2024")
    sheet.append(header)
    for row in table:
        sheet.append(row)
    workbook.save(buffer)
    return buffer.getvalue()


def _zip_bytes(members: Sequence[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive from already-deflated members: (name, raw deflate data, CRC-32,
    uncompressed size). Written by hand so a member's size can be what it claims
    without ever holding the inflated bytes."""
    out = io.BytesIO()
    central = io.BytesIO()
    dos_time, dos_date = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                8,
                dos_time,
                dos_date,
                crc,
                len(data),
                size,
                len(encoded),
                0,
            )  # fmt: skip
        )
        out.write(encoded)
        out.write(data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                dos_time,
                dos_date,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )  # fmt: skip
        )
        central.write(encoded)
    start = out.tell()
    directory = central.getvalue()
    out.write(directory)
    count = len(members)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _bomb_sheet(mebibytes: int) -> tuple[bytes, int, int]:
    """A valid worksheet XML padded with ``mebibytes`` MiB of blanks, deflated without
    ever building it: one full-flushed deflate block per MiB, repeated. Returns the
    raw deflate data, its CRC-32 and the inflated size."""
    head = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>CASE_NUMBER</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>EMPLOYER_NAME</t></is></c></row>'
    )
    tail = b"</sheetData></worksheet>"
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    if block != again:  # a full flush resets the compressor: blocks must repeat
        raise RuntimeError("zlib did not repeat a full-flushed block")
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + mebibytes * len(chunk) + len(tail)
    return start + block * mebibytes + end, crc, size


def _write_zip_bomb(path: Path, mebibytes: int) -> Path:
    members = []
    with zipfile.ZipFile(io.BytesIO(_small_workbook(4))) as source:
        for info in source.infolist():
            if info.filename == _SHEET:
                members.append((_SHEET, *_bomb_sheet(mebibytes)))
            else:
                data = source.read(info)
                members.append((info.filename, _deflate(data), zlib.crc32(data), len(data)))
    path.write_bytes(_zip_bytes(members))
    return path


def _write_xml_bomb(path: Path) -> Path:
    """A real openpyxl workbook whose sheet XML gets a billion-laughs DOCTYPE, and whose
    first employer name is the entity that expands to 10^9 "lol"s."""
    source = zipfile.ZipFile(io.BytesIO(_small_workbook(4)))
    with source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == _SHEET:
                text = data.decode("utf-8")
                at = text.index("<worksheet")
                text = text[:at] + _LAUGHS + text[at:]
                text, used = re.subn(
                    r'(<c r="G2" t="inlineStr"><is><t>)[^<]*', r"\1&lol9;", text, count=1
                )
                if not used:
                    raise RuntimeError("no employer name cell to put the entity in")
                data = text.encode("utf-8")
            target.writestr(info.filename, data)
    return path


def write_bad_files(folder: str | Path, bomb_mib: int = 256) -> dict[str, Path]:
    """Inputs a reader must refuse cleanly (keys: zip_bomb, xml_bomb, corrupted,
    renamed_columns, not_a_workbook).

    - ``zip_bomb``: a valid .xlsx whose sheet member inflates to ``bomb_mib`` MiB (about
      1,000x its compressed size); its zip directory says so, so a reader can refuse it
      from ``ZipInfo.file_size`` / ``compress_size`` before inflating anything.
      Writing it costs about a MiB of memory and well under a second.
    - ``xml_bomb``: an openpyxl workbook whose sheet XML declares nested entities
      (billion laughs) and uses the outermost one in a cell.
    - ``corrupted``: an H-2A workbook cut off half way (no zip directory).
    - ``renamed_columns``: a small H-2A FY2020+ workbook where EMPLOYER_NAME is
      EMPLOYER_NM and TOTAL_WORKERS_H2A_CERTIFIED is gone.
    - ``not_a_workbook``: CSV text saved with an .xlsx name."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "zip_bomb": _write_zip_bomb(out / "zip_bomb.xlsx", bomb_mib),
        "xml_bomb": _write_xml_bomb(out / "xml_bomb.xlsx"),
    }
    whole = _small_workbook(30)
    corrupted = out / "corrupted.xlsx"
    corrupted.write_bytes(whole[: len(whole) // 2])
    files["corrupted"] = corrupted

    header, table = _h2a_table(20, 2024, "new", 7, planted=True)
    drop = header.index("TOTAL_WORKERS_H2A_CERTIFIED")
    header = ["EMPLOYER_NM" if c == "EMPLOYER_NAME" else c for c in header]
    del header[drop]
    for row in table:
        del row[drop]
    files["renamed_columns"] = _write_xlsx(
        out / "renamed_columns.xlsx", header, table, "H-2A_FY2024"
    )
    text = out / "not_a_workbook.xlsx"
    text.write_text(
        "CASE_NUMBER,EMPLOYER_NAME,EMPLOYER_STATE\nH-300-24001-000001,Mock Cascade Apple Co,WA\n",
        encoding="utf-8",
    )
    files["not_a_workbook"] = text
    return files


def write_sample_set(folder: str | Path, h2a_rows: int = 60, seed: int = 7) -> dict[str, Path]:
    """One of each good file in ``folder``, named like OFLC's (:data:`SAMPLE_SET_FILES`):
    H-2A FY2024 (new layout) and FY2019 (old layout), H-2B FY2024, the WHD extract, the
    debarment list and a SeasonalJobs archive. Keys as in :data:`PLANTED` ``files``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    names = SAMPLE_SET_FILES
    return {
        "h2a_fy2024": write_h2a_workbook(out / names["h2a_fy2024"], h2a_rows, 2024, "new", seed),
        "h2a_fy2019": write_h2a_workbook(out / names["h2a_fy2019"], h2a_rows, 2019, "old", seed),
        "h2b_fy2024": write_h2b_workbook(out / names["h2b_fy2024"], 40, 2024, seed),
        "whd": write_whd_csv(out / names["whd"], 50, seed),
        "debarments": write_debarments_csv(out / names["debarments"], seed),
        "job_orders": write_job_orders_json(out / names["job_orders"], seed),
    }
