"""The audit trail on a real Elasticsearch: a hash chain with signed checkpoints, where an
edited, deleted or truncated event is named by `lantern audit verify`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from leads.audit import (
    AuditEvent,
    events,
    read_checkpoints,
    record,
    signing_key,
    verify,
)
from leads.settings import Settings
from tests.conftest import lantern

_MADE: list[Settings] = []


@pytest.fixture(scope="module", autouse=True)
def _drop_own_trails(es: Any) -> Any:
    yield
    from leads.store import drop_indices

    for own in _MADE:
        drop_indices(es, own)


def fresh_trail(es: Any, settings: Settings, n: int, every: int) -> Settings:
    """A trail of ``n`` events under its own index prefix, checkpointed every ``every``."""
    import uuid

    from leads.store import ensure_indices

    own = settings.model_copy(
        update={
            "index_prefix": f"{settings.index_prefix}-{uuid.uuid4().hex[:6]}",
            "audit_checkpoint_every": every,
            "audit_dir": settings.data_dir / f"audit-{uuid.uuid4().hex[:6]}",
        }
    )
    ensure_indices(es, own)
    _MADE.append(own)
    for i in range(n):
        record(es, own, "case.note", case_id="C-2026-0001", target=f"note {i}", user="ana.test")
    return own


def problems(es: Any, settings: Settings) -> list[str]:
    return verify(
        events(es, settings), read_checkpoints(settings), signing_key(settings).public_key()
    )


def test_an_untouched_trail_verifies_and_chains(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 12, every=5)
    stored = [AuditEvent.model_validate(e) for e in events(es, own)]
    assert [e.seq for e in stored] == list(range(1, 13))
    assert all(b.prev == a.hash for a, b in zip(stored, stored[1:], strict=False))
    assert [c["seq"] for c in read_checkpoints(own)] == [5, 10]
    assert problems(es, own) == []


def test_an_edited_event_is_named(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 7, every=5)
    es.update(index=own.index("audit"), id=f"{4:012d}", doc={"user": "someone.else"}, refresh=True)
    assert problems(es, own) == ["event 4: edited (its content does not match its hash)"]


def test_an_edit_that_rehashes_still_breaks_the_chain(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 7, every=5)
    stored = {e["seq"]: e for e in events(es, own)}
    from leads.audit import content_hash

    forged = {**stored[3], "reason": "rewritten"}
    forged["hash"] = content_hash(forged)
    es.index(index=own.index("audit"), id=f"{3:012d}", document=forged, refresh=True)
    assert problems(es, own) == [
        "event 4: does not follow event 3 (chain broken)",
    ]


def test_a_deleted_event_is_named(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 7, every=5)
    es.delete(index=own.index("audit"), id=f"{6:012d}", refresh=True)
    assert "event 6: missing (deleted from the trail)" in problems(es, own)


def test_a_truncated_trail_is_caught_by_its_checkpoint(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 11, every=5)
    for seq in (9, 10, 11):
        es.delete(index=own.index("audit"), id=f"{seq:012d}", refresh=True)
    assert problems(es, own) == [
        "checkpoint 2: signed event 10, but the trail ends at event 8 (truncated)"
    ]


def test_a_forged_checkpoint_is_refused(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 5, every=5)
    path = own.audit_path / "checkpoints.jsonl"
    line = json.loads(path.read_text().splitlines()[0])
    line["seq"] = 4  # claims an earlier end: the signature no longer matches
    path.write_text(json.dumps(line) + "\n")
    assert problems(es, own) == ["checkpoint 1 (event 4): bad signature"]


@pytest.mark.parametrize("tamper", [False, True])
def test_the_cli_consults_are_audited_and_verify_says_what_is_wrong(
    es: Any, settings: Settings, tamper: bool
) -> None:
    env = {"LANTERN_USER": "ana.test"}
    assert lantern("leads", "--top", "3", env=env).returncode == 0
    mine = [e for e in events(es, settings) if e["action"] == "consult.leads"]
    assert mine and mine[-1]["user"] == "ana.test" and mine[-1]["outcome"] == "ok"
    if tamper:
        es.update(
            index=settings.index("audit"),
            id=f"{mine[-1]['seq']:012d}",
            doc={"user": "nobody"},
            refresh=True,
        )
    result = lantern("audit", "verify", env=env)
    if tamper:
        assert result.returncode == 1
        assert f"event {mine[-1]['seq']}: edited" in result.stderr.decode()
    else:
        assert result.returncode == 0, result.stderr.decode()
        assert b"audit trail intact" in result.stdout
    shown = lantern("audit", "show", "--user", "ana.test", env=env).stdout.decode()
    assert "consult.leads" in shown


def test_a_second_event_with_a_used_number_is_named(es: Any, settings: Settings) -> None:
    own = fresh_trail(es, settings, 4, every=5)
    stored = {e["seq"]: e for e in events(es, own)}
    from leads.audit import content_hash

    forged = {**stored[3], "user": "mallory", "prev": stored[2]["hash"]}
    forged["hash"] = content_hash(forged)
    es.index(index=own.index("audit"), id="forged-3", document=forged, refresh=True)
    assert any("event 3: duplicate or out of order" in p for p in problems(es, own))
