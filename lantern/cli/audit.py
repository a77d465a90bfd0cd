"""``lantern audit …``: read and verify the audit trail (leads/audit.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lantern.cli.options import elasticsearch, fail, get_settings, say
from leads.text import one_line

app = typer.Typer(help="The audit trail: who consulted or changed what, verifiable.")


@app.command("show")
def show(
    case: Annotated[str | None, typer.Option("--case", help="only this case")] = None,
    user: Annotated[str | None, typer.Option("--user", help="only this user")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines")] = False,
) -> None:
    """Events, oldest first."""
    from leads.audit import events

    settings = get_settings()
    terms: list[dict[str, Any]] = []
    if case:
        terms.append({"term": {"case_id": case}})
    if user:
        terms.append({"term": {"user": user}})
    query = {"bool": {"filter": terms}} if terms else None
    for event in events(elasticsearch(settings), settings, query):
        if as_json:
            print(json.dumps(event, ensure_ascii=False))
            continue
        what = " ".join(
            part
            for part in (
                event.get("action"),
                event.get("case_id") or "",
                event.get("target") or "",
                f"[{event.get('outcome')}]",
            )
            if part
        )
        line = f"{event.get('seq'):>6} {event.get('at')} {event.get('user')}: {what}"
        if event.get("reason"):
            line += f" — {event['reason']}"
        print(one_line(line, 2000))


@app.command("verify")
def verify(
    public_key: Annotated[
        Path | None,
        typer.Option(help="the checkpoint key's public half (PEM); default: from the key"),
    ] = None,
) -> None:
    """Checks the hash chain and every signed checkpoint; names each event that was
    edited, deleted or cut off. Exit 1 when anything is wrong."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from leads.audit import events, read_checkpoints, signing_key
    from leads.audit import verify as check

    settings = get_settings()
    key: Ed25519PublicKey | None = None
    if public_key is not None:
        loaded = serialization.load_pem_public_key(public_key.read_bytes())
        if not isinstance(loaded, Ed25519PublicKey):
            fail(f"{public_key}: not an Ed25519 public key", 2)
        key = loaded
    stored = events(elasticsearch(settings), settings)
    checkpoints = read_checkpoints(settings)
    if public_key is None:
        own = settings.audit_key_file or settings.audit_path / "signing-key.pem"
        if own.exists():
            key = signing_key(settings).public_key()
        elif checkpoints:  # never make a new key to check old signatures with
            fail(f"no checkpoint key at {own}: give the key's public half with --public-key", 2)
        else:
            key = None
    problems = check(stored, checkpoints, key)
    for problem in problems:
        say(problem)
    summary = f"{len(stored)} events, {len(checkpoints)} signed checkpoints"
    if problems:
        fail(f"audit trail NOT intact: {len(problems)} problem(s); {summary}")
    print(f"audit trail intact: {summary}")
