"""Tips ingest: read a tip file, find selectors in each tip's text, link, store.

Counts in = stored + refused, always: a refused tip is a dead letter with its one-line
reason, and never stops the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leads.audit import record
from leads.deadletters import dead_letter
from leads.settings import Settings
from leads.store import bulk_index, ensure_indices, record_dead_letters
from leads.taxonomy import IDENTITY_TYPES
from leads.tips import RawTip, Tip, TipError, build_tip, link, read_tips

STAGE = "tips"


@dataclass
class TipsReport:
    read: int = 0
    stored: int = 0
    errors: list[str] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)


def _found(text: str) -> list[str]:
    """Identity selectors in a tip's own words, by the same extraction the ads get."""
    from nlp.pipeline import extract

    return sorted(
        {f"{e.type}:{e.value}" for e in extract(text).entities if e.type in IDENTITY_TYPES}
    )


def ingest_tips(es: Any, settings: Settings, path: Path, who: str) -> TipsReport:
    ensure_indices(es, settings, ["tips"])
    report = TipsReport()
    now = datetime.now(UTC)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    letters = []
    first_line: dict[str, int] = {}  # tip id -> the line it was first read from
    for item in read_tips(path):
        report.read += 1
        tip: Tip | TipError
        if isinstance(item, RawTip):
            keep = settings.retention_days_by_source.get(STAGE, settings.retention_days)
            text = str(item.fields.get("text") or "")
            tip = build_tip(item, _found(text), path.name, sha, who, now, keep)
            if isinstance(tip, Tip) and tip.id in first_line:
                tip = TipError(item.line, f"line {item.line}",
                               f"the same tip as line {first_line[tip.id]}")  # fmt: skip
        else:
            tip = item
        if isinstance(tip, TipError):
            report.errors.append(f"{path.name}: {tip}")
            letters.append(dead_letter(STAGE, f"{path.name}:{tip.line}", str(tip), None, sha))
            continue
        first_line[tip.id] = tip.line
        tip.links = link(es, settings, tip)
        tip.linked_at = datetime.now(UTC)
        report.tips.append(tip)
    result = bulk_index(
        es,
        settings,
        "tips",
        ((t.id, t.model_dump(mode="json")) for t in report.tips),
        stage=STAGE,
        refresh=True,
    )
    report.stored = result.indexed
    refused = {letter.record_id: letter.reason for letter in result.failed}
    for tip in [t for t in report.tips if t.id in refused]:
        report.errors.append(f"{path.name}: tip at line {tip.line}: {refused[tip.id]}")
    report.tips = [t for t in report.tips if t.id not in refused]
    record_dead_letters(es, settings, letters)
    record(
        es,
        settings,
        "tips.ingest",
        target=path.name,
        reason=f"{len(report.errors)} tip(s) refused" if report.errors else None,
        details={
            "file_sha256": sha,
            "read": report.read,
            "stored": report.stored,
            "refused": len(report.errors),
        },  # fmt: skip
        user=who,
    )
    return report


def relink_tips(es: Any, settings: Settings, who: str) -> int:
    """Links every stored tip again (after new ads or employers came in)."""
    from leads.store import scan

    tips = [Tip.model_validate(doc) for doc in scan(es, settings, "tips", {"match_all": {}})]
    now = datetime.now(UTC)
    for tip in tips:
        tip.links, tip.linked_at = link(es, settings, tip), now
    bulk_index(es, settings, "tips", ((t.id, t.model_dump(mode="json")) for t in tips),
               stage=STAGE, refresh=True)  # fmt: skip
    record(es, settings, "tips.relink", details={"tips": len(tips)}, user=who)
    return len(tips)
