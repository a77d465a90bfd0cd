"""JSON to and from Elasticsearch: orjson's speed, the standard library's answers.

Encoding and decoding JSON is a large share of what a bulk write or a scan costs in
Python. orjson does it several times faster; where it refuses what the standard
library accepts (an integer beyond 64 bits, a lone surrogate, a non-string key, a NaN
token in a response), the standard library decides, so nothing is accepted or refused
that was not before. Two differences remain: NaN and infinity are written as null (as
pydantic's ``model_dump_json``, the path most documents take, already writes them),
where the standard library wrote tokens Elasticsearch refuses; and an Enum member is
written as its value, where ``default=str`` wrote its name (Lantern has no enums).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

# Dates, times and dataclasses go to ``default`` as they did with json.dumps.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# orjson reads an integer beyond 64 bits as a float, silently: a run of 19 digits or
# more (most are inside strings, and cost only a detour) goes to the standard library.
_LONG_DIGITS = re.compile(rb"\d{19}")


def _with_floats(default: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """json.dumps writes a float subclass (numpy's float64) as a number; orjson hands
    it to ``default``: a number it stays."""

    def fallback(obj: Any) -> Any:
        return float(obj) if isinstance(obj, float) else default(obj)

    return fallback


def dumps(obj: Any, default: Callable[[Any], Any] = str) -> bytes:
    """UTF-8 JSON, compact. Raises ValueError (UnicodeEncodeError) for a string that
    cannot be UTF-8, as ``json.dumps(...).encode()`` does."""
    try:
        return orjson.dumps(obj, default=_with_floats(default), option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(obj, ensure_ascii=False, default=default,
                          separators=(",", ":")).encode()  # fmt: skip


def loads(data: bytes | str) -> Any:
    if isinstance(data, str) or _LONG_DIGITS.search(data):
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
