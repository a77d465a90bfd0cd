"""JSON to and from Elasticsearch: orjson's speed, the standard library's answers.

Encoding and decoding JSON is a large share of what a bulk write or a scan costs in
Python. orjson does it several times faster; where it refuses what the standard
library accepts (an integer beyond 64 bits, a lone surrogate, a non-string key, a NaN
token in a response), the standard library decides, so nothing is accepted or refused
that was not before. One difference remains: NaN and infinity are written as null (as
pydantic's ``model_dump_json``, the path most documents take, already writes them),
where the standard library wrote tokens Elasticsearch refuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

# Dates and times go to ``default`` as they did with json.dumps (no format of our own).
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
_LONG_DIGITS = re.compile(rb"\d{20}")


def dumps(obj: Any, default: Callable[[Any], Any] = str) -> bytes:
    """UTF-8 JSON, compact. Raises ValueError (UnicodeEncodeError) for a string that
    cannot be UTF-8, as ``json.dumps(...).encode()`` does."""
    try:
        return orjson.dumps(obj, default=default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(obj, ensure_ascii=False, default=default,
                          separators=(",", ":")).encode()  # fmt: skip


def loads(data: bytes | str) -> Any:
    # orjson reads an integer beyond 64 bits as a float, silently: any run of 20 digits
    # (most are inside strings, and cost only this detour) goes to the standard library.
    if isinstance(data, str) or _LONG_DIGITS.search(data):
        return json.loads(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
