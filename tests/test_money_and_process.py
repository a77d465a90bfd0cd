"""Follow the money, the legal-process worksheet and spreadsheet safety: pure functions
on made-up leads (fictional 555-01xx numbers and handles)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl

from leads.legalprocess import holding, preservation_drafts, worksheet
from leads.money import follow_the_money
from leads.sheets import write_csv, write_xlsx


def lead(day: str, *entities: tuple[str, str]) -> dict[str, object]:
    return {
        "seen_at": f"{day}T12:00:00+00:00",
        "entities": [{"type": t, "value": v} for t, v in entities],
    }


def test_money_lists_what_ads_say_and_states_its_method() -> None:
    leads = [
        lead("2026-11-01", ("price", "150"), ("payment_handle", "cashapp:$demoroses")),
        lead("2026-11-01", ("price", "250"), ("location", "Reno, NV")),
        lead("2026-11-04", ("price", "150"), ("crypto_address", "0x" + "ab" * 20)),
    ]
    money = follow_the_money(leads)
    assert money.payment_handles == ["cashapp:$demoroses"]
    assert money.crypto_addresses == [{"address": "0x" + "ab" * 20, "chain": "Ethereum"}]
    assert money.prices == [150.0, 250.0]
    assert (money.ads, money.days, money.first_day, money.last_day) == (
        3,
        4,
        "2026-11-01",
        "2026-11-04",
    )
    assert money.per_day == {"2026-11-01": 2, "2026-11-04": 1}
    assert (money.revenue_low, money.revenue_high) == (450.0, 750.0)
    assert "estimate" in money.method and "not a finding" in money.method
    assert follow_the_money([]).revenue_high == 0


def test_the_worksheet_names_holders_and_what_to_request() -> None:
    rows = {r.selector: r for r in worksheet([
        "phone:+17025550142",
        "email:luna.demo@gmail.com",
        "email:someone@example.org",
        "payment_handle:cashapp:$demoroses",
        "social_handle:instagram:luna_demo",
        "crypto_address:0x" + "ab" * 20,
        "location:Reno, NV",  # no records to request
    ])}  # fmt: skip
    assert "location:Reno, NV" not in rows
    phone = rows["phone:+17025550142"]
    assert "number type" in phone.details and "port" in phone.note and phone.preserve
    assert rows["email:luna.demo@gmail.com"].holder == "Google LLC"
    assert "example.org" in rows["email:someone@example.org"].holder
    cash = rows["payment_handle:cashapp:$demoroses"]
    assert cash.holder.startswith("Block, Inc.") and not cash.preserve and cash.source
    assert rows["social_handle:instagram:luna_demo"].holder == "Meta Platforms, Inc."
    crypto = rows["crypto_address:0x" + "ab" * 20]
    assert crypto.details == {"chain": "Ethereum"} and "blockchain-analytics" in crypto.note
    assert holding("template:abc") is None


def test_preservation_drafts_go_to_communications_providers_only() -> None:
    rows = worksheet(["email:luna.demo@gmail.com", "payment_handle:cashapp:$demoroses"])
    case = {"agency": "Demo County Sheriff", "number": "C-2026-0001", "investigators": ["ana"]}
    drafts = preservation_drafts(rows, case, date(2026, 12, 4))
    assert list(drafts) == ["Google LLC"]  # a payment company is asked by subpoena
    text = drafts["Google LLC"]
    assert "18 U.S.C. § 2703(f)" in text and "luna.demo@gmail.com (email)" in text
    assert "C-2026-0001" in text and "2026-12-04" in text and "{" not in text


HOSTILE = ["=HYPERLINK(\"http://x.example\")", "+1-702-555-0142", "-5", "@SUM(A1:A9)", "\tx",
           "\rx", "plain", "ctl\x07char"]  # fmt: skip


def test_xlsx_cells_come_back_as_text_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx({"items": (["value"], [[v] for v in HOSTILE])}, path)
    sheet = openpyxl.load_workbook(path)["items"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)  # no formula cell
    assert [c.value for c in cells] == [*HOSTILE[:-1], "ctl\ufffdchar"]


def test_csv_cells_that_would_be_formulas_are_quoted(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["value"], [[v] for v in HOSTILE])
    with path.open(newline="", encoding="utf-8") as f:
        got = [row[0] for row in csv.reader(f)][1:]
    assert got[:6] == ["'" + v for v in HOSTILE[:6]] and got[6] == "plain"
