"""Documents a run collected but could not store (Elasticsearch went away and stayed
away past the retry window): kept as JSON Lines that ``lantern index FILE --kind raw``
loads later, so nothing collected is lost. Appending is safe: indexing is idempotent."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from leads.ids import safe_name
from leads.jsonl import append_jsonl
from leads.models import RawDocument
from leads.settings import Settings


def unsent_path(settings: Settings, batch_id: str) -> Path:
    return settings.data_dir / "unsent" / f"{safe_name(batch_id)}.raw.jsonl"


def keep_unsent(path: Path, docs: Iterable[RawDocument]) -> int:
    """Appends documents to ``path``; returns how many."""
    return append_jsonl(path, docs)
