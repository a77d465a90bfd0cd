"""Collected text is hostile data. Two rules, each defined once:

- At the edge where text enters (JSON Lines, platform JSON): a lone surrogate (``"\\ud800"``
  in JSON is legal, but no UTF-8 can hold it) is replaced by U+FFFD, one code point for
  one, so every character offset stays exact. :func:`clean_json` does it for a parsed
  JSON value and says how many it replaced.
- Where text leaves for a terminal: escape sequences (ANSI colours, cursor moves, OSC-8
  links, window titles), other control characters and bidi overrides are removed
  (:func:`for_terminal`, :func:`one_line`), and nothing is printed through a console that
  interprets markup.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_B = re.compile(rb"\\u[dD][89a-fA-F]")

# Whole escape sequences first (so no "[31m" residue is left): CSI, OSC (ended by BEL or
# ST), DCS/SOS/PM/APC strings, two-character escapes, and their 8-bit C1 forms.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]",
    re.DOTALL,
)
# What is left of C0/C1 controls (tab and newline kept), DEL, the bidi embeddings,
# overrides and isolates that make a line read differently from what it holds, and
# lone surrogates (no terminal encoding can write them).
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def replace_surrogates(text: str) -> tuple[str, int]:
    """``text`` with each lone surrogate replaced by U+FFFD, and how many there were.
    (Valid pairs never reach here: JSON decoding joins them into one code point.)"""
    if text.isascii():
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def clean_json(value: Any) -> tuple[Any, int]:
    """A parsed JSON value with lone surrogates replaced in every string, keys included."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, list):
        total = 0
        items = []
        for item in value:
            cleaned, n = clean_json(item)
            items.append(cleaned)
            total += n
        return items, total
    if isinstance(value, dict):
        total = 0
        out = {}
        for key, item in value.items():
            new_key, n = clean_json(key)
            cleaned, m = clean_json(item)
            out[new_key] = cleaned
            total += n + m
        return out, total
    return value, 0


def may_hold_surrogates(raw: str | bytes) -> bool:
    """Cheap test on JSON source text: only a ``\\uD800``–``\\uDFFF`` escape can decode to
    a lone surrogate, so most documents skip :func:`clean_json`'s walk."""
    if isinstance(raw, bytes):
        return _SURROGATE_ESCAPE_B.search(raw) is not None
    return _SURROGATE_ESCAPE.search(raw) is not None


def for_terminal(text: str) -> str:
    """``text`` without escape sequences and control characters (tab, newline kept)."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


def one_line(text: str, limit: int = 2000) -> str:
    """:func:`for_terminal` on one line (newlines and tabs become spaces), cut at ``limit``."""
    flat = " ".join(for_terminal(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
