"""Deconfliction between agencies through a hub that never learns their targets.

The rules every agency and the hub share, as pure functions:

- **Canonical selectors.** Two agencies match only if they blind the same bytes, so each
  selector is written one way before blinding (:func:`canonical`): E.164 phones,
  lower-cased emails, ``social_handle:platform:handle``, ``payment_handle:cashapp:$tag``,
  crypto addresses (Ethereum lower-cased: its checksum is letter case), FEINs as nine
  digits and employer names as the guest-worker key ("BIG VALLEY PRODUCE").
- **Pointer lifetimes**: two years unless asked, never more than five.
- **Operations** (event deconfliction): a coarse area (a geohash cell of 3 to 6
  characters, about 156 km down to 1.2 km) and a time window; two operations conflict
  when their windows overlap and their cells overlap or touch.

The hub's API (lantern/hub/) and the agency's side (lantern/jobs/deconfliction.py) both
use these; nothing here does I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Literal

import phonenumbers
from pydantic import Field, field_validator, model_validator

from leads.guestworker.records import normalize_name
from leads.ids import stable_id
from leads.taxonomy import PLATFORMS
from leads.validation import Strict

# What the blinded bytes are: a change here is a new protocol version every agency
# must move to at once (old pseudonyms stop matching new ones).
CANONICAL_VERSION = "lantern-deconfliction-v1"
DEFAULT_POINTER_DAYS = 730
# At least 30 days: a probe (submit, learn who holds it, let it lapse) stays in the
# probed agency's conflicts for a month, not a day.
MIN_POINTER_DAYS = 30
MAX_POINTER_DAYS = 1826
# A coarse area: 3 characters is about 156 x 156 km, 6 about 1.2 x 0.6 km. Finer cells
# would tell the hub where an operation is, not roughly where.
GEOHASH_MIN, GEOHASH_MAX = 3, 6
MAX_OPERATION_DAYS = 31
# One request evaluates or submits at most this many elements (a case's selectors fit).
MAX_BATCH = 1000

OperationKind = Literal[
    "victim_recovery", "undercover_contact", "search_warrant", "surveillance", "other"
]
_GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
_HANDLE = re.compile(r"^[a-z0-9_.\-]{1,100}$")
_FEIN = re.compile(r"^\d{2}-?\d{7}$")
_BECH32 = re.compile(r"(bc1|tb1)[02-9ac-hj-np-z]{6,87}")
# The names each payment platform allows (lower-cased; Zelle pays to a phone or email).
_PAYMENT_NAMES = {
    "cashapp": re.compile(r"\$[a-z][a-z0-9_\-]{0,20}"),
    "venmo": re.compile(r"[a-z0-9_\-]{2,30}"),
    "paypal": re.compile(r"[a-z0-9_.\-]{1,40}"),
}
API_KEY_PREFIX = "lh1"


class SelectorError(ValueError):
    """A selector that cannot be put in canonical form, said in one line."""


def canonical(selector: str) -> str:
    """``type:value`` in the one form every agency blinds; :class:`SelectorError` for
    a type that is not deconflicted or a value that is not one of its kind."""
    kind, _, value = selector.strip().partition(":")
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        raise SelectorError(f"{selector!r} is not type:value")
    if kind == "phone":
        return f"phone:{_phone(value)}"
    if kind == "email":
        email = value.lower()
        local, at, domain = email.partition("@")
        if not (local and at and "." in domain) or any(c.isspace() for c in email):
            raise SelectorError(f"{value!r} is not an email address")
        return f"email:{email}"
    if kind == "social_handle":
        written, _, handle = value.lower().partition(":")
        platform = PLATFORMS.get(written.strip())
        handle = handle.strip().lstrip("@")
        if platform is None:
            raise SelectorError(f"{written!r} is not a known platform (leads/platforms.yaml)")
        if not _HANDLE.match(handle):
            raise SelectorError(f"{value!r} is not platform:handle")
        return f"social_handle:{platform}:{handle}"
    if kind == "payment_handle":
        return f"payment_handle:{_payment(value)}"
    if kind == "crypto_address":
        if value.lower().startswith("0x"):
            if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
                raise SelectorError(f"{value!r} is not an Ethereum address")
            return f"crypto_address:{value.lower()}"
        if value.lower().startswith(("bc1", "tb1")):
            if not _BECH32.fullmatch(value.lower()):
                raise SelectorError(f"{value!r} is not a SegWit address")
            return f"crypto_address:{value.lower()}"
        if not re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{25,62}", value):
            raise SelectorError(f"{value!r} is not a Bitcoin address")
        return f"crypto_address:{value}"  # Base58: letter case is part of the address
    if kind == "fein":
        if not _FEIN.match(value):
            raise SelectorError(f"{value!r} is not a FEIN (nine digits, NN-NNNNNNN)")
        return f"fein:{value.replace('-', '')}"
    if kind == "employer":
        name = normalize_name(value)
        if not name:
            raise SelectorError(f"{value!r} has no letters or digits to name an employer by")
        return f"employer:{name}"
    raise SelectorError(
        f"{kind!r} selectors are not deconflicted (phone, email, social_handle, "
        "payment_handle, crypto_address, fein, employer)"
    )


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException as exc:
        raise SelectorError(f"{value!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(number):
        raise SelectorError(f"{value!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _payment(value: str) -> str:
    platform, _, name = value.lower().partition(":")
    name = name.strip()
    if platform == "zelle":  # Zelle pays to a phone or an email: that one's form
        target = canonical(f"email:{name}" if "@" in name else f"phone:{name}")
        return f"zelle:{target.split(':', 1)[1]}"
    if platform not in _PAYMENT_NAMES:
        raise SelectorError(f"{platform!r} is not a payment platform ({', '.join(_PAYMENT_NAMES)})")
    name = "$" + name.lstrip("$") if platform == "cashapp" else name.lstrip("@")
    if not _PAYMENT_NAMES[platform].fullmatch(name):
        raise SelectorError(f"{value!r} is not a {platform} name")
    return f"{platform}:{name}"


def key_owner(api_key: str) -> str:
    """The agency id a hub API key (``lh1_<agency>_<secret>``) was issued to, or ''."""
    parts = api_key.split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == API_KEY_PREFIX else ""


def blinded_input(canonical_selector: str) -> bytes:
    """The bytes an agency blinds for one canonical selector (the protocol version
    first, so another use of the same hub key can never produce the same pseudonym)."""
    return f"{CANONICAL_VERSION}|{canonical_selector}".encode()


# Pointers and operations


def pointer_id(agency_id: str, case_id: str, pseudonym: str) -> str:
    """One pointer per agency, case and pseudonym: a retried submission overwrites it."""
    return stable_id("pointer", agency_id, case_id, pseudonym)


def conflict_id(a: str, b: str) -> str:
    """One conflict per pair of pointers (or operations), whichever came first."""
    return stable_id("conflict", *sorted((a, b)))


def pointer_expiry(now: datetime, days: int | None) -> datetime:
    days = DEFAULT_POINTER_DAYS if days is None else days
    if not MIN_POINTER_DAYS <= days <= MAX_POINTER_DAYS:
        raise ValueError(
            f"a pointer lives {MIN_POINTER_DAYS} to {MAX_POINTER_DAYS} days (five years), "
            f"not {days}"
        )
    return now + timedelta(days=days)


def plain(text: str) -> str:
    """``text`` if it holds no control, format (bidi) or surrogate characters, else a
    :class:`ValueError`: case ids and contacts travel to other agencies' screens."""
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")]
    if bad:
        raise ValueError(f"holds a control or format character (U+{ord(bad[0]):04X})")
    return text


class OperationIn(Strict):
    """An operation an agency registers: where roughly, when, and what kind."""

    case_id: str = Field(min_length=1, max_length=200)
    kind: OperationKind
    geohash: str
    starts_at: datetime
    ends_at: datetime
    contact: str | None = Field(default=None, max_length=500)

    @field_validator("case_id", "contact")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        return None if value is None else plain(value)

    @field_validator("geohash")
    @classmethod
    def _coarse(cls, value: str) -> str:
        value = value.strip().lower()
        if not GEOHASH_MIN <= len(value) <= GEOHASH_MAX:
            raise ValueError(
                f"a coarse area is a geohash of {GEOHASH_MIN} to {GEOHASH_MAX} characters"
            )
        if any(c not in _GEOHASH_ALPHABET for c in value):
            raise ValueError(f"{value!r} is not a geohash")
        return value

    @model_validator(mode="after")
    def _window(self) -> OperationIn:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("times need a time zone (e.g. 2026-12-05T18:00:00Z)")
        if not (self.starts_at.year >= 2000 and self.ends_at.year <= 2200):
            raise ValueError("times fall between the years 2000 and 2200")
        if self.ends_at <= self.starts_at:
            raise ValueError("an operation ends after it starts")
        if self.ends_at - self.starts_at > timedelta(days=MAX_OPERATION_DAYS):
            raise ValueError(f"an operation window is at most {MAX_OPERATION_DAYS} days")
        if self.ends_at <= datetime.now(UTC):
            raise ValueError("the operation's window has ended: register coming operations")
        return self


def geohash_box(cell: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a geohash cell."""
    lat, lon = [-90.0, 90.0], [-180.0, 180.0]
    even = True
    for char in cell:
        bits = _GEOHASH_ALPHABET.index(char)
        for shift in range(4, -1, -1):
            half = lon if even else lat
            mid = (half[0] + half[1]) / 2
            if bits >> shift & 1:
                half[0] = mid
            else:
                half[1] = mid
            even = not even
    return lat[0], lon[0], lat[1], lon[1]


def areas_meet(a: str, b: str) -> bool:
    """Whether two cells overlap or touch (an operation near a cell's edge is next door
    to one in the neighbouring cell)."""
    s1, w1, n1, e1 = geohash_box(a)
    s2, w2, n2, e2 = geohash_box(b)
    across = (w1 == -180.0 and e2 == 180.0) or (w2 == -180.0 and e1 == 180.0)
    lon_meet = (w1 <= e2 and w2 <= e1) or across
    return s1 <= n2 and s2 <= n1 and lon_meet


def windows_overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end
