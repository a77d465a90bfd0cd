"""Guest-worker building blocks without files: layouts, typed cells, name keys, the
pair score that resolves employers, flags and their risk."""

from __future__ import annotations

import pytest

from leads.guestworker.flags import Flag, assess, minimum_wage, required_wage, risk_of
from leads.guestworker.layouts import LayoutError, map_header
from leads.guestworker.readers import RowError, convert
from leads.guestworker.records import GwRecord, from_row, normalize_name, split_dba
from leads.guestworker.resolve import pair_score, resolve


def record(dataset: str = "h2a", row: int = 2, **values: object) -> GwRecord:
    base: dict[str, object] = {"case_number": f"H-300-24001-{row:06d}", "employer_state": "GA"}
    return from_row(dataset, {**base, **values}, "test.xlsx", "0" * 64, row, 2024)  # type: ignore[arg-type]


def test_old_and_new_layouts_map_to_the_same_fields() -> None:
    new = map_header(
        ["CASE_NUMBER", "EMPLOYER_NAME", "EMPLOYER_STATE", "TOTAL_WORKERS_H2A_CERTIFIED"]
    )
    old = map_header(["CASE_NO", "EMPLOYER_NAME", "EMPLOYER_STATE", "NBR_WORKERS_CERTIFIED"])
    assert new.dataset == old.dataset == "h2a"
    assert (
        set(new.columns)
        == set(old.columns)
        == {
            "case_number",
            "employer_name",
            "employer_state",
            "workers_certified",
        }
    )
    fy2008 = map_header(["CASE_NO", "EMPLOYER_NAME", "EMPLOYER_STATE", "NBR_WORKERS_CERTIFIED",
                         "NBR_WORKERS_REQUSTED"])  # fmt: skip
    assert "workers_requested" in fy2008.columns  # FY2008's misspelling


def test_renamed_or_missing_columns_are_named() -> None:
    with pytest.raises(LayoutError) as info:
        map_header(["CASE_NUMBER", "EMPLOYER_NM", "EMPLOYER_STATE", "TOTAL_WORKERS_NEEDED"])
    assert "column EMPLOYER_NAME missing (renamed to EMPLOYER_NM?)" in str(info.value)
    with pytest.raises(LayoutError, match="match no known DOL layout"):
        map_header(["colour", "flavour"])


def test_a_bad_cell_is_a_row_error_naming_row_and_column() -> None:
    mapping = map_header(["CASE_NUMBER", "EMPLOYER_NAME", "EMPLOYER_STATE", "TOTAL_OCCUPANCY"])
    bad = convert(mapping, ("H-1", "Demo Farm", "GA", "forty"), 7)
    assert isinstance(bad, RowError) and bad.number == 7 and bad.column == "TOTAL_OCCUPANCY"
    good = convert(mapping, ("H-1", "Demo Farm", "GA", "40"), 8)
    assert not isinstance(good, RowError) and good.values["housing_occupancy"] == 40


def test_name_keys_ignore_legal_forms_and_punctuation() -> None:
    assert normalize_name("Big Valley Produce, Inc.") == normalize_name("BIG VALLEY PRODUCE INC")
    assert normalize_name("FAKENAME ORCHARDS L.L.C.") == normalize_name("Fakename Orchards LLC")
    assert normalize_name("Fakename Orchards LLC") != normalize_name("Fakename Harvest Group LLC")
    assert split_dba("Acme Farms LLC dba Sunny Acres") == ["Acme Farms LLC", "Sunny Acres"]


def test_pair_score_explains_itself_and_a_different_fein_counts_against() -> None:
    a = record(employer_name="Big Valley Produce, Inc.", employer_phone="(831) 555-0150",
               employer_city="Salinas", employer_state="CA")  # fmt: skip
    b = record(row=3, employer_name="BIG VALLEY PRODUCE INC", employer_phone="831-555-0150",
               employer_city="SALINAS", employer_state="CA")  # fmt: skip
    score, reasons = pair_score(a, b)
    assert (
        score >= 0.6
        and "same phone (831) 555-0150" in reasons
        and any("same name" in r for r in reasons)
    )
    c = record(row=4, employer_name="Big Valley Produce Inc", employer_state="CA",
               employer_fein="00-0000101")  # fmt: skip
    d = record(row=5, employer_name="Big Valley Produce Inc", employer_state="CA",
               employer_fein="00-0000102")  # fmt: skip
    assert pair_score(c, d)[0] < 0.6 and "different FEINs" in pair_score(c, d)[1]
    # a and b (no FEIN) join one of them; the two FEINs stay two employers.
    employers = resolve([a, b, c, d])
    assert len(employers) == 2
    assert all(len({r.fein for r in e.records if r.fein}) == 1 for e in employers)


def test_a_single_weak_flag_never_makes_high_risk() -> None:
    weak = [Flag("shared_agent", "x", weight=12), Flag("labor_contractor", "y", weight=10)]
    assert risk_of(weak)[0] <= 30 and risk_of(weak)[1] in ("low", "none")
    strong = [Flag("debarred_match", "z", weight=70), Flag("housing_shortfall", "w", weight=30)]
    assert risk_of(strong) == (79, "high")


def test_minimum_wage_table_and_a_below_minimum_offer() -> None:
    assert minimum_wage("GA", 2024) == 7.25  # federal floor
    assert minimum_wage("FL", 2024) == 12.00
    low = record(employer_name="Sample Citrus Co", employer_state="FL", wage_offer=6.5,
                 wage_per="Hour", begin_date="2024-03-01")  # fmt: skip
    fine = record(row=3, employer_name="Other Grove Inc", employer_state="FL", wage_offer=15.0,
                  wage_per="Hour", begin_date="2024-03-01")  # fmt: skip
    flags = {a.employer.name: [f.flag for f in a.flags] for a in assess(resolve([low, fine]), [])}
    assert flags == {"Sample Citrus Co": ["wage_below_minimum"], "Other Grove Inc": []}


@pytest.mark.parametrize(
    ("state", "offer", "flagged", "named"),
    [
        # Florida 2021: federal $7.25, state $8.65, AEWR $12.08: the AEWR binds H-2A.
        ("FL", 8.00, True, "the $12.08 H-2A Adverse Effect Wage Rate for FL in 2021"),
        ("FL", 8.65, True, "the $12.08 H-2A Adverse Effect Wage Rate for FL in 2021"),
        ("FL", 12.08, False, None),
        # Georgia has no state minimum above the federal one; the AEWR is $11.81.
        ("GA", 7.25, True, "the $11.81 H-2A Adverse Effect Wage Rate for GA in 2021"),
        # No AEWR on file for Texas in 2021: the minimums still apply, and it says so.
        ("TX", 7.00, True, "no H-2A Adverse Effect Wage Rate on file for TX"),
        ("TX", 8.00, False, None),
    ],
)
def test_an_h2a_offer_below_the_aewr_is_flagged_naming_it(
    state: str, offer: float, flagged: bool, named: str | None
) -> None:
    r = record(employer_name="Demo Grove LLC", employer_state=state, wage_offer=offer,
               wage_per="Hour", begin_date="2021-04-01")  # fmt: skip
    assert r.program == "H-2A"
    (a,) = assess(resolve([r]), [])
    reasons = [f.reason for f in a.flags if f.flag == "wage_below_minimum"]
    assert bool(reasons) == flagged
    if named:
        assert named in reasons[0]
        assert "FR" in reasons[0] or "on file" in reasons[0]


def test_an_h2b_offer_is_held_to_the_minimums_not_the_aewr() -> None:
    floor, reason = required_wage("H-2B", "FL", 2021)
    assert floor == 8.65 and "Adverse Effect" not in reason
    assert required_wage("H-2A", "FL", 2021)[0] == 12.08
    assert required_wage("H-2A", "CA", 2025)[0] == 19.97


def test_same_street_address_counts_toward_a_match() -> None:
    a = record(employer_name="Demo Ridge Farms LLC", employer_address="12 Orchard Road",
               employer_city="Tifton")  # fmt: skip
    b = record(row=3, employer_name="Demo Ridge Farm LLC", employer_address="12 ORCHARD RD.",
               employer_city="TIFTON")  # fmt: skip
    score, reasons = pair_score(a, b)
    assert "same address 12 Orchard Road" in reasons and score >= 0.6


def _debarment(name: str, city: str = "Tifton", start: str = "2022-03-01") -> GwRecord:
    values = {"name": name, "city": city, "state": "GA", "start_date": start,
              "end_date": "2025-02-28", "program": "H-2A"}  # fmt: skip
    return from_row("debarment", values, "debarred.html", "0" * 64, 2, None)


@pytest.mark.parametrize(
    ("name", "city", "received", "successor"),
    [
        ("Blue Ridge Orchard Services LLC", "Tifton", "2023-01-10", True),
        ("BLUE RIDGE HARVEST CO", "TIFTON", "2022-09-01", True),
        # Filed before the debarment began: an older neighbour, not a successor.
        ("Blue Ridge Orchard Services LLC", "Tifton", "2021-12-01", False),
        ("Blue Ridge Orchard Services LLC", "Moultrie", "2023-01-10", False),  # another city
        ("Blue Sky Orchards LLC", "Tifton", "2023-01-10", False),  # one common word
        ("Tifton Orchard Services LLC", "Tifton", "2023-01-10", False),
    ],
)
def test_a_similar_name_in_the_same_city_after_a_debarment_is_a_likely_successor(
    name: str, city: str, received: str, successor: bool
) -> None:
    debarred = _debarment("Blue Ridge Orchards LLC")
    filing = record(employer_name=name, employer_city=city, received_date=received,
                    employer_phone="229-555-0177")  # fmt: skip
    (a,) = assess(resolve([filing]), [debarred])
    reasons = [f.reason for f in a.flags if f.flag == "debarred_match"]
    assert bool(reasons) == successor, reasons
    if successor:
        assert "likely successor of debarred Blue Ridge Orchards LLC" in reasons[0]
        assert "“Blue Ridge”" in reasons[0] and "after the debarment began" in reasons[0]
        assert a.risk >= 60
