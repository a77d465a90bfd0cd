"""``lantern deconflict …`` and ``lantern case deconflict``: the agency's side of the
regional hub (the logic is in lantern/jobs/deconfliction.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from lantern.cli.options import elasticsearch, fail, get_settings, say
from leads.text import one_line

app = typer.Typer(help="Deconfliction with other agencies through the regional hub.")

CaseArg = Annotated[str, typer.Argument(help="a case number (C-2026-0001) or full id")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON Lines")]


def _context(case_ref: str | None = None) -> tuple[Any, Any, str, Any, Any]:
    from lantern.hub.client import HubClient, HubUnavailable
    from leads.audit import current_user
    from leads.cases import CaseError, get_case

    settings = get_settings()
    es = elasticsearch(settings)
    case = None
    if case_ref is not None:
        try:
            case = get_case(es, settings, case_ref)
        except CaseError as exc:
            fail(str(exc), 2)
    try:
        hub = HubClient(settings)
    except HubUnavailable as exc:
        fail(str(exc), 2)
    return es, settings, current_user(settings), case, hub


def render_conflict(conflict: dict[str, Any]) -> str:
    """One conflict in a line: what of ours, and whom to call. Every part came from
    another agency or the hub, so it is printed as inert text."""
    mine, other = conflict.get("yours") or {}, conflict.get("other") or {}
    if conflict.get("kind") == "operation":
        what = (
            f"your operation {mine.get('kind')} in {mine.get('geohash')} "
            f"{mine.get('starts_at')}..{mine.get('ends_at')} overlaps one"
        )
    else:
        what = f"{conflict.get('selector') or 'a selector'} is also held"
    contact = "; ".join(str(c) for c in (other.get("agency_contact"), other.get("contact")) if c)
    status = conflict.get("status") or "open"
    return one_line(
        f"CONFLICT {what} (your case {mine.get('case_id')}, {mine.get('deconfliction_number')})"
        f" — {other.get('agency')}: case {other.get('case_id')}, deconfliction number "
        f"{other.get('deconfliction_number')}; contact: {contact}"
        + ("" if status == "open" else f" [{status}]")
    )


def _conflicts(found: list[Any]) -> str:
    return f"{len(found)} conflict{'' if len(found) == 1 else 's'}"


def _print(conflicts: list[dict[str, Any]], as_json: bool) -> None:
    for conflict in conflicts:
        # ASCII JSON: another agency's text reaches this terminal as \u escapes only.
        print(json.dumps(conflict, ensure_ascii=True) if as_json else render_conflict(conflict))


def deconflict_case(
    case: str, include_holding: bool, contact: str | None, days: int | None, as_json: bool
) -> None:
    from lantern.hub.client import HubUnavailable
    from lantern.jobs.deconfliction import deconflict_case as run
    from leads.cases import CaseError

    es, settings, user, found, hub = _context(case)
    with hub:
        try:
            done = run(es, settings, found, user, hub, include_holding, contact, days)
        except CaseError as exc:
            fail(str(exc), 2)
        except HubUnavailable as exc:
            fail(str(exc))
    skipped = ", ".join(f"{k}: {v}" for k, v in sorted(done.skipped.items()))
    summary = (
        f"{found.id}: {done.submitted} selectors submitted as pseudonyms under "
        f"{done.deconfliction_number}; {_conflicts(done.conflicts)}"
        + (f" (not deconflicted: {skipped})" if skipped else "")
    )
    say(summary) if as_json else print(summary)
    _print(done.conflicts, as_json)


@app.command("conflicts")
def conflicts(as_json: JsonOption = False) -> None:
    """This agency's open conflicts: who else holds what, and whom to call."""
    from lantern.hub.client import HubUnavailable
    from lantern.jobs.deconfliction import open_conflicts

    es, settings, user, _, hub = _context()
    with hub:
        try:
            found = open_conflicts(es, settings, user, hub)
        except HubUnavailable as exc:
            fail(str(exc))
    if not found and not as_json:
        print("no open conflicts")
    _print(found, as_json)


@app.command("withdraw")
def withdraw(case: CaseArg) -> None:
    """Withdraw a case's pointers and operations from the hub."""
    from lantern.hub.client import HubUnavailable
    from lantern.jobs.deconfliction import withdraw_case

    es, settings, user, found, hub = _context(case)
    with hub:
        try:
            count = withdraw_case(es, settings, found, user, hub)
        except HubUnavailable as exc:
            fail(str(exc))
    print(f"{found.id}: withdrawn from the hub: {count} pointers and operations")


@app.command("operation")
def operation(
    case: CaseArg,
    kind: Annotated[
        str,
        typer.Option(
            help="victim_recovery, undercover_contact, search_warrant, surveillance or other"
        ),
    ],
    geohash: Annotated[str, typer.Option(help="the area: a geohash of 3 to 6 characters")],
    start: Annotated[str, typer.Option(help="ISO time it starts, with a zone")],
    end: Annotated[str, typer.Option(help="ISO time it ends, with a zone")],
    contact: Annotated[str | None, typer.Option(help="who to call (default: you)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register an operation for event deconfliction; prints overlapping operations."""
    from pydantic import ValidationError

    from lantern.hub.client import HubUnavailable
    from lantern.jobs.deconfliction import register_operation
    from leads.deconfliction import OperationIn
    from leads.validation import validation_message

    es, settings, user, found, hub = _context(case)
    try:
        body = OperationIn.model_validate(
            {
                "case_id": found.id,
                "kind": kind,
                "geohash": geohash,
                "starts_at": datetime.fromisoformat(start),
                "ends_at": datetime.fromisoformat(end),
                "contact": contact or user,
            }
        )
    except ValueError as exc:
        message = validation_message(exc) if isinstance(exc, ValidationError) else str(exc)
        fail(message, 2)
    with hub:
        try:
            answer = register_operation(
                es, settings, found, user, hub, body.model_dump(mode="json")
            )
        except HubUnavailable as exc:
            fail(str(exc))
    summary = (
        f"{found.id}: operation registered under {answer['deconfliction_number']}; "
        f"{_conflicts(answer['conflicts'])}"
    )
    say(summary) if as_json else print(summary)
    _print(answer["conflicts"], as_json)
