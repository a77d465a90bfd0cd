"""Source rows as records: one per disclosure case, WHD case, debarment or job order,
with the keys employer resolution compares (normalized names, phone, FEIN, agent,
housing address) and where the row came from (file, its SHA-256, row number)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field

from leads.ids import stable_id
from leads.regions import RegionError, county_of_city, resolve
from leads.validation import Strict

Dataset = Literal["h2a", "h2b", "whd", "debarment", "job_orders"]

# Legal forms and filler words that do not tell two employers apart.
_SUFFIXES = {
    "LLC", "L L C", "INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY", "LTD",
    "LIMITED", "LP", "LLP", "PLLC", "PC", "PA", "THE", "AND",
}  # fmt: skip
_DBA = re.compile(r"\b(?:d/?b/?a|doing business as|a/k/a)\b\.?", re.IGNORECASE)
_LLC = re.compile(r"\bL\.?\s?L\.?\s?C\.?")
_NOT_WORD = re.compile(r"[^A-Z0-9 ]+")
_NOT_DIGIT = re.compile(r"\D")
_ROAD, _STREET = re.compile(r"\b(ROAD)\b"), re.compile(r"\b(STREET)\b")


class GwRecord(Strict):
    id: str
    dataset: Dataset
    program: str
    file: str
    file_sha256: str
    row: int
    fiscal_year: int | None = None
    case_number: str | None = None
    names: list[str]  # as written: legal name first, then trade/DBA names
    name_keys: list[str]  # normalized
    state: str | None = None
    city: str | None = None
    address: str | None = None
    address_key: str | None = None  # street address normalized (with city and state)
    phone: str | None = None  # ten digits
    fein: str | None = None  # nine digits
    email: str | None = None
    agent: str | None = None  # agent, attorney or law firm, as written
    agent_key: str | None = None
    agent_phone: str | None = None
    housing_key: str | None = None
    text: str | None = None  # free text worth reading (deductions, job duties)
    values: dict[str, Any] = Field(default_factory=dict)
    # Typed facts a regional assessment aggregates on (``values`` is stored, not indexed).
    # starts/ends: employment for H-2A/H-2B and job orders, findings for WHD cases, the
    # debarment for debarments.
    worksite_state: str | None = None
    county: str | None = None  # county FIPS of the worksite (else employer) city, if known
    naics: str | None = None
    workers_certified: int | None = None
    housing_occupancy: int | None = None
    labor_contractor: bool | None = None
    certified: bool | None = None  # False: denied or withdrawn (from CASE_STATUS)
    starts: str | None = None
    ends: str | None = None
    back_wages: float | None = None
    violations: int | None = None


@lru_cache(maxsize=65536)  # a file names its employers many times over
def normalize_name(name: str) -> str:
    """Upper case, accents, punctuation and legal forms removed:
    "Big Valley Produce, Inc." and "BIG VALLEY PRODUCE INC" give the same key."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = text.replace("&", " AND ")
    text = _LLC.sub(" LLC ", text)
    text = _NOT_WORD.sub(" ", text)
    words = [w for w in text.split() if w not in _SUFFIXES]
    return " ".join(words)


def split_dba(name: str) -> list[str]:
    """ "Acme Farms LLC dba Sunny Acres" -> both names."""
    return list(_split_dba(name))


@lru_cache(maxsize=65536)
def _split_dba(name: str) -> tuple[str, ...]:
    parts = [p.strip(" ,;-") for p in _DBA.split(name)]
    return tuple(p for p in parts if p)


def digits(value: Any, size: int) -> str | None:
    return _digits(str(value or ""), size)


@lru_cache(maxsize=65536)  # a phone or a FEIN recurs on every row of its employer
def _digits(value: str, size: int) -> str | None:
    text = _NOT_DIGIT.sub("", value)
    if len(text) == size + 1 and size == 10 and text.startswith("1"):
        text = text[1:]
    return text if len(text) == size else None


def show_phone(ten: str) -> str:
    """Ten digits as people write them: (229) 555-0144."""
    return f"({ten[:3]}) {ten[3:6]}-{ten[6:]}" if len(ten) == 10 else ten


def address_key(*parts: Any) -> str | None:
    return _address_key(" ".join(str(p) for p in parts if p))


@lru_cache(maxsize=65536)
def _address_key(text: str) -> str | None:
    key = _NOT_WORD.sub(" ", text.upper())
    key = _ROAD.sub("RD", key)
    key = _STREET.sub("ST", key)
    key = " ".join(key.split())
    return key or None


def from_row(
    dataset: Dataset, values: dict[str, Any], file: str, sha: str, row: int, fy: int | None
) -> GwRecord:
    """A record from one converted row (field names from layouts.yaml)."""
    v = values
    if dataset == "whd":
        names = [v.get("legal_name"), v.get("trade_name")]
        city, state, address = v.get("city"), v.get("state"), v.get("street")
        case = v.get("case_id")
        program = "WHD"
    elif dataset == "debarment":
        names = [v.get("name")]
        city, state, address = v.get("city"), v.get("state"), None
        case = None
        program = str(v.get("program") or "H-2")
    else:
        names = [v.get("employer_name"), v.get("trade_name")]
        city = v.get("employer_city") or v.get("worksite_city")
        state = v.get("employer_state") or v.get("worksite_state")
        address = v.get("employer_address")
        case = v.get("case_number")
        program = {"h2a": "H-2A", "h2b": "H-2B"}.get(dataset, str(v.get("program") or "H-2"))
    written: list[str] = []
    for name in names:
        if name:
            written += [n for n in split_dba(str(name)) if n not in written]
    agent = v.get("agent_name") or " ".join(
        p for p in (v.get("agent_first_name"), v.get("agent_last_name")) if p
    )
    agent = agent or v.get("law_firm")
    housing = address_key(v.get("housing_address"), v.get("housing_city"), v.get("housing_state"))
    text = " \n".join(
        str(v[k])
        for k in ("deductions", "job_duties", "wage_additional")
        if v.get(k) and str(v[k]).strip()
    )
    key = case or f"{file}:{row}"
    return GwRecord(
        id=stable_id("gw", dataset, str(key)),
        dataset=dataset,
        program=program,
        file=file,
        file_sha256=sha,
        row=row,
        fiscal_year=fy,
        case_number=str(case) if case else None,
        names=written,
        name_keys=[k for k in dict.fromkeys(normalize_name(n) for n in written) if k],
        state=str(state).upper()[:2] if state else None,
        city=str(city).upper() if city else None,
        address=str(address) if address else None,
        address_key=address_key(address, city, state) if address else None,
        phone=digits(v.get("employer_phone") or v.get("phone_to_apply"), 10),
        fein=digits(v.get("employer_fein"), 9),
        email=(str(v.get("employer_email") or v.get("email_to_apply") or "").lower() or None),
        agent=str(agent) if agent else None,
        agent_key=normalize_name(str(agent)) or None if agent else None,
        agent_phone=digits(v.get("agent_phone"), 10),
        housing_key=housing if v.get("housing_address") else None,
        text=text or None,
        values={k: val for k, val in v.items() if val is not None},
        **_facts(dataset, v, state),
    )


def _county(county: Any, city: Any, state: str | None) -> str | None:
    """The worksite's county FIPS: from its county column when the file has one, else
    from its city when the gazetteer knows the city (15,000 people or more)."""
    return _county_of(str(county) if county else None, str(city) if city else None, state)


@lru_cache(maxsize=16384)  # a file names each worksite many times over
def _county_of(county: str | None, city: str | None, state: str | None) -> str | None:
    if not state:
        return None
    if county:
        try:
            return resolve(state, str(county)).county
        except RegionError:
            pass
    return county_of_city(str(city), state) if city else None


def _certified(status: Any) -> bool | None:
    """OFLC's CASE_STATUS as certified (fully or partly) or not (denied, withdrawn)."""
    text = str(status or "").lower()
    if "denied" in text or "withdrawn" in text:
        return False
    if "certification" in text or "certified" in text:
        return True
    return None


def _facts(dataset: Dataset, v: dict[str, Any], state: Any) -> dict[str, Any]:
    site_state = v.get("worksite_state") or v.get("housing_state") or state
    site_state = str(site_state).upper()[:2] if site_state else None
    site_city = v.get("worksite_city") or v.get("employer_city") or v.get("city")
    starts = {"whd": "findings_start", "debarment": "start_date"}.get(dataset, "begin_date")
    ends = {"whd": "findings_end", "debarment": "end_date"}.get(dataset, "end_date")
    naics = str(v["naics_code"]).strip() if v.get("naics_code") else None
    return {
        "worksite_state": site_state,
        "county": _county(v.get("worksite_county"), site_city, site_state),
        "naics": naics if naics and naics.isdigit() else None,
        "workers_certified": v.get("workers_certified"),
        "housing_occupancy": v.get("housing_occupancy"),
        "labor_contractor": v.get("labor_contractor"),
        "certified": _certified(v.get("case_status")),
        "starts": v.get(starts),
        "ends": v.get(ends),
        "back_wages": v.get("back_wages"),
        "violations": v.get("violations"),
    }
