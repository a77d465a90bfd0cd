"""Reading JSON Lines defensively: one bad line is one error, never the end of the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

MAX_LINE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    number: int
    data: dict[str, Any] | None
    error: str | None = None


def read_jsonl(stream: BinaryIO) -> Iterator[Line]:
    """Yields each line parsed, or with the reason it could not be."""
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield Line(number, None, f"line is {len(raw):,} bytes (limit {MAX_LINE_BYTES:,})")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Line(number, None, f"invalid UTF-8 at byte {exc.start}")
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Line(number, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            yield Line(number, None, f"expected a JSON object, got {type(data).__name__}")
            continue
        yield Line(number, data)
