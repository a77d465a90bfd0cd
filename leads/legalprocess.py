"""The legal-process worksheet: for each selector of a case, who holds its records, what
to request, and preservation-request drafts (18 U.S.C. § 2703(f)).

Holders and request texts are data (``leads/process/``), each with its source; this
module only matches selectors to them. Phone numbers get their number type and, where
libphonenumber's metadata knows it, the carrier the block was assigned to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from phonenumbers import carrier as phone_carrier
from pydantic import BaseModel, ValidationError

from leads.validation import Strict, validation_message

PROCESS_DIR = Path(__file__).with_name("process")


class PaymentHolder(Strict):
    holder: str
    records: list[str]
    process: str
    source: str


class NamedHolder(Strict):
    holder: str
    source: str


class PhoneRecords(Strict):
    records: list[str]
    note: str
    source: str


class RecordHolders(Strict):
    payment: dict[str, PaymentHolder]
    email: dict[str, NamedHolder]
    email_records: list[str]
    email_other: str
    social: dict[str, NamedHolder]
    social_records: list[str]
    phone: PhoneRecords
    crypto: dict[str, dict[str, str]]
    crypto_note: str


class Holding(BaseModel):
    """One row of the worksheet."""

    selector: str
    holder: str
    records: list[str]
    process: str
    note: str = ""
    source: str
    preserve: bool  # whether a § 2703(f) request applies (a communications provider)
    details: dict[str, str] = {}


@lru_cache(maxsize=1)
def record_holders() -> RecordHolders:
    path = PROCESS_DIR / "record_holders.yaml"
    try:
        return RecordHolders.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except ValidationError as exc:
        raise ValueError(f"{path}: {validation_message(exc)}") from None


_NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed line or mobile",
    phonenumbers.PhoneNumberType.VOIP: "VoIP",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll-free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium rate",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal number",
    phonenumbers.PhoneNumberType.PAGER: "pager",
}


def phone_facts(number: str) -> dict[str, str]:
    """Number type and, if the metadata knows it, the carrier of the number's block."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return {"number type": "not a valid number"}
    kind = _NUMBER_TYPES.get(phonenumbers.number_type(parsed), "unknown")
    name = phone_carrier.name_for_number(parsed, "en")
    return {"number type": kind, "carrier (block assignment)": name or "not in the metadata"}


def holding(selector: str) -> Holding | None:
    """The worksheet row for one selector; None for kinds without records to request
    (places, ages, prices, templates)."""
    data = record_holders()
    kind, _, value = selector.partition(":")
    if kind == "phone":
        return Holding(
            selector=selector,
            holder="the carrier that serves the number now (see note)",
            records=data.phone.records,
            process="subpoena for subscriber records; court order (§ 2703(d)) or warrant for more",
            note=data.phone.note,
            source=data.phone.source,
            preserve=True,
            details=phone_facts(value),
        )
    if kind == "email":
        domain = value.rsplit("@", 1)[-1].lower()
        known = data.email.get(domain)
        return Holding(
            selector=selector,
            holder=known.holder if known else f"{domain}: {data.email_other}",
            records=data.email_records,
            process="subpoena for subscriber records; warrant for content (§ 2703(a))",
            source=known.source if known else "the domain's DNS (MX) and WHOIS records",
            preserve=True,
            details={"mail domain": domain},
        )
    if kind == "payment_handle":
        company = value.split(":", 1)[0]
        pay = data.payment.get(company)
        if pay is None:
            return None
        return Holding(
            selector=selector,
            holder=pay.holder,
            records=pay.records,
            process=pay.process,
            source=pay.source,
            preserve=False,
        )
    if kind == "social_handle":
        platform = value.split(":", 1)[0]
        social = data.social.get(platform)
        if social is None:
            return None
        return Holding(
            selector=selector,
            holder=social.holder,
            records=data.social_records,
            process="subpoena for subscriber records; warrant for content (§ 2703(a))",
            source=social.source,
            preserve=True,
        )
    if kind == "crypto_address":
        chain = "Ethereum" if value.lower().startswith("0x") else "Bitcoin"
        return Holding(
            selector=selector,
            holder="none: a public ledger (see note)",
            records=["the address's transactions, from the chain itself"],
            process="blockchain analysis, then process to the exchange it leads to",
            note=data.crypto_note,
            source="the public ledger",
            preserve=False,
            details={"chain": chain},
        )
    return None


def worksheet(selectors: list[str]) -> list[Holding]:
    rows = [holding(s) for s in sorted(set(selectors))]
    return [r for r in rows if r is not None]


def preservation_drafts(
    rows: list[Holding], case: dict[str, Any], today: date | None = None
) -> dict[str, str]:
    """One § 2703(f) draft per holder it applies to, filled with that holder's selectors."""
    template = "\n".join(
        line
        for line in (PROCESS_DIR / "preservation_request.txt").read_text("utf-8").splitlines()
        if not line.startswith("#")
    )
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.preserve:
            grouped[row.holder].append(row.selector)
    out = {}
    for holder, selectors in sorted(grouped.items()):
        out[holder] = template.format(
            date=(today or date.today()).isoformat(),
            holder=holder,
            agency=case.get("agency", ""),
            jurisdiction=f", {case['jurisdiction']}" if case.get("jurisdiction") else "",
            case_number=case.get("number", ""),
            identifiers="\n".join(
                f"  - {s.split(':', 1)[1]} ({s.split(':', 1)[0]})" for s in selectors
            ),
            investigators=", ".join(case.get("investigators") or []),
        )
    return out
