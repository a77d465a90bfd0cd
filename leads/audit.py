"""The audit trail: who did what to which case or selector, when, with what outcome.

Events carry the fields the FBI CJIS Security Policy (5.4.1.1) asks an audit record for:
who (the OS user, or ``LANTERN_USER``), what (the action), the object (a case or a
selector), when, the outcome, and a reason where a case asks for one. They live in the
``audit`` index as a hash chain: each event stores the SHA-256 of its own content and of
the event before it, so an edited or deleted event breaks the chain at that place. Every
``audit_checkpoint_every`` events (and when asked, e.g. at an export) a checkpoint — the
last event's number and hash — is signed with an Ed25519 key and appended to a file
beside the evidence; a trail cut short after a checkpoint is caught by the checkpoint's
event being gone. Events after the newest checkpoint can be cut without trace: that is
the window the checkpoint interval leaves.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from elasticsearch import ConflictError, Elasticsearch, helpers
from pydantic import Field

from leads.settings import Settings
from leads.validation import Strict

GENESIS = "0" * 64
Outcome = Literal["ok", "refused", "failed"]


class AuditEvent(Strict):
    seq: int = Field(ge=1)
    at: str  # ISO 8601, UTC
    user: str = Field(min_length=1, max_length=200)
    action: str = Field(min_length=1, max_length=100)
    case_id: str | None = None
    target: str | None = Field(default=None, max_length=2000)
    outcome: Outcome = "ok"
    reason: str | None = Field(default=None, max_length=5000)
    details: dict[str, Any] = Field(default_factory=dict)
    prev: str = Field(pattern=r"^[0-9a-f]{64}$")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


def current_user(settings: Settings) -> str:
    """Who is acting: ``LANTERN_USER`` when set (a shared service account names the
    person), else the operating-system user."""
    if settings.user:
        return settings.user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def content_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of an event's fields without its own hash, as canonical JSON."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _doc_id(seq: int) -> str:
    return f"{seq:012d}"


def last_event(es: Elasticsearch, settings: Settings) -> AuditEvent | None:
    index = settings.index("audit")
    es.indices.refresh(index=index)
    hits = es.search(index=index, size=1, sort=[{"seq": "desc"}])["hits"]["hits"]
    return AuditEvent.model_validate(hits[0]["_source"]) if hits else None


def record(
    es: Elasticsearch,
    settings: Settings,
    action: str,
    *,
    case_id: str | None = None,
    target: str | None = None,
    outcome: Outcome = "ok",
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    user: str | None = None,
) -> AuditEvent:
    """Appends one event to the chain. Two writers racing for the same number: the
    second's create is refused and it retries on the new end of the chain."""
    for attempt in range(200):
        if attempt:  # many writers at once (a busy workspace): spread them out
            time.sleep(random.uniform(0, min(0.2, 0.005 * attempt)))
        last = last_event(es, settings)
        fields: dict[str, Any] = {
            "seq": (last.seq if last else 0) + 1,
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "user": user or current_user(settings),
            "action": action,
            "case_id": case_id,
            "target": target,
            "outcome": outcome,
            "reason": reason,
            "details": details or {},
            "prev": last.hash if last else GENESIS,
        }
        fields["hash"] = content_hash(fields)
        event = AuditEvent.model_validate(fields)
        try:
            es.create(
                index=settings.index("audit"),
                id=_doc_id(event.seq),
                document=event.model_dump(mode="json"),
                refresh=True,
            )
        except ConflictError:
            continue
        if event.seq % settings.audit_checkpoint_every == 0:
            checkpoint(settings, event)
        return event
    raise RuntimeError("the audit trail is too busy: 200 tries at the next event failed")


def events(
    es: Elasticsearch, settings: Settings, query: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Events as stored (unvalidated: verify reads what is there), oldest first."""
    index = settings.index("audit")
    es.indices.refresh(index=index)
    body = {"query": query or {"match_all": {}}, "sort": [{"seq": "asc"}]}
    found = [
        hit["_source"] for hit in helpers.scan(es, index=index, query=body, preserve_order=True)
    ]
    return found


# Checkpoints: signed (seq, hash) lines in a file beside the evidence.


def checkpoint_file(settings: Settings) -> Path:
    return settings.audit_path / "checkpoints.jsonl"


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The Ed25519 key from ``audit_key_file``; without one, a key made on first use in
    the audit folder (readable by this user only)."""
    path = settings.audit_key_file or settings.audit_path / "signing-key.pem"
    if not path.exists() and settings.audit_key_file is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return loaded


def _signed_text(seq: int, event_hash: str, at: str) -> bytes:
    return f"lantern-audit-checkpoint\n{seq}\n{event_hash}\n{at}".encode()


def checkpoint(settings: Settings, event: AuditEvent) -> dict[str, Any]:
    """Signs the chain's end at ``event`` and appends it to the checkpoint file."""
    key = signing_key(settings)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    line = {
        "seq": event.seq,
        "hash": event.hash,
        "at": at,
        "signature": key.sign(_signed_text(event.seq, event.hash, at)).hex(),
        "public_key": key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex(),
    }
    path = checkpoint_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
    return line


def verify(
    stored: Iterable[dict[str, Any]],
    checkpoints: Iterable[dict[str, Any]],
    public_key: Ed25519PublicKey | None,
) -> list[str]:
    """What is wrong with a trail, one line per problem naming the event; empty when
    the chain and every checkpoint hold."""
    problems: list[str] = []
    by_seq: dict[int, dict[str, Any]] = {}
    previous: dict[str, Any] | None = None
    expected = 1
    for raw in stored:
        seq = raw.get("seq") if isinstance(raw, dict) else None
        if not isinstance(seq, int):
            problems.append(f"an event without a number: {str(raw)[:200]}")
            continue
        if seq < expected:
            problems.append(f"event {seq}: duplicate or out of order (a second event {seq})")
            continue
        if seq > expected:
            gone = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
            problems.append(f"event {gone}: missing (deleted from the trail)")
        by_seq[seq] = raw
        if raw.get("hash") != content_hash(raw):
            problems.append(f"event {seq}: edited (its content does not match its hash)")
        if previous is not None and seq == previous["seq"] + 1:
            if raw.get("prev") != previous.get("hash"):
                problems.append(f"event {seq}: does not follow event {seq - 1} (chain broken)")
        elif previous is None and seq == 1 and raw.get("prev") != GENESIS:
            problems.append("event 1: does not start the chain")
        previous, expected = raw, seq + 1
    last = previous["seq"] if previous else 0
    for n, line in enumerate(checkpoints, 1):
        if not isinstance(line, dict):
            problems.append(f"checkpoint {n}: not a checkpoint record")
            continue
        seq, event_hash, at = line.get("seq"), line.get("hash"), line.get("at")
        try:
            if public_key is None:
                raise ValueError("no public key to check it with")
            public_key.verify(
                bytes.fromhex(str(line.get("signature"))),
                _signed_text(int(str(seq)), str(event_hash), str(at)),
            )
        except (InvalidSignature, ValueError):
            problems.append(f"checkpoint {n} (event {seq}): bad signature")
            continue
        event = by_seq.get(int(str(seq)))
        if event is None:
            if int(str(seq)) > last:
                problems.append(
                    f"checkpoint {n}: signed event {seq}, but the trail ends at event {last} "
                    "(truncated)"
                )
            else:
                problems.append(f"checkpoint {n}: signed event {seq}, which is missing")
        elif event.get("hash") != event_hash:
            problems.append(f"event {seq}: differs from what checkpoint {n} signed")
    return problems


def read_checkpoints(settings: Settings) -> list[dict[str, Any]]:
    path = checkpoint_file(settings)
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"seq": f"line {n}", "signature": "not JSON"})
    return out
