"""Dead letters: every record a stage could not use, with the reason, so nothing vanishes.

A dead letter goes to the ``deadletters`` index when Elasticsearch takes it, and to a
JSON Lines file when there is no Elasticsearch (``--no-index``) or it refuses or fails:
recording a dead letter never ends a run and never loses the letter.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from leads.ids import safe_name, stable_id
from leads.jsonl import append_jsonl
from leads.limits import MAX_PAYLOAD_CHARS, MAX_REASON_CHARS, MAX_RECORD_ID_CHARS
from leads.models import DeadLetter
from leads.settings import Settings
from leads.text import one_line, replace_surrogates


def dead_letter(
    stage: str, record_id: str, reason: str, batch_id: str | None, payload: str | None = None
) -> DeadLetter:
    """A dead letter. Its id covers the reason and payload too: two different failures of
    one record are two letters, while the same failure on a re-run lands on the same id."""
    record_id, reason = replace_surrogates(record_id)[0], replace_surrogates(reason)[0]
    payload = replace_surrogates(payload)[0] if payload else None
    digest = hashlib.sha256(f"{reason}\x1f{payload or ''}".encode()).hexdigest()
    return DeadLetter(
        id=stable_id("dead", stage, batch_id or "", record_id, digest),
        stage=stage,
        record_id=record_id[:MAX_RECORD_ID_CHARS],
        reason=reason[:MAX_REASON_CHARS],
        batch_id=batch_id,
        at=datetime.now(UTC),
        payload=payload[:MAX_PAYLOAD_CHARS] if payload else None,
    )


def spill_path(settings: Settings, batch_id: str | None, out: str | None = None) -> Path:
    """Where a run's dead letters go when Elasticsearch does not take them: beside the
    run's JSON Lines output when it writes a file, else under the data folder."""
    if out and out != "-":
        return Path(f"{out}.deadletters.jsonl")
    return settings.data_dir / "deadletters" / f"{safe_name(batch_id or 'no-batch')}.jsonl"


# Two writers of one run (``lantern link`` writes templates and leads side by side) may
# spill to the same file at once: one at a time, so no line is cut into another.
_SPILLING = threading.Lock()


def spill(path: Path, letters: list[DeadLetter], why: str) -> None:
    """Writes letters to ``path`` and says so in one line; a failure to write says that."""
    if not letters:
        return
    try:
        with _SPILLING:
            append_jsonl(path, letters)
    except OSError as exc:
        message = f"dead letters: {len(letters)} could not be kept ({why}; and {path}: {exc})"
        print(one_line(message), file=sys.stderr, flush=True)
        return
    print(one_line(f"dead letters: {len(letters)} written to {path} ({why})"), file=sys.stderr)
