"""Emails, URLs, social handles and payment handles, with exact character offsets.

Each finder first checks whether its kind of selector can be present at all: a "@" or
"$" in the text, or one of its words ("venmo", "http", " dot ") among those a single
compiled pass found (``words``, from ``nlp.scan.WordScan``; the pipeline scans once for
every finder). Most ads have no email or payment handle, and the check costs far less
than a regex pass.
"""

from __future__ import annotations

import re

from leads.models import EntityFields
from leads.taxonomy import PLATFORMS
from nlp.phones import find_phones
from nlp.scan import WordScan, cashtags, marks


def entity(
    kind: str,
    value: str,
    m: re.Match[str],
    *,
    obfuscated: bool | None = None,
    platform: str | None = None,
) -> EntityFields:
    """An entity from a regex match, with its exact offsets."""
    return {
        "type": kind,
        "value": value,
        "text": m.group(0),
        "start": m.start(),
        "end": m.end(),
        "obfuscated": obfuscated,
        "platform": platform,
    }


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAIL_SPELLED = re.compile(
    r"\b(?P<user>[A-Za-z0-9._%+-]+(?:\s+(?:dot|punto)\s+[A-Za-z0-9._%+-]+)*)"
    r"\s*[\[(]?\s*(?:at|arroba)\s*[\])]?\s*"
    r"(?P<domain>[A-Za-z0-9-]+)\s*[\[(]?\s*(?:dot|punto)\s*[\])]?\s*"
    r"(?P<tld>com|net|org|edu|gov|mx|co|io|us|me)\b",
    re.IGNORECASE,
)
# "at" spelled out before a domain written with real dots: "luna at gmail.com". An
# unbracketed "at" is everyday English ("apply at careers.example.com"), so this form is
# an email only for a webmail provider's domain; "(at)" and "arroba" are unambiguous and
# take any domain.
_EMAIL_AT_WORD = re.compile(
    r"(?P<sep>\s*(?:[\[(]\s*(?:at|arroba)\s*[\])]|arroba)\s*|\s+at\s+)"
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b",
    re.IGNORECASE,
)
_USER_BEFORE = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?:[A-Za-z0-9._%+-]+\s+(?:dot|punto)\s+)*[A-Za-z0-9._%+-]+$",
    re.IGNORECASE,
)
_WEBMAIL = frozenset(
    {"gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "icloud"}
    | {"aol", "protonmail", "proton", "gmx", "zoho", "yandex", "mail"}
)
_DOT_WORD = re.compile(r"\s+(?:dot|punto)\s+", re.IGNORECASE)
_SPELLED_USER_STOP = {"me", "us", "text", "call", "email", "mail", "write", "contact", "or"}
# Words that must occur for a kind to be present (see the module note).
_AT_WORDS = (" at ", "(at)", "[at]", "arroba")
_DOT_WORDS = (" dot ", "(dot)", "[dot]", " punto ", "(punto)", "[punto]")
EMAIL_WORDS = _DOT_WORDS + _AT_WORDS
URL_WORDS = ("http",)
PAYMENT_WORDS = ("venmo", "paypal", "zelle")
_OWN_WORDS = WordScan(EMAIL_WORDS + URL_WORDS + PAYMENT_WORDS)


def find_emails(text: str, words: dict[str, list[int]] | None = None) -> list[EntityFields]:
    if words is None:
        words = _OWN_WORDS.starts(text)
    out: list[EntityFields] = []
    if "@" in text:
        out += [entity("email", m.group(0).lower(), m) for m in _EMAIL.finditer(text)]
    # The spelled form needs a dot word before its top-level domain; "at" alone is common.
    if not words.keys().isdisjoint(_DOT_WORDS) and not words.keys().isdisjoint(_AT_WORDS):
        for m in _EMAIL_SPELLED.finditer(text):
            if m["user"].lower() in _SPELLED_USER_STOP:
                continue
            user = _DOT_WORD.sub(".", m["user"])
            value = f"{user}@{m['domain']}.{m['tld']}".lower()
            out.append(entity("email", value, m, obfuscated=True))
    at_words = [p for w in _AT_WORDS for p in words.get(w, ())]
    if at_words:
        taken = {(e["start"], e["end"]) for e in out}
        out += [e for e in _at_word_emails(text, at_words) if (e["start"], e["end"]) not in taken]
    return out


def _at_word_emails(text: str, positions: list[int]) -> list[EntityFields]:
    """Emails whose "@" is a word and whose domain has real dots (see _EMAIL_AT_WORD),
    tried only where the word was found (a bracket or spaces may come first)."""
    out: list[EntityFields] = []
    for p in sorted(set(positions)):
        m = next(
            (hit for s in range(max(0, p - 3), p + 1) if (hit := _EMAIL_AT_WORD.match(text, s))),
            None,
        )
        if m is None:
            continue
        user = _USER_BEFORE.search(text, max(0, m.start() - 64), m.start())
        if user is None or user.group(0).lower() in _SPELLED_USER_STOP:
            continue
        domain = m["domain"].lower()
        bare_at = m["sep"].strip().lower() == "at"
        if bare_at and domain.split(".", 1)[0] not in _WEBMAIL:
            continue
        out.append(
            {
                "type": "email",
                "value": _DOT_WORD.sub(".", user.group(0)).lower() + "@" + domain,
                "text": text[user.start() : m.end()],
                "start": user.start(),
                "end": m.end(),
                "obfuscated": True,
                "platform": None,
            }
        )
    return out


_URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+", re.IGNORECASE)


def find_urls(text: str, words: dict[str, list[int]] | None = None) -> list[EntityFields]:
    if words is None:
        words = _OWN_WORDS.starts(text)
    if "http" not in words:
        return []
    out: list[EntityFields] = []
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        out.append(
            {
                "type": "url",
                "value": url.lower(),
                "text": url,
                "start": m.start(),
                "end": m.start() + len(url),
            }
        )
    return out


# Names that are also everyday words or letters count only with ':' or '@' right after.
_SHORT = {"sc", "ig", "tg", "wa", "x", "of"}
LONG_PLATFORM_NAMES = sorted((k for k in PLATFORMS if k not in _SHORT), key=len, reverse=True)
_HANDLE_AT = re.compile(
    r"(?P<platform>" + "|".join(sorted(PLATFORMS, key=len, reverse=True)) + r")\b"
    r"(?P<sep>[^\S\n]*(?:[:\-]|\bis\b|\bme\b)?[^\S\n]*(?P<at>@)?[^\S\n]*)"
    r"(?P<handle>[A-Za-z_][A-Za-z0-9_.]{2,29})",
    re.IGNORECASE,
)
# A platform name right before a ':' or '@' ("IG:@luna", "telegram@rosa_demo").
_NAME_BEFORE_MARK = re.compile(
    r"(?<![A-Za-z0-9])(?:" + "|".join(sorted(PLATFORMS, key=len, reverse=True)) + r")\s*$",
    re.IGNORECASE,
)
_HANDLE_STOP = {
    "me",
    "only",
    "and",
    "or",
    "for",
    "the",
    "now",
    "with",
    "to",
    "at",
    "add",
    "dm",
    "msg",
    "text",
    "message",
    "call",
    "free",
    "is",
    "link",
    "page",
    "account",
    "available",
    "too",
    "also",
    "info",
    "video",
    "pics",
    "por",
    "con",
    "para",
    "y",
    "my",
    "our",
    "us",
    "here",
    "below",
    "above",
    "same",
}


def platform_starts(text: str, low: str) -> list[int]:
    """Where a long platform name starts, by substring search (the pipeline gets the
    same from its token matcher; this is the stand-alone path)."""
    starts = []
    for key in LONG_PLATFORM_NAMES:
        pos = low.find(key)
        while pos != -1:
            if pos == 0 or not low[pos - 1].isalnum():
                starts.append(pos)
            pos = low.find(key, pos + 1)
    return starts


def _marked_starts(text: str) -> list[int]:
    """Platform names glued to a ':' or '@' mark, which tokenizers do not split."""
    starts = []
    for at in marks(text):  # a compiled pass; "10:30" (a time) is already left out
        before_mark = text[max(0, at - 12) : at].rstrip(" ")
        if not before_mark or not before_mark[-1].isalpha():
            continue  # "10:30" is a time
        before = _NAME_BEFORE_MARK.search(text, max(0, at - 10), at)
        if before:
            starts.append(before.start())
    return starts


def find_social_handles(text: str, starts: list[int] | None = None) -> list[EntityFields]:
    """Handles where a platform is named. ``starts``: where long platform names begin,
    if the caller already knows (None: search for them)."""
    if starts is None:
        starts = platform_starts(text, text.lower())
    if ":" in text or "@" in text:
        starts = starts + _marked_starts(text)
    out: list[EntityFields] = []
    taken = -1
    for start in sorted(set(starts)):
        if start < taken:
            continue
        m = _HANDLE_AT.match(text, start)
        if m is None:
            continue
        key = m["platform"].lower()
        marked = m["at"] is not None or ":" in m["sep"]
        if key in _SHORT and not marked:
            continue
        handle = m["handle"].rstrip(".").lower()
        if handle in _HANDLE_STOP or (not marked and handle.lower() in PLATFORMS):
            continue
        platform = PLATFORMS[key]
        out.append(entity("social_handle", f"{platform}:{handle}", m, platform=platform))
        taken = m.end()
    return out


# "$150", "$150hh", "$200/hr" are prices; a Cash App tag needs a letter, and a tag that
# is a number and one of these units is a price too. A compiled pass (nlp.scan.cashtags)
# reads the tags, so the many prices never reach Python.
_PRICE_UNITS = frozenset(
    {"k", "h", "hh", "hhr", "hr", "hrs", "hour", "hours", "hora", "horas", "min", "mins"}
    | {"qv", "ss", "ph", "night", "usd"}
)
_VENMO = re.compile(r"\bvenmo\b[\s:@-]*(?:me\s+)?@?(?P<name>[A-Za-z0-9_-]{3,30})", re.IGNORECASE)
_PAYPAL = re.compile(r"\bpaypal\.me/(?P<name>[A-Za-z0-9_.-]{1,30})", re.IGNORECASE)
_ZELLE = re.compile(r"\bzelle\b", re.IGNORECASE)
# Only separators and connector words may stand between "Zelle" and its phone or email
# ("Zelle: 702…", "zelle to luna@…", "Zelle al 305…").
_ZELLE_GAP = re.compile(
    r"[\s:,\-–>#]*(?:(?:to|at|al|a|me|pay|number|num|tel|phone|is|es)\b[\s:,\-–>#]*)*",
    re.IGNORECASE,
)
_VENMO_STOP = {"only", "accepted", "ok", "and", "or", "too", "also", "welcome", "payments"}


def find_payment_handles(
    text: str, words: dict[str, list[int]] | None = None
) -> list[EntityFields]:
    if words is None:
        words = _OWN_WORDS.starts(text)
    out: list[EntityFields] = []
    if "$" in text:
        for start, end in cashtags(text, _PRICE_UNITS):
            written = text[start:end]
            out.append(
                {
                    "type": "payment_handle",
                    "value": f"cashapp:{written.lower()}",
                    "text": written,
                    "start": start,
                    "end": end,
                    "obfuscated": None,
                    "platform": "cashapp",
                }
            )
    if "venmo" in words:
        for m in _VENMO.finditer(text):
            name = m["name"].lower()
            if name not in _VENMO_STOP:
                out.append(entity("payment_handle", f"venmo:{name}", m, platform="venmo"))
    if "paypal" in words:
        for m in _PAYPAL.finditer(text):
            name = m["name"].rstrip(".").lower()
            out.append(entity("payment_handle", f"paypal:{name}", m, platform="paypal"))
    if "zelle" in words:
        out += _zelle(text)
    return out


def _zelle(text: str) -> list[EntityFields]:
    """Zelle pays to a phone or an email: the selector is whichever follows the word."""
    out: list[EntityFields] = []
    for m in _ZELLE.finditer(text):
        window = text[m.start() : m.end() + 40]
        phones = find_phones(window)
        emails = find_emails(window)
        targets = sorted(phones + emails, key=lambda e: e["start"])
        if not targets:
            continue
        gap = window[m.end() - m.start() : targets[0]["start"]]
        if not _ZELLE_GAP.fullmatch(gap):
            continue
        first = targets[0]
        out.append(
            {
                "type": "payment_handle",
                "value": f"zelle:{first['value']}",
                "text": window[: first["end"]],
                "start": m.start(),
                "end": m.start() + first["end"],
                "platform": "zelle",
            }
        )
    return out
