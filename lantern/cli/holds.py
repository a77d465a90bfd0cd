"""``lantern hold …`` (legal holds) and ``lantern retention run``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from lantern.cli.options import elasticsearch, fail, get_settings
from leads.text import one_line

holds = typer.Typer(help="Legal holds: what retention may not delete.")
retention = typer.Typer(help="Retention: delete what expired and is not held.")


@holds.command("add")
def add(
    scope: Annotated[str, typer.Option(help="case, selector or batch")],
    value: Annotated[str, typer.Option(help="the case id, selector or batch id")],
    authority: Annotated[str, typer.Option(help="the order or policy behind the hold")],
    reason: Annotated[str, typer.Option(help="why")],
    expires: Annotated[str | None, typer.Option(help="ISO date it lapses (default: never)")] = None,
) -> None:
    """Place a hold; prints its id."""
    from leads.audit import current_user
    from leads.retention import add_hold

    if scope not in ("case", "selector", "batch"):
        fail(f"--scope must be case, selector or batch, not {scope!r}", 2)
    until = None
    if expires:
        try:
            until = datetime.fromisoformat(expires)
        except ValueError:
            fail(f"--expires {expires!r} is not an ISO date", 2)
        if until.tzinfo is None:
            from datetime import UTC

            until = until.replace(tzinfo=UTC)
    settings = get_settings()
    es = elasticsearch(settings)
    hold = add_hold(es, settings, scope, value, authority, reason, current_user(settings), until)  # type: ignore[arg-type]
    print(hold.id)


@holds.command("list")
def list_() -> None:
    """Every hold, active or not."""
    from datetime import UTC

    from leads.retention import list_holds

    settings = get_settings()
    now = datetime.now(UTC)
    for h in list_holds(elasticsearch(settings), settings):
        state = "active" if h.active(now) else ("released" if h.released_at else "expired")
        line = f"{h.id} [{state}] {h.scope}:{h.value} by {h.issuer} ({h.authority}): {h.reason}"
        print(one_line(line, 2000))


@holds.command("release")
def release(
    hold_id: Annotated[str, typer.Argument(help="the hold's id")],
    reason: Annotated[str, typer.Option(help="why it is released")],
) -> None:
    """Release a hold (it stays on record)."""
    from leads.audit import current_user
    from leads.retention import release_hold

    settings = get_settings()
    try:
        release_hold(elasticsearch(settings), settings, hold_id, current_user(settings), reason)
    except ValueError as exc:
        fail(str(exc), 2)


@retention.command("run")
def run(dry_run: Annotated[bool, typer.Option(help="only list what would go")] = False) -> None:
    """Delete what is past its retention and under no hold or case."""
    from lantern.jobs.retention import run_retention

    settings = get_settings()
    print(json.dumps(run_retention(elasticsearch(settings), settings, dry_run), indent=1))
