"""Stated ages and prices (rates, fees, wages) with their currency.

Compiled passes (``nlp/scan.pyx``) find the few two-digit numbers that can be ages, for
the age pattern to decide, and read "$" prices whole; label-first ages ("age: 19",
"edades 18 a 45") are matched only where the label occurs.
"""

from __future__ import annotations

import re

from leads.models import EntityFields
from nlp.scan import WordScan, age_numbers, dollar_prices

_UNIT = (
    r"\s*(?:[yY][oO]|y/o|y\.o\.|[yY][rR][sS]?(?:\s+old)?|[yY]ears?\s+old"
    r"|[aA]ñ(?:itos|os)|[aA]nos)\b"
)
# What may follow a bare age closing its phrase: punctuation, the end, or a symbol.
_CLOSES = r"(?=[.!,;)]|\s*$|\s+[^\w\s$])"
# One pattern, tried at each two-digit number, finds both kinds of stated age: with a
# unit ("25 yo", "25 años") or bare and closing its phrase ("Honey, 25."), whose context
# (a name right before it) is checked in Python.
_AGE_NUMBER = re.compile(rf"(?P<a>[1-7]\d)(?:(?P<unit>{_UNIT})|{_CLOSES})")
# A bare age after two capitalized words ("Coco Fakename 22."); an emoji may stand between.
_NAME_BEFORE = re.compile(r"(?:^|\s)[A-Z][a-z]+ [A-Z][a-z]+$")
_AGE_TURNED = re.compile(
    r"(?:turned|turning|cumplidos|cumplí|cumpli)(?: (?:sus|los|mis))? (?P<a>1[89]|[2-7]\d)\b",
    re.IGNORECASE,
)
# An age said with a verb ("tengo 24,", "she's 22."), or in brackets after a word
# ("teen (18)"): read back from a bare number that closes its phrase.
_SAID_BEFORE = re.compile(
    r"(?:\b(?:tengo|tiene|ten[ií]a|cumple|cumpli[oó]|i'?m|i am|she'?s|she is|he'?s|he is)\s+"
    r"|[^\W\d_] \()$",
    re.IGNORECASE,
)


# Personals write age and sex together: "29/F", "32 / m". Found from the slash back.
_AGE_SEX = re.compile(r"/\s?[FfMm](?![A-Za-z])")


_AGE_LABEL = re.compile(
    r"(?:age[sd]?|edad(?:es)?)\s*(?:[:=]|is|de)?\s*(?P<b>1[89]|[2-7]\d)\b"
    r"(?:\s*(?:-|to|a|y|and|&)\s*(?P<c>1[89]|[2-7]\d)\b)?",
    re.IGNORECASE,
)
# "$" prices ("$150", "$ 1,500.00") are read whole by nlp.scan.dollar_prices; the pattern
# it reads is spelled out there. Word-marked prices ("USD 80", "200 dólares") are here.
_PRICE_WORD = re.compile(
    r"(?:\bUSD\s?(?P<a>\d{1,3}(?:,\d{3})+|\d+)(?P<d>\.\d{1,2})?)"
    r"|(?:\b(?P<b>\d{1,3}(?:,\d{3})+|\d+)(?P<e>\.\d{1,2})?\s?(?:USD|dollars|dólares|dolares)\b)",
    re.IGNORECASE,
)


# A number and a rate unit: the units of sex ads (qv, hh, hhr, half, roses) and "per
# hour" forms. Read from where the unit is (a compiled word pass found it) back to the
# number, so texts pay nothing per character. "12 hours" and "16 hr days" (shifts) are
# not rates; "$16/hr" is read by the "$" pass.
_UNIT_AT = re.compile(
    r"(?:qv|qk|hhr|hh|h/h|hrs|hr|half|hours|hour|horas|hora|roses|rose|rosas|rosa|\U0001F339)"
    r"(?![a-z])",
    re.IGNORECASE,
)
_NUMBER_BEFORE = re.compile(
    r"(?<![\d$.,])(?P<n>\d{2,4})(?:\.(?P<c>\d{2}))?"
    r"(?P<gap>\s?(?:/\s?|(?:per|an|a|la|por|x)\s)?)$",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_BEFORE_UNIT = frozenset("0123456789 /\u00a0")
_HOUR_WORDS = frozenset({"hours", "hour", "horas", "hora", "hrs"})
BARE_HR_MIN = 40  # "250 hr" is a rate; "16 hr days" is a shift


def _rate_prices(text: str, positions: list[int]) -> list[EntityFields]:
    out: list[EntityFields] = []
    seen: set[int] = set()
    for p in sorted(set(positions)):
        if not p or text[p - 1] not in _BEFORE_UNIT:
            continue  # "three", "across": a unit's letters inside a word
        lo = max(0, p - 12)
        # Most units follow a "$" price the "$" pass already read ("$200/hr"), or no
        # number at all: both are turned away before the patterns run.
        if _DIGIT.search(text, lo, p) is None or "$" in text[lo:p]:
            continue
        unit = _UNIT_AT.match(text, p)
        if unit is None:
            continue
        before = _NUMBER_BEFORE.search(text, lo, p)
        if before is None or before.start() in seen:
            continue
        word, gap = unit.group(0).lower(), before["gap"].strip()
        if word in _HOUR_WORDS and not gap:
            continue
        if word == "hr" and not gap and int(before["n"]) < BARE_HR_MIN:
            continue
        seen.add(before.start())
        value = before["n"] + (f".{before['c']}" if before["c"] else "")
        out.append(_price(text, before.start(), before.start() + len(value), value))
    return out


def _age(value: str, text: str, start: int, end: int) -> EntityFields:
    return {"type": "age", "value": value, "text": text, "start": start, "end": end}


def _is_symbol(ch: str) -> bool:
    """``[^\\w\\s]`` for one character: an emoji or punctuation."""
    return not (ch.isalnum() or ch == "_" or ch.isspace())


def _after_name(text: str, at: int) -> bool:
    """Whether the bare number at ``at`` follows a name: "Honey, 25" (a word and a
    comma) or "Coco Fakename 25" / "Coco Fakename 💋 25" (two capitalized words)."""
    if at >= 3 and text[at - 2 : at] == ", " and text[at - 3].isalpha():
        return True
    if not at or text[at - 1] != " ":
        return False
    space = at - 1
    j = space - 1
    while j >= 0 and _is_symbol(text[j]):
        j -= 1
    if j < space - 1 and j >= 0 and text[j] == " ":
        space = j  # one run of symbols between the name and the number
    return _NAME_BEFORE.search(text, max(0, space - 40), space) is not None


def _glued_sex(text: str, at: int) -> bool:
    """A two-digit number at ``at`` written with a sex right after: "28F", "34M"."""
    end = at + 3
    return (
        text[at + 2 : end] in ("F", "M")
        and (end == len(text) or not text[end].isalnum())
        and (at == 0 or text[at - 1] not in "$.,")
    )


# Words that must occur for a label-first age or a worded price (nlp.scan.WordScan).
AGE_WORDS = ("turn", "cumpl", "age", "edad")  # "turn": turned, turning
PRICE_WORDS = ("usd", "dollar", "dólar", "dolar")
# Rates written with a unit and no "$" ("80qv 140hh", "200/hr", "100 roses", "100 🌹").
RATE_WORDS = ("qv", "hh", "hr", "hour", "hora", "ros", "half")  # "ros": rose(s), rosa(s)
_OWN_WORDS = WordScan(AGE_WORDS + PRICE_WORDS + RATE_WORDS)


def find_ages(text: str, words: dict[str, list[int]] | None = None) -> list[EntityFields]:
    """``words``: where ``AGE_WORDS`` start, if the caller scanned for them."""
    if words is None:
        words = _OWN_WORDS.starts(text)
    out: list[EntityFields] = []
    # Only two-digit numbers can match ("121 yo" is not 21); a compiled pass finds those
    # from 18 up with a unit's first letter or a phrase's end after them.
    for at in age_numbers(text):
        if _glued_sex(text, at):  # personals: "28F", "34M"
            out.append(_age(text[at : at + 2], text[at : at + 3], at, at + 3))
            continue
        m = _AGE_NUMBER.match(text, at)
        if m is None:
            continue
        value, start = m["a"], m.start()
        if value < "18":
            continue  # stated ages start at 18
        if m["unit"] is not None:
            out.append(_age(value, m.group(0), start, m.end()))
        elif _after_name(text, start) or _SAID_BEFORE.search(text, max(0, start - 16), start):
            out.append(_age(value, value, start, start + 2))
    slash = text.find("/")
    while slash != -1:
        m = _AGE_SEX.match(text, slash)
        slash = text.find("/", slash + 1)
        if m is not None:
            end = len(text[: m.start()].rstrip())  # "32 / m": back over the space
            digits = text[max(0, end - 3) : end]
            two = digits[-2:]
            if two.isdigit() and "18" <= two <= "79" and not digits[:-2].isdigit():
                out.append(_age(two, text[end - 2 : m.end()], end - 2, m.end()))
    for pos in (*words.get("turn", ()), *words.get("cumpl", ())):
        m = _AGE_TURNED.match(text, pos)
        if m is not None:
            out.append(_age(m["a"], m["a"], m.start("a"), m.end("a")))
    for label in ("age", "edad"):
        for pos in words.get(label, ()):
            if pos and text[pos - 1].isalpha():
                continue  # inside a word: "massage", "page"
            labelled = _AGE_LABEL.match(text, pos)
            if labelled:
                for group in ("b", "c"):
                    if labelled[group]:
                        whole = labelled.group(0)
                        out.append(_age(labelled[group], whole, labelled.start(), labelled.end()))
    if len(out) > 1:  # two passes may read one age ("she's 22/F")
        unique: dict[tuple[str, int], EntityFields] = {}
        for age in out:
            unique.setdefault((age["value"], age["end"]), age)
        out = list(unique.values())
    return out


def _price(text: str, start: int, end: int, value: str) -> EntityFields:
    return {
        "type": "price",
        "value": value,
        "text": text[start:end],
        "start": start,
        "end": end,
        "currency": "USD",
    }


def find_prices(text: str, words: dict[str, list[int]] | None = None) -> list[EntityFields]:
    """``words``: where ``PRICE_WORDS`` start, if the caller scanned for them."""
    if words is None:
        words = _OWN_WORDS.starts(text)
    out: list[EntityFields] = []
    if "$" in text:
        out += [_price(text, start, end, value) for start, end, value in dollar_prices(text)]
    if not words.keys().isdisjoint(PRICE_WORDS):
        for m in _PRICE_WORD.finditer(text):
            value = (m["a"] or m["b"]).replace(",", "") + (m["d"] or m["e"] or "")
            out.append(_price(text, m.start(), m.end(), value))
    units = [p for w in RATE_WORDS for p in words.get(w, ())]
    rose = text.find("\U0001f339")
    while rose != -1:
        units.append(rose)
        rose = text.find("\U0001f339", rose + 1)
    if units:
        out += _rate_prices(text, units)
    return out


# What follows a rate in a sex ad: its units ("80qv", "140hh", "100 roses"), or an hourly
# rate no job ad offers ("250/hr"; wages stay well under SEX_HOURLY).
_SEX_UNIT = re.compile(
    r"\s?(?:/\s?)?(?:qv|qk|hh|hhr|h/h|half|30\s?min|roses|rosas|rose|rosa|\U0001F339)",
    re.IGNORECASE,
)
_HOURLY = re.compile(r"\s?(?:/\s?|per\s|an\s|la\s|por\s|x\s)?(?:hr|hour|hora)\b", re.IGNORECASE)
SEX_HOURLY = 100.0
SEX_UNIT_MIN = 50.0  # "100 roses" is a rate; "a dozen roses $35" is a florist's price


def sex_ad_rate(text: str, price: EntityFields) -> bool:
    """Whether a price found in ``text`` is written as a sex ad's rate: the pipeline
    takes it as a sign of the text's kind (nlp.components.in_context)."""
    try:
        value = float(price["value"])
    except ValueError:
        return False
    after = text[price["end"] : price["end"] + 12]
    if value >= SEX_UNIT_MIN and _SEX_UNIT.match(after):
        return True
    return value >= SEX_HOURLY and _HOURLY.match(after) is not None
