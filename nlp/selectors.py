"""Selector extraction: phones, emails, URLs, handles, payment handles, ages, prices, places.

Pure functions over the original text, so every entity keeps exact character offsets.
One compiled pass per selector type is far cheaper than many spaCy token patterns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import phonenumbers

from leads.models import Entity

_SPELLED = {
    "zero": "0",
    "oh": "0",
    "cero": "0",
    "one": "1",
    "uno": "1",
    "two": "2",
    "dos": "2",
    "three": "3",
    "tres": "3",
    "four": "4",
    "cuatro": "4",
    "five": "5",
    "cinco": "5",
    "six": "6",
    "seis": "6",
    "seven": "7",
    "siete": "7",
    "eight": "8",
    "ocho": "8",
    "nine": "9",
    "nueve": "9",
}

# One alternation finds every "digit-like" piece: a keycap emoji, a run of (possibly
# Unicode) digits mixed with look-alike letters, or a spelled digit word.
_DIGIT_PIECE = re.compile(
    r"(?P<keycap>[0-9]\ufe0f?\u20e3)"
    r"|(?P<run>(?<![A-Za-z])(?:[OoIl]*\d[\dOoIl]*)(?![A-Za-z]))"
    r"|(?P<word>\b(?:" + "|".join(sorted(_SPELLED, key=len, reverse=True)) + r")\b)",
    re.IGNORECASE,
)
# What may stand between two pieces of one phone number.
_GAP = re.compile(r"^[\s\-.()/_*~•·|,+]{0,3}$")
_PLAIN_GAP = re.compile(r"^[\s\-.()]{0,3}$")
_STANDARD_CHUNKS = ((3, 3, 4), (1, 3, 3, 4), (10,), (11,), (3, 7), (6, 4))
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})


def _piece_digits(match: re.Match[str]) -> tuple[str, bool]:
    """The digits a piece stands for, and whether it was written to hide them."""
    text = match.group(0)
    if match.group("keycap"):
        return text[0], True
    if match.group("word"):
        return _SPELLED[text.lower()], True
    normalized = unicodedata.normalize("NFKC", text)
    digits = "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() else ch
        for ch in normalized.translate(_LOOKALIKE)
    )
    hidden = normalized != text or not text.isascii() or any(c in "OoIl" for c in text)
    return digits, hidden


def find_phones(text: str, region: str = "US") -> list[Entity]:
    pieces = [(m, *_piece_digits(m)) for m in _DIGIT_PIECE.finditer(text)]
    found: list[Entity] = []
    i = 0
    while i < len(pieces):
        group = [pieces[i]]
        j = i + 1
        while j < len(pieces):
            gap = text[group[-1][0].end() : pieces[j][0].start()]
            if not _GAP.match(gap) or sum(len(p[1]) for p in group) >= 11:
                break
            group.append(pieces[j])
            j += 1
        entity = _phone_from_group(text, group, region)
        if entity is not None:
            found.append(entity)
            i = j
        else:
            i += 1
    return found


def _phone_from_group(
    text: str, group: list[tuple[re.Match[str], str, bool]], region: str
) -> Entity | None:
    digits = "".join(p[1] for p in group)
    if len(digits) not in (10, 11) or (len(digits) == 11 and not digits.startswith("1")):
        return None
    start, end = group[0][0].start(), group[-1][0].end()
    if start > 0 and text[start - 1] == "$":  # a price, not a phone
        return None
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    chunks = tuple(len(p[1]) for p in group)
    gaps_plain = all(_PLAIN_GAP.match(text[a[0].end() : b[0].start()]) for a, b in pairwise(group))
    hidden = any(p[2] for p in group) or chunks not in _STANDARD_CHUNKS or not gaps_plain
    if text[start] == "(" or (start > 0 and text[start - 1] == "("):
        start = start - 1 if start > 0 and text[start - 1] == "(" else start
    return Entity(
        type="phone",
        value=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        text=text[start:end],
        start=start,
        end=end,
        obfuscated=hidden,
    )


_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_EMAIL_SPELLED = re.compile(
    r"\b(?P<user>[A-Za-z0-9._%+-]+)\s*[\[(]?\s*(?:at|arroba)\s*[\])]?\s*"
    r"(?P<domain>[A-Za-z0-9-]+)\s*[\[(]?\s*(?:dot|punto)\s*[\])]?\s*"
    r"(?P<tld>com|net|org|edu|gov|mx|co|io|us)\b",
    re.IGNORECASE,
)


def find_emails(text: str) -> list[Entity]:
    out = [
        Entity(
            type="email", value=m.group(0).lower(), text=m.group(0), start=m.start(), end=m.end()
        )
        for m in _EMAIL.finditer(text)
    ]
    for m in _EMAIL_SPELLED.finditer(text):
        value = f"{m['user']}@{m['domain']}.{m['tld']}".lower()
        out.append(
            Entity(
                type="email",
                value=value,
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                obfuscated=True,
            )
        )
    return out


_URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+", re.IGNORECASE)


def find_urls(text: str) -> list[Entity]:
    return [
        Entity(
            type="url",
            value=m.group(0).rstrip(".,;:!?").lower(),
            text=m.group(0),
            start=m.start(),
            end=m.end(),
        )
        for m in _URL.finditer(text)
    ]


# "$150", "$150hh", "$200/hr" are prices; a Cash App tag needs a letter.
_CASHTAG = re.compile(r"(?<![\w$])\$(?P<tag>[A-Za-z0-9_]{1,20})\b")
_PRICE_SUFFIX = re.compile(r"^\d+(?:hh|hr|hrs|h|hour|min|mins|k|qv|ss|hhr)?$", re.IGNORECASE)
_VENMO = re.compile(r"\bvenmo\b[\s:@-]*@?(?P<name>[A-Za-z0-9_-]{3,30})", re.IGNORECASE)
_PAYPAL = re.compile(r"\bpaypal\.me/(?P<name>[A-Za-z0-9_.-]{1,30})", re.IGNORECASE)


def find_payment_handles(text: str) -> list[Entity]:
    out: list[Entity] = []
    for m in _CASHTAG.finditer(text):
        tag = m["tag"]
        if _PRICE_SUFFIX.match(tag) or not any(c.isalpha() for c in tag):
            continue
        out.append(
            Entity(
                type="payment_handle",
                value=f"cashapp:${tag.lower()}",
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                platform="cashapp",
            )
        )
    for pattern, platform in ((_VENMO, "venmo"), (_PAYPAL, "paypal")):
        for m in pattern.finditer(text):
            out.append(
                Entity(
                    type="payment_handle",
                    value=f"{platform}:{m['name'].lower()}",
                    text=m.group(0),
                    start=m.start(),
                    end=m.end(),
                    platform=platform,
                )
            )
    return out


_PLATFORMS = {
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "telegram": "telegram",
    "tg": "telegram",
    "whatsapp": "whatsapp",
    "twitter": "x",
    "x": "x",
    "tiktok": "tiktok",
    "onlyfans": "onlyfans",
    "kik": "kik",
}
_HANDLE = re.compile(
    r"\b(?P<platform>" + "|".join(sorted(_PLATFORMS, key=len, reverse=True)) + r")\b"
    r"\s*(?:[:\-]|\bis\b)?\s*@?(?P<handle>[A-Za-z][A-Za-z0-9_.]{2,29})",
    re.IGNORECASE,
)


def find_social_handles(text: str) -> list[Entity]:
    out = []
    for m in _HANDLE.finditer(text):
        platform = _PLATFORMS[m["platform"].lower()]
        handle = m["handle"].rstrip(".").lower()
        if handle in {"me", "only", "and", "or", "for", "the", "now"}:
            continue
        out.append(
            Entity(
                type="social_handle",
                value=f"{platform}:{handle}",
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                platform=platform,
            )
        )
    return out


_AGE = re.compile(
    r"\b(?:age[:\s]+|edad[:\s]+)?(?P<age>1[89]|[2-6]\d)\s*(?:yo|y/o|yrs?|years?\s+old|años)\b"
    r"|\b(?:age|edad)[:\s]+(?P<age2>1[89]|[2-6]\d)\b",
    re.IGNORECASE,
)
_PRICE = re.compile(r"(?P<cur>\$|USD\s?)(?P<amount>\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{2})?")


def find_ages(text: str) -> list[Entity]:
    return [
        Entity(
            type="age", value=m["age"] or m["age2"], text=m.group(0), start=m.start(), end=m.end()
        )
        for m in _AGE.finditer(text)
    ]


def find_prices(text: str) -> list[Entity]:
    return [
        Entity(
            type="price",
            value=m["amount"].replace(",", ""),
            text=m.group(0),
            start=m.start(),
            end=m.end(),
            currency="USD",
        )
        for m in _PRICE.finditer(text)
    ]


GAZETTEER_FILE = Path(__file__).parent / "data" / "gazetteer.tsv"


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[re.Pattern[str], dict[str, tuple[str, float, float]]]:
    places: dict[str, tuple[str, float, float]] = {}
    for line in GAZETTEER_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        city, state, lat, lon = line.split("\t")
        places[city.lower()] = (state, float(lat), float(lon))
    names = sorted(places, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    return pattern, places


def find_locations(text: str) -> list[Entity]:
    pattern, places = _gazetteer()
    out = []
    for m in pattern.finditer(text):
        state, lat, lon = places[m.group(1).lower()]
        city = m.group(1).title()
        out.append(
            Entity(
                type="location",
                value=f"{city}, {state}",
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                lat=lat,
                lon=lon,
            )
        )
    return out


EXTRACTORS = (
    find_phones,
    find_emails,
    find_urls,
    find_payment_handles,
    find_social_handles,
    find_ages,
    find_prices,
    find_locations,
)


def find_selectors(text: str) -> Iterator[Entity]:
    for extractor in EXTRACTORS:
        yield from extractor(text)
