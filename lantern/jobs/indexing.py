"""Index JSON Lines of raw documents or leads: each line validated against its model,
the valid ones bulk-indexed, every other line a dead letter naming it (``FILE:LINE``).

Memory stays flat however many lines are bad: refused lines are recorded (and handed to
``on_dead``) in chunks as the file is read, and only counted here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pydantic import ValidationError

from leads.deadletters import dead_letter, spill_path
from leads.jsonl import read_jsonl
from leads.models import DeadLetter, Lead, RawDocument
from leads.settings import Settings
from leads.store import BulkReport, StoreUnavailable, bulk_index, record_dead_letters
from leads.validation import validation_message

MODELS: dict[str, type[RawDocument] | type[Lead]] = {"raw": RawDocument, "leads": Lead}
LETTER_CHUNK = 1000


@dataclass
class IndexRun:
    lines: int = 0  # records read (blank lines not counted)
    refused: int = 0  # lines refused before Elasticsearch saw them
    report: BulkReport = field(default_factory=BulkReport)

    @property
    def dead_letters(self) -> int:
        return self.refused + len(self.report.failed)


def index_jsonl(
    es: Any,
    settings: Settings,
    stream: BinaryIO,
    name: str,
    kind: str,
    run: IndexRun,
    on_line: Callable[[], None] = lambda: None,
    on_dead: Callable[[DeadLetter], None] = lambda letter: None,
) -> None:
    """Fills ``run`` as it goes. Raises :class:`StoreUnavailable` (after keeping the dead
    letters so far in the spill file) when Elasticsearch goes away for longer than the
    retry window; ``run`` then says how far it got."""
    model = MODELS[kind]
    spill = spill_path(settings, f"index-{name.removesuffix('.jsonl')}")
    pending: list[DeadLetter] = []

    def refuse(letter: DeadLetter) -> None:
        run.refused += 1
        on_dead(letter)
        pending.append(letter)
        if len(pending) >= LETTER_CHUNK:
            record_dead_letters(es, settings, pending, spill=spill)
            pending.clear()

    def docs() -> Iterator[tuple[str, bytes]]:
        for line in read_jsonl(stream):
            run.lines += 1
            on_line()
            where = f"{name}:{line.number}"
            if line.data is None:
                refuse(dead_letter("index", where, line.error or "unreadable", None))
                continue
            try:
                doc = model.model_validate(line.data)
            except ValidationError as exc:
                payload = json.dumps(line.data, ensure_ascii=True)[:2000]
                refuse(dead_letter("index", where, validation_message(exc), None, payload))
                continue
            try:  # serialised by pydantic's own encoder: the cheapest way to send it
                body = doc.model_dump_json().encode()
            except ValueError as exc:
                refuse(dead_letter("index", where, f"cannot be sent: {exc}"[:500], None))
                continue
            yield doc.id, body

    try:
        run.report = bulk_index(
            es, settings, kind, docs(), stage="index", refresh=True, spill=spill
        )
    except StoreUnavailable as exc:
        run.report = exc.report or run.report
        record_dead_letters(None, settings, pending, spill=spill)
        raise
    record_dead_letters(es, settings, pending, spill=spill)
    for letter in run.report.failed:
        on_dead(letter)
