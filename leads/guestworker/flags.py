"""Risk flags for resolved employers, each with a reason in plain words and the records
behind it, and a 0–100 risk that combines them like lead scores do.

Flag ids are a contract: debarred_match, whd_h2_violations, labor_contractor,
shared_agent, shared_housing, housing_shortfall, wage_below_minimum, deduction_terms,
foreign_recruiter, job_text_indicators. Structural flags (a labor contractor, a busy
agent, a shared camp, a foreign recruiter) are common and mostly lawful: they are weak,
and weak flags alone never make more than low-to-medium risk.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from leads.guestworker.records import GwRecord, show_phone
from leads.guestworker.resolve import Employer, any_match
from leads.scoring import combine_weights, tier_for

MIN_WAGE = Path(__file__).with_name("min_wage.tsv")
AEWR = Path(__file__).with_name("aewr.tsv")
# Reads a job order's text: (indicator category, quoted text) pairs.
TextIndicators = Callable[[str], list[tuple[str, str]]]
SHARED_MIN = 5  # employers sharing one agent or housing address before it is a flag
WEIGHTS = {
    "debarred_match": 70.0,
    "whd_h2_violations": 45.0,
    "wage_below_minimum": 35.0,
    "housing_shortfall": 30.0,
    "job_text_indicators": 30.0,
    "deduction_terms": 20.0,
    "shared_housing": 15.0,
    "shared_agent": 12.0,
    "labor_contractor": 10.0,
    "foreign_recruiter": 10.0,
}
WEAK = {"shared_housing", "shared_agent", "labor_contractor", "foreign_recruiter"}
WEAK_ONLY_CAP = 30
_DEDUCTION = re.compile(
    r"\b(?:visa|recruit\w*|placement|passport|transport\w*|travel|airfare|bus fare|"
    r"housing|lodging|rent|fee|fees|debt|loan)\b",
    re.IGNORECASE,
)
_CHARGED = re.compile(r"\$\s?\d|\bdeduct\w*|\bcharg\w*|\bpay\w* back\b|\brepay", re.IGNORECASE)


@dataclass
class Flag:
    flag: str
    reason: str
    records: list[str] = field(default_factory=list)  # record ids behind it
    weight: float = 0.0


@dataclass
class Assessment:
    employer: Employer
    flags: list[Flag]
    risk: int
    tier: str


def _table_rows(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    """The data rows of a tab-separated table file (``#`` comments and the ``state``
    header skipped), each with its line number, checked for its number of columns."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith(("#", "state\t")):
            continue
        cells = line.split("\t")
        if len(cells) != columns:
            raise ValueError(f"{path.name}:{n}: expected {columns} tab-separated columns")
        rows.append((n, cells))
    return rows


@lru_cache(maxsize=1)
def minimum_wages() -> dict[tuple[str, int], float]:
    return {(st, int(year)): float(hourly) for _, (st, year, hourly) in _table_rows(MIN_WAGE, 3)}


def minimum_wage(state: str | None, year: int) -> float:
    table = minimum_wages()
    federal = table.get(("US", year), 7.25)
    return max(federal, table.get(((state or "").upper(), year), 0.0))


@dataclass(frozen=True)
class Aewr:
    hourly: float
    source: str


@lru_cache(maxsize=1)
def aewrs() -> dict[tuple[str, int], Aewr]:
    """The H-2A Adverse Effect Wage Rates on file (aewr.tsv), by (state, year)."""
    table: dict[tuple[str, int], Aewr] = {}
    for n, (state, year, hourly, _region, source) in _table_rows(AEWR, 5):
        try:
            table[(state, int(year))] = Aewr(float(hourly), source)
        except ValueError:
            raise ValueError(f"{AEWR.name}:{n}: a year or an hourly rate is not a number") from None
    return table


def required_wage(program: str, state: str | None, year: int) -> tuple[float, str]:
    """The lowest lawful hourly offer and what sets it, in words. For H-2A it is the
    highest of the AEWR, the federal minimum and the state minimum (20 CFR 655.120(a));
    for other programs the higher of the two minimums."""
    where = (state or "").upper()
    floor = minimum_wage(where or None, year)
    reason = f"the ${floor:.2f} minimum for {where or 'the US'} in {year}"
    if program.upper() != "H-2A":
        return floor, reason
    aewr = aewrs().get((where, year))
    if aewr is None:
        return floor, reason + f" (no H-2A Adverse Effect Wage Rate on file for {where or '?'})"
    if aewr.hourly >= floor:
        reason = (
            f"the ${aewr.hourly:.2f} H-2A Adverse Effect Wage Rate for {where} in {year} "
            f"({aewr.source}), the highest of the AEWR and the federal and state minimums"
        )
        return aewr.hourly, reason
    return floor, reason


def risk_of(flags: list[Flag]) -> tuple[int, str]:
    risk = combine_weights(f.weight for f in flags)
    if flags and all(f.flag in WEAK for f in flags):
        risk = min(risk, WEAK_ONLY_CAP)
    return risk, tier_for(risk)


def assess(
    employers: list[Employer],
    debarments: list[GwRecord],
    text_indicators: TextIndicators | None = None,
) -> list[Assessment]:
    """Flags for every employer. ``text_indicators`` reads job-order text and returns
    (category, quoted text) pairs (the NLP pipeline's labor indicators)."""
    agent_users: dict[str, set[str]] = defaultdict(set)
    housing_users: dict[str, set[str]] = defaultdict(set)
    for e in employers:
        for r in e.records:
            if r.agent_key:
                agent_users[r.agent_key].add(e.id)
            if r.housing_key:
                housing_users[r.housing_key].add(e.id)
    direct = {e.id: _debarred_direct(e, debarments) for e in employers}
    debarred = [e for e in employers if direct[e.id]]  # few: the successor scan's targets
    out = []
    for e in employers:
        flags = direct[e.id] + _successor(e, debarred, direct)
        flags += _name_successor(e, debarments, direct[e.id])
        flags += _whd(e) + _contractor(e) + _shared(e, agent_users, housing_users)
        flags += _housing(e) + _wage(e) + _deductions(e) + _foreign(e)
        if text_indicators is not None:
            flags += _job_text(e, text_indicators)
        for f in flags:
            f.weight = WEIGHTS[f.flag]
        flags = _one_per_kind(flags)
        risk, tier = risk_of(flags)
        out.append(Assessment(e, flags, risk, tier))
    return out


def _one_per_kind(flags: list[Flag]) -> list[Flag]:
    """One flag per id (its reasons joined): repeated evidence does not stack up."""
    merged: dict[str, Flag] = {}
    for f in flags:
        if f.flag in merged:
            kept = merged[f.flag]
            if f.reason not in kept.reason:
                kept.reason += f"; {f.reason}"
            kept.records = sorted({*kept.records, *f.records})
        else:
            merged[f.flag] = Flag(f.flag, f.reason, sorted(set(f.records)), f.weight)
    return list(merged.values())


def _debarred_direct(e: Employer, debarments: list[GwRecord]) -> list[Flag]:
    keys = sorted({k for r in e.records for k in r.name_keys})
    agents = sorted({r.agent_key for r in e.records if r.agent_key})
    states = {r.state for r in e.records if r.state}
    flags = []
    for d in debarments:
        if d.state and states and d.state not in states:
            continue
        period = f"{d.program} debarment {d.values.get('start_date', '?')} to " + str(
            d.values.get("end_date", "?")
        )
        if any_match(keys, d.name_keys):
            flags.append(
                Flag("debarred_match", f"employer matches debarred {d.names[0]} ({period})", [d.id])
            )
        elif any_match(agents, d.name_keys):
            flags.append(
                Flag(
                    "debarred_match",
                    f"its agent or attorney matches debarred {d.names[0]} ({period})",
                    [d.id],
                )
            )
    return flags


def _successor(e: Employer, debarred: list[Employer], direct: dict[str, list[Flag]]) -> list[Flag]:
    """A likely successor in interest (20 CFR 655.182): another employer, itself
    matching a debarment, that shares this one's phone, or its agent and city."""
    if direct[e.id]:
        return []
    phones = set(e.values("phone"))
    places = {(r.agent_key, r.city) for r in e.records if r.agent_key and r.city}
    flags = []
    for other in debarred:
        if other.id == e.id:
            continue
        shared = []
        common_phones = phones & set(other.values("phone"))
        if common_phones:
            shared.append(f"the same phone {show_phone(sorted(common_phones)[0])}")
        other_places = {(r.agent_key, r.city) for r in other.records if r.agent_key and r.city}
        if places & other_places:
            agent, city = sorted(places & other_places, key=str)[0]
            shared.append(f"the same agent ({agent.title()}) in {str(city).title()}")
        if shared:
            ids = [r.id for r in other.records] + [f for d in direct[other.id] for f in d.records]
            flags.append(
                Flag(
                    "debarred_match",
                    f"likely successor of debarred {other.name}: " + " and ".join(shared),
                    ids,
                )
            )
    return flags


# Words many unrelated farm businesses share: a successor's name is similar to the
# debarred one's when they share the words left after these (e.g. "Blue Ridge").
_GENERIC_NAME_WORDS = frozenset(
    "FARM FARMS ORCHARD ORCHARDS RANCH RANCHES SERVICE SERVICES LABOR LABORS CONTRACTOR "  # noqa: SIM905
    "CONTRACTORS CONTRACTING HARVEST HARVESTING HARVESTERS PRODUCE GROWER GROWERS NURSERY "
    "NURSERIES AG AGRI AGRICULTURAL AGRICULTURE GROUP ENTERPRISE ENTERPRISES FAMILY SONS "
    "BROTHERS BROS HOLDINGS MANAGEMENT PARTNERS CROPS FRUIT FRUITS VEGETABLE VEGETABLES "
    "CITRUS BERRY BERRIES PACKING PACKERS FIELD FIELDS STAFFING OF NEW".split()
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILING_DATES = ("received_date", "decision_date", "begin_date")


def distinctive_words(name_key: str) -> set[str]:
    """The words of a normalized name that tell it apart from other farm businesses."""
    return {w for w in name_key.split() if w not in _GENERIC_NAME_WORDS and len(w) >= 3}


def _first_filed(e: Employer) -> str | None:
    dates = [
        str(r.values[k])[:10]
        for r in e.records
        if r.dataset != "debarment"
        for k in _FILING_DATES
        if _ISO_DATE.fullmatch(str(r.values.get(k) or "")[:10])
    ]
    return min(dates) if dates else None


def _name_successor(e: Employer, debarments: list[GwRecord], direct: list[Flag]) -> list[Flag]:
    """A likely successor by name (20 CFR 655.182): a filing under a similar name (shared
    distinctive words) in the debarred employer's city and state, first filed after the
    debarment began, even when no phone or agent links the two."""
    if direct:
        return []
    first = _first_filed(e)
    places = {(str(r.city).upper(), r.state) for r in e.records if r.city and r.state}
    words = set().union(*(distinctive_words(k) for r in e.records for k in r.name_keys))
    if first is None or not places or not words:
        return []
    flags = []
    for d in debarments:
        start = str(d.values.get("start_date") or "")[:10]
        if not d.city or not _ISO_DATE.fullmatch(start) or first < start:
            continue
        if (str(d.city).upper(), d.state) not in places:
            continue
        theirs = set().union(*(distinctive_words(k) for k in d.name_keys))
        shared = words & theirs
        # Two shared words, or the debarred name's one distinctive word if it is long.
        if len(shared) < 2 and not (shared == theirs and len(min(shared, default="")) >= 5):
            continue
        period = f"{d.program} debarment {start} to {d.values.get('end_date', '?')}"
        same = " ".join(w.title() for w in sorted(shared, key=lambda w: d.name_keys[0].find(w)))
        flags.append(
            Flag(
                "debarred_match",
                f"likely successor of debarred {d.names[0]} ({period}): a similar name "
                f"(“{same}”) in the same city, {str(d.city).title()}, {d.state}, first "
                f"filed {first}, after the debarment began",
                [d.id, *(r.id for r in e.records)],
            )
        )
    return flags


def _whd(e: Employer) -> list[Flag]:
    flags = []
    for r in e.records:
        if r.dataset != "whd":
            continue
        v = r.values
        h2a, h2b = v.get("h2a_violations") or 0, v.get("h2b_violations") or 0
        if h2a or h2b:
            wages = (v.get("h2a_back_wages") or 0) + (v.get("h2b_back_wages") or 0)
            flags.append(
                Flag(
                    "whd_h2_violations",
                    f"WHD case {r.case_number}: {h2a} H-2A and {h2b} H-2B violations, "
                    f"${wages:,.0f} back wages",
                    [r.id],
                )
            )
    return flags


def _contractor(e: Employer) -> list[Flag]:
    ids = [
        r.id
        for r in e.records
        if r.values.get("labor_contractor") is True
        or "contractor" in str(r.values.get("employer_type", "")).lower()
    ]
    return [Flag("labor_contractor", "files as an H-2A labor contractor", ids)] if ids else []


def _shared(e: Employer, agents: dict[str, set[str]], housing: dict[str, set[str]]) -> list[Flag]:
    flags = []
    for r in e.records:
        if r.agent_key and len(agents[r.agent_key]) >= SHARED_MIN:
            n = len(agents[r.agent_key])
            flags.append(Flag("shared_agent", f"agent {r.agent} files for {n} employers", [r.id]))
        if r.housing_key and len(housing[r.housing_key]) >= SHARED_MIN:
            n = len(housing[r.housing_key])
            flags.append(
                Flag(
                    "shared_housing",
                    f"housing at {r.housing_key.title()} is shared by {n} employers",
                    [r.id],
                )
            )
    return flags


def _housing(e: Employer) -> list[Flag]:
    flags = []
    for r in e.records:
        occupancy, certified = r.values.get("housing_occupancy"), r.values.get("workers_certified")
        if occupancy is not None and certified and occupancy < certified:
            flags.append(
                Flag(
                    "housing_shortfall",
                    f"case {r.case_number}: housing for {occupancy}, {certified} workers certified",
                    [r.id],
                )
            )
    return flags


def _wage(e: Employer) -> list[Flag]:
    flags = []
    for r in e.records:
        wage = r.values.get("wage_offer")
        per = str(r.values.get("wage_per") or "hour").lower()
        if wage is None or not per.startswith("hour"):
            continue
        begin = str(r.values.get("begin_date") or "")
        year = int(begin[:4]) if begin[:4].isdigit() else r.fiscal_year
        if year is None:
            continue
        state = r.values.get("worksite_state") or r.state
        floor, what = required_wage(r.program, str(state) if state else None, year)
        if wage < floor:
            flags.append(
                Flag(
                    "wage_below_minimum",
                    f"case {r.case_number}: offers ${wage:.2f}/hour, below {what}",
                    [r.id],
                )
            )
    return flags


def _deductions(e: Employer) -> list[Flag]:
    flags = []
    for r in e.records:
        text = str(r.values.get("deductions") or "")
        if _DEDUCTION.search(text) and _CHARGED.search(text):
            quote = text if len(text) <= 120 else text[:117] + "…"
            flags.append(Flag("deduction_terms", f"deductions from pay: “{quote}”", [r.id]))
    return flags


def _foreign(e: Employer) -> list[Flag]:
    flags = []
    for r in e.records:
        if r.values.get("foreign_recruiter") is True:
            flags.append(Flag("foreign_recruiter", "uses a foreign labor recruiter", [r.id]))
        abroad = [
            c
            for c in r.values.get("recruiter_countries") or []
            if c.upper() not in ("US", "USA", "UNITED STATES")
        ]
        if abroad:
            names = ", ".join(r.values.get("recruiters") or [])
            flags.append(
                Flag("foreign_recruiter", f"job order names recruiters abroad: {names}", [r.id])
            )
    return flags


def _job_text(e: Employer, read: TextIndicators) -> list[Flag]:
    flags = []
    for r in e.records:
        if r.dataset != "job_orders" or not r.text:
            continue
        found = read(r.text)
        if found:
            shown = "; ".join(f"{cat} (“{quote}”)" for cat, quote in found[:4])
            flags.append(
                Flag(
                    "job_text_indicators",
                    f"job order {r.case_number}: {shown}",
                    [r.id],
                )
            )
    return flags
