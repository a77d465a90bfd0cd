"""Reading JSON Lines defensively: one bad line is one error, never the end of the run.

Lines are read in bounded pieces (a 300 MB line without a newline costs one piece of
memory, not 300 MB), decoded strictly, and cleaned of lone surrogates at this edge
(:mod:`leads.text`): every later stage can encode what it was given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from leads.limits import MAX_LINE_BYTES
from leads.text import clean_json, may_hold_surrogates

_PIECE = 1 << 20


@dataclass(frozen=True)
class Line:
    number: int
    data: dict[str, Any] | None
    error: str | None = None
    # Lone surrogates replaced by U+FFFD in this line's strings (offsets unchanged).
    replaced: int = 0


def _lines(stream: BinaryIO, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """Each line (without its newline), or None and its size when it is over ``limit``:
    an over-long line is skipped in pieces, never held whole."""
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n") and len(raw) == limit + 1:
            yield raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = stream.readline(_PIECE)
            if not raw:
                break
            size += len(raw)
        yield None, size - raw.endswith(b"\n")  # the line's own bytes


def append_jsonl(path: Path, records: Iterable[BaseModel]) -> int:
    """Appends validated records to a JSON Lines file (UTF-8, one object a line, what
    :func:`read_jsonl` and ``lantern index`` read back); returns how many."""
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.model_dump_json() + "\n")
            written += 1
    return written


def read_jsonl(stream: BinaryIO, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Yields each line parsed, or with the reason it could not be."""
    for number, (raw, size) in enumerate(_lines(stream, max_line_bytes), 1):
        if raw is None:
            yield Line(number, None, f"line is {size:,} bytes (limit {max_line_bytes:,})")
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Line(number, None, f"invalid UTF-8 at byte {exc.start}")
            continue
        if number == 1:
            text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the data
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Line(number, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield Line(number, None, "not valid JSON (nested too deeply)")
            continue
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            yield Line(number, None, f"not valid JSON ({str(exc)[:120]})")
            continue
        if not isinstance(data, dict):
            yield Line(number, None, f"expected a JSON object, got {type(data).__name__}")
            continue
        replaced = 0
        if may_hold_surrogates(text):
            data, replaced = clean_json(data)
        yield Line(number, data, replaced=replaced)
