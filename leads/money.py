"""Follow the money: what a case's ads say about payment, prices and volume, with a
revenue range whose method and assumptions are written beside it.

An estimate from ads is a lead for financial process, not a finding: the range assumes
one paid appointment per ad-day at a stated price, from the lowest to the highest price
the ads state. Real volume can be lower (ads that draw no one) or much higher (several
appointments a day); records from the payment companies settle it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from pydantic import BaseModel

METHOD = (
    "ads per day × stated prices: each ad-day is assumed to bring one paid appointment, "
    "priced from the lowest to the highest price the ads state. An estimate to direct "
    "financial process, not a finding; payment records settle it."
)


class Money(BaseModel):
    payment_handles: list[str]
    crypto_addresses: list[dict[str, str]]  # address, chain
    prices: list[float]  # distinct stated prices, in the ads' currency (USD unless said)
    ads: int
    first_day: str | None
    last_day: str | None
    days: int
    ads_per_day: float
    per_day: Counter[str]  # ads seen per date
    places: list[str]
    revenue_low: float
    revenue_high: float
    method: str = METHOD


def _day(lead: dict[str, Any]) -> str | None:
    when = lead.get("seen_at") or lead.get("fetched_at")
    if not when:
        return None
    return datetime.fromisoformat(str(when).replace("Z", "+00:00")).date().isoformat()


def follow_the_money(leads: list[dict[str, Any]]) -> Money:
    """From lead documents (as stored, or as frozen in a case)."""
    handles: set[str] = set()
    crypto: dict[str, str] = {}
    prices: set[float] = set()
    places: set[str] = set()
    per_day: Counter[str] = Counter()
    for lead in leads:
        day = _day(lead)
        if day:
            per_day[day] += 1
        for e in lead.get("entities") or []:
            kind, value = e.get("type"), str(e.get("value", ""))
            if kind == "payment_handle":
                handles.add(value)
            elif kind == "crypto_address":
                crypto[value] = "Ethereum" if value.lower().startswith("0x") else "Bitcoin"
            elif kind == "price":
                try:
                    prices.add(float(value))
                except ValueError:
                    continue
            elif kind == "location":
                places.add(value)
    days_seen = sorted(per_day)
    if days_seen:
        span = (
            datetime.fromisoformat(days_seen[-1]) - datetime.fromisoformat(days_seen[0])
        ).days + 1
    else:
        span = 0
    ads = len(leads)
    rate = round(ads / span, 2) if span else 0.0
    low = high = 0.0
    if prices and span:
        # One appointment per ad-day: ads_per_day × days = ads, priced low to high.
        low, high = ads * min(prices), ads * max(prices)
    return Money(
        payment_handles=sorted(handles),
        crypto_addresses=[{"address": a, "chain": c} for a, c in sorted(crypto.items())],
        prices=sorted(prices),
        ads=ads,
        first_day=days_seen[0] if days_seen else None,
        last_day=days_seen[-1] if days_seen else None,
        days=span,
        ads_per_day=rate,
        per_day=per_day,
        places=sorted(places),
        revenue_low=low,
        revenue_high=high,
    )
