"""Stated ages and prices (rates, fees, wages) with their currency.

Each pattern starts on a digit or a "$", so the regex engine skips everything else at C
speed; label-first ages ("age: 19", "edades 18 a 45") are matched only where the label
occurs. (A Python loop over every number measured slower than these scans.)
"""

from __future__ import annotations

import re

from leads.models import Entity

# "[1-7]\d" and a range check in Python: an alternation here halves the scan speed.
_AGE_AFTER = re.compile(
    r"(?P<a>[1-7]\d)\s*(?:[yY][oO]|y/o|y\.o\.|[yY][rR][sS]?(?:\s+old)?|[yY]ears?\s+old"
    r"|[aA]ños|[aA]nos)\b"
)
# "Honey, 25." / "Coco Fakename 22." / "just turned 18": a bare two-digit age right after
# a name. The scan starts on digits (fast); the context is checked in Python.
# A bare two-digit age closing its phrase right after a name: "Honey, 25." (a comma after
# a word), "Coco Fakename 22." (two capitalized words, an emoji may stand between), or
# "just turned 18". Each form starts on a literal or a capital, so the scans stay fast.
_CLOSES = r"(?=[.!,;)]|\s*$|\s+[^\w\s$])"
_AGE_AFTER_COMMA = re.compile(r", (?P<a>1[89]|[2-7]\d)" + _CLOSES)
_AGE_AFTER_SPACE = re.compile(r" (?:[^\w\s]+ )?(?P<a>1[89]|[2-7]\d)" + _CLOSES)
_NAME_BEFORE = re.compile(r"(?:^|\s)[A-Z][a-z]+ [A-Z][a-z]+$")
_AGE_TURNED = re.compile(r"(?:turned|cumplidos|cumplí|cumpli) (?P<a>1[89]|[2-7]\d)\b")


_AGE_LABEL = re.compile(
    r"(?:age[sd]?|edad(?:es)?)\s*(?:[:=]|is|de)?\s*(?P<b>1[89]|[2-7]\d)\b"
    r"(?:\s*(?:-|to|a|y)\s*(?P<c>1[89]|[2-7]\d)\b)?",
    re.IGNORECASE,
)
_PRICE_SIGN = re.compile(r"\$\s?(?P<a>\d{1,3}(?:,\d{3})+|\d+)(?P<d>\.\d{1,2})?")
_PRICE_WORD = re.compile(
    r"(?:\bUSD\s?(?P<a>\d{1,3}(?:,\d{3})+|\d+)(?P<d>\.\d{1,2})?)"
    r"|(?:\b(?P<b>\d{1,3}(?:,\d{3})+|\d+)(?P<e>\.\d{1,2})?\s?(?:USD|dollars|dólares|dolares)\b)",
    re.IGNORECASE,
)


def find_ages(text: str, low: str) -> list[Entity]:
    out = []
    for m in _AGE_AFTER.finditer(text):
        if m["a"] < "18" or (m.start() and text[m.start() - 1].isdigit()):
            continue  # "121 yo" is not 21; stated ages start at 18
        out.append(Entity(type="age", value=m["a"], text=m.group(0), start=m.start(), end=m.end()))
    bare = [m for m in _AGE_AFTER_COMMA.finditer(text) if text[m.start() - 1 : m.start()].isalpha()]
    for m in _AGE_AFTER_SPACE.finditer(text):
        if _NAME_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            bare.append(m)
    if "turned" in low or "cumpl" in low:
        bare += _AGE_TURNED.finditer(text)
    for m in bare:
        out.append(
            Entity(type="age", value=m["a"], text=m["a"], start=m.start("a"), end=m.end("a"))
        )
    for label in ("age", "edad"):
        pos = low.find(label)
        while pos != -1:
            if pos == 0 or not low[pos - 1].isalpha():
                label_match = _AGE_LABEL.match(text, pos)
                if label_match:
                    m = label_match
                    for group in ("b", "c"):
                        if m[group]:
                            out.append(
                                Entity(
                                    type="age",
                                    value=m[group],
                                    text=m.group(0),
                                    start=m.start(),
                                    end=m.end(),
                                )
                            )
            pos = low.find(label, pos + 1)
    return out


def _price(m: re.Match[str], whole: str, cents: str | None) -> Entity:
    value = whole.replace(",", "") + (cents or "")
    return Entity(type="price", value=value, text=m.group(0), start=m.start(), end=m.end(),
                  currency="USD")  # fmt: skip


def find_prices(text: str, low: str) -> list[Entity]:
    out = []
    if "$" in text:
        out += [_price(m, m["a"], m["d"]) for m in _PRICE_SIGN.finditer(text)]
    if "usd" in low or "dollar" in low or "dólar" in low or "dolar" in low:
        out += [_price(m, m["a"] or m["b"], m["d"] or m["e"]) for m in _PRICE_WORD.finditer(text)]
    return out
