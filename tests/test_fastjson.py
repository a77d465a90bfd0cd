"""The store's JSON (orjson, with the standard library deciding whatever orjson
refuses): the same documents reach Elasticsearch, the same are refused, and every
response reads back as the standard library would read it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from leads import fastjson
from leads.store import _action, _Json


@dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    "doc",
    [
        {"id": "a", "text": 'Ünïcödé ✓ 🌙 \u2028 line\nbreak "quoted" \\ slash', "n": 7},
        {"nested": [{"x": 1.5, "y": None, "z": True}, [], {}], "neg": -(2**63)},
        {"big": 2**64 - 1, "small": 1e-300, "float": 1e16},
        {"bigger": 2**70, "keys": {1: "one"}},  # orjson refuses both: json decides
        {"numpy": np.float64(0.5), "int": np.int64(3), "class": Point(1, 2)},
        {"when": datetime(2026, 12, 4, 18, 0, tzinfo=UTC), "set": {"only"}},  # via default
    ],
)
def test_dumps_writes_what_the_standard_library_writes(doc: dict[str, Any]) -> None:
    expected = json.loads(json.dumps(doc, ensure_ascii=False, default=str))
    assert json.loads(fastjson.dumps(doc)) == expected
    assert b"\n" not in fastjson.dumps(doc)  # one bulk line per document


def test_a_string_that_cannot_be_utf8_is_refused_as_before() -> None:
    with pytest.raises(ValueError):
        fastjson.dumps({"text": "lone \ud800 surrogate"})
    with pytest.raises(ValueError):
        _action("idx", "doc-1", {"text": "lone \udc80"})


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": "\\ud800 escaped lone surrogate"}',  # orjson refuses: json reads it
        b'{"n": 123456789012345678901234567890}',  # beyond 64 bits
        b"[-9223372036854775809, 18446744073709551616, -9223372036854775808]",
        b'{"f": NaN, "g": -Infinity}',
        '{"t": "caf\u00e9 ✓"}'.encode(),
        b"[]",
    ],
)
def test_loads_reads_what_the_standard_library_reads(data: bytes) -> None:
    got, want = fastjson.loads(data), json.loads(data)
    if isinstance(want, dict) and "f" in want:
        assert math.isnan(got["f"]) and got["g"] == want["g"]
    else:
        assert got == want


def test_not_json_is_still_an_error() -> None:
    with pytest.raises(ValueError):
        fastjson.loads(b'{"a": ')


def test_the_clients_serializer_writes_and_reads_as_the_stock_one() -> None:
    """Queries and single documents go through the client's serializer: a body orjson
    refuses (here a lone surrogate) is written as the client always wrote it."""
    from elasticsearch.serializer import JsonSerializer

    ours, stock = _Json(), JsonSerializer()
    for body in ({"query": {"term": {"text": "lone \ud800"}}}, {"n": 2**70, "keys": {1: "one"}}):
        assert json.loads(ours.dumps(body).decode("utf-8", "surrogatepass")) == json.loads(
            stock.dumps(body).decode("utf-8", "surrogatepass")
        )
    data = b'{"hits": [-9223372036854775809, "x"]}'
    assert ours.loads(data) == stock.loads(data)
