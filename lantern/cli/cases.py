"""``lantern case …``: initial case files (the logic is in leads/cases.py)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any, Literal

import typer

from lantern.cli.options import OutOption, elasticsearch, fail, get_settings, open_out, say
from leads.text import one_line

app = typer.Typer(help="Case files: pull flagged entities in, frozen, with a chain of custody.")

CaseArg = Annotated[str, typer.Argument(help="a case number (C-2026-0001) or full id")]


def _context() -> tuple[Any, Any, str]:
    from leads.audit import current_user

    settings = get_settings()
    return elasticsearch(settings), settings, current_user(settings)


def _case(es: Any, settings: Any, ref: str) -> Any:
    from leads.cases import CaseError, get_case

    try:
        return get_case(es, settings, ref)
    except CaseError as exc:
        fail(str(exc), 2)


@app.command("new")
def new(
    title: Annotated[str, typer.Option(help="what the case is about")],
    agency: Annotated[str, typer.Option(help="the agency that owns the case")],
    jurisdiction: Annotated[str | None, typer.Option(help="e.g. Clark County, NV")] = None,
    investigator: Annotated[
        list[str] | None, typer.Option(help="assigned investigator (repeat); default: you")
    ] = None,
    prosecutor: Annotated[str | None, typer.Option(help="the assigned prosecutor")] = None,
) -> None:
    """Open a case; prints its id."""
    from leads.cases import CaseError, new_case

    es, settings, user = _context()
    try:
        case = new_case(
            es, settings, title, agency, user, jurisdiction, investigator or None, prosecutor
        )
    except CaseError as exc:
        fail(str(exc), 2)
    print(case.id)


@app.command("add")
def add(
    case: CaseArg,
    ref: Annotated[str, typer.Argument(help="a lead id, employer:<id>, or a selector (phone:+1…)")],
    why: Annotated[str | None, typer.Option(help="why it is pulled in")] = None,
    max_docs: Annotated[int, typer.Option(help="stop a network pull after this many ads")] = 500,
    entered: Annotated[
        bool,
        typer.Option(
            "--entered",
            help="a selector the investigation found elsewhere (a tip, an interview, a "
            "return): held as entered, with --why saying where it came from",
        ),
    ] = False,
) -> None:
    """Pull a lead, an employer or a selector's whole network into the holding bin,
    frozen as it is now."""
    from leads.cases import CaseError
    from leads.cases import add as add_items

    es, settings, user = _context()
    found = _case(es, settings, case)
    try:
        added = add_items(es, settings, found, ref, user, why, max_docs, entered)
    except CaseError as exc:
        fail(str(exc), 2)
    kinds = Counter(i.kind for i in added)
    print(
        f"{found.id}: {len(added)} items added to the holding bin ({dict(sorted(kinds.items()))})"
    )


@app.command("note")
def note(case: CaseArg, text: Annotated[str, typer.Argument(help="the note")]) -> None:
    """Add a note to the case."""
    from leads.cases import CaseError, add_note

    es, settings, user = _context()
    try:
        add_note(es, settings, _case(es, settings, case), text, user)
    except CaseError as exc:
        fail(str(exc), 2)


@app.command("close")
def close(
    case: CaseArg, reason: Annotated[str, typer.Option(help="why the case is closed")]
) -> None:
    """Close a case (its items and retention stay; `reopen` undoes it)."""
    _set_status(case, "closed", reason)


@app.command("reopen")
def reopen(
    case: CaseArg, reason: Annotated[str, typer.Option(help="why the case is reopened")]
) -> None:
    """Reopen a closed case."""
    _set_status(case, "open", reason)


def _set_status(case: str, status: Literal["open", "closed"], reason: str) -> None:
    from leads.cases import CaseError, set_status

    es, settings, user = _context()
    found = _case(es, settings, case)
    try:
        set_status(es, settings, found, status, reason, user)
    except CaseError as exc:
        fail(str(exc), 2)
    if status == "closed":
        _withdraw_pointers(es, settings, found, user)


def _withdraw_pointers(es: Any, settings: Any, case: Any, user: str) -> None:
    """A closed case's pointers leave the hub: nobody should be told to call about it."""
    from lantern.hub.client import HubUnavailable
    from lantern.jobs.deconfliction import withdraw_closed

    try:
        count = withdraw_closed(es, settings, case, user)
    except HubUnavailable as exc:
        say(
            f"warning: {case.id} is closed but its pointers are still at the hub ({exc}); "
            f"run `lantern deconflict withdraw {case.number}`"
        )
        return
    if count is not None:
        print(f"{case.id}: withdrawn from the hub: {count} pointers and operations")


@app.command("deconflict")
def deconflict(
    case: CaseArg,
    include_holding: Annotated[
        bool, typer.Option("--all", help="the holding bin's selectors too, not only subjects")
    ] = False,
    contact: Annotated[
        str | None, typer.Option(help="who other agencies should call (default: you)")
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="how long the pointers live (default 730; 30 to 1826)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="conflicts as JSON Lines")] = False,
) -> None:
    """Deconflict the case with other agencies through the hub: its subjects' selectors
    go blinded; conflicts come back with the other agency's contact."""
    from lantern.cli.deconflict import deconflict_case

    deconflict_case(case, include_holding, contact, days, as_json)


@app.command("promote")
def promote(
    case: CaseArg,
    item: Annotated[
        str, typer.Argument(help="the held item, e.g. selector:phone:+1… or phone:+1…")
    ],
    note: Annotated[str, typer.Option(help="the reasonable-suspicion note (required)")] = "",
) -> None:
    """Make a held selector or employer a subject, on a written reasonable-suspicion note."""
    from leads.cases import CaseError
    from leads.cases import promote as promote_item

    es, settings, user = _context()
    try:
        done = promote_item(es, settings, _case(es, settings, case), item, note, user)
    except CaseError as exc:
        fail(str(exc), 2)
    print(one_line(f"{done.key} is a subject of {case}", 2000))


@app.command("refresh")
def refresh(
    case: CaseArg,
    apply: Annotated[bool, typer.Option(help="add what changed (default: only show it)")] = False,
) -> None:
    """What changed since the pulls: new items, and items whose content moved on."""
    from leads.cases import refresh as refresh_case

    es, settings, user = _context()
    changes = refresh_case(es, settings, _case(es, settings, case), user, apply)
    for key in changes.new:
        print(one_line(f"new      {key}", 2000))
    for key in changes.changed:
        print(one_line(f"changed  {key}", 2000))
    verb = "added" if apply else "not added (use --apply)"
    print(f"{len(changes.new)} new, {len(changes.changed)} changed; {verb}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="JSON Lines")] = False) -> None:
    """Every case."""
    from leads.cases import list_cases

    es, settings, _ = _context()
    for case in list_cases(es, settings):
        if as_json:
            print(case.model_dump_json())
        else:
            print(one_line(f"{case.id}  [{case.status}]  {case.title}  ({case.agency})", 1000))


@app.command("show")
def show(case: CaseArg, out: OutOption = None) -> None:
    """The case: subjects, holding bin, notes (readable), or JSON with --out."""
    from leads.audit import record
    from leads.cases import items

    es, settings, user = _context()
    found = _case(es, settings, case)
    held = items(es, settings, found)
    record(es, settings, "case.show", case_id=found.id, user=user, details={"items": len(held)})
    if out:
        with open_out(out) as sink:
            body = {
                "case": found.model_dump(),
                "items": [i.model_dump() for i in held],
            }
            sink.write(json.dumps(body, ensure_ascii=False) + "\n")
        return
    for line in render(found, held):
        print(one_line(line, 2000))


def render(case: Any, held: list[Any]) -> list[str]:
    lines = [
        f"{case.id}  {case.title}",
        f"  agency: {case.agency}"
        + (f"; jurisdiction: {case.jurisdiction}" if case.jurisdiction else "")
        + f"; status: {case.status}",
        f"  investigators: {', '.join(case.investigators)}"
        + (f"; prosecutor: {case.prosecutor}" if case.prosecutor else ""),
    ]
    subjects = [i for i in held if i.role == "subject"]
    lines.append(f"  subjects ({len(subjects)}):")
    for item in subjects:
        lines.append(f"    {item.key}  (by {item.promotion.by} at {item.promotion.at})")
        lines.append(f"      reasonable suspicion: {item.promotion.note}")
    holding = [i for i in held if i.role == "holding"]
    lines.append(f"  holding bin ({len(holding)}):")
    for item in holding:
        what = item.key
        if item.kind == "lead":
            lead = item.snapshot.get("lead") or {}
            what += f"  score {lead.get('score')} {lead.get('tier')}  {lead.get('title') or ''}"
        lines.append(f"    {what}")
        lines.append(
            f"      added by {item.added_by} at {item.added_at}"
            + (f" via {item.via}" if item.via else "")
            + f"; snapshot sha256 {item.snapshot_sha256[:16]}…"
        )
    if case.notes:
        lines.append("  notes:")
        lines += [f"    {n.at} {n.by}: {n.text}" for n in case.notes]
    return lines


@app.command("money")
def money(case: CaseArg, out: OutOption = None) -> None:
    """Follow the money: payment handles, crypto addresses, prices, volume and a revenue
    range with its method."""
    from leads.audit import record
    from leads.cases import items, lead_snapshots
    from leads.money import follow_the_money

    es, settings, user = _context()
    found = _case(es, settings, case)
    summary = follow_the_money(lead_snapshots(items(es, settings, found)))
    record(es, settings, "case.money", case_id=found.id, user=user)
    if out:
        with open_out(out) as sink:
            sink.write(summary.model_dump_json() + "\n")
        return
    for line in render_money(summary):
        print(one_line(line, 2000))


def render_money(summary: Any) -> list[str]:
    lines = [
        f"payment handles: {', '.join(summary.payment_handles) or 'none stated'}",
        "crypto addresses: "
        + (
            ", ".join(f"{c['address']} ({c['chain']})" for c in summary.crypto_addresses)
            or "none stated"
        ),
        f"stated prices: {', '.join(f'{p:g}' for p in summary.prices) or 'none'}",
        f"ads: {summary.ads} from {summary.first_day} to {summary.last_day} "
        f"({summary.days} days, {summary.ads_per_day:g} per day)",
        f"places: {', '.join(summary.places) or 'none stated'}",
        f"revenue estimate: ${summary.revenue_low:,.0f} to ${summary.revenue_high:,.0f}",
        f"  method: {summary.method}",
    ]
    return lines


@app.command("worksheet")
def worksheet(
    case: CaseArg,
    fmt: Annotated[str, typer.Option("--format", help="text, csv or xlsx")] = "text",
    out: Annotated[str | None, typer.Option(help="file for csv or xlsx")] = None,
    preservation: Annotated[
        bool, typer.Option(help="print the § 2703(f) preservation-request drafts")
    ] = False,
) -> None:
    """Who holds the records of each selector, what to request, and preservation drafts."""
    from pathlib import Path

    from leads.audit import record
    from leads.cases import case_selectors, items
    from leads.legalprocess import preservation_drafts
    from leads.legalprocess import worksheet as build
    from leads.sheets import write_csv, write_xlsx

    es, settings, user = _context()
    found = _case(es, settings, case)
    held = items(es, settings, found)
    rows = build(case_selectors(held))
    record(es, settings, "case.worksheet", case_id=found.id, user=user, details={"format": fmt})
    table = [
        [
            r.selector,
            r.holder,
            "; ".join(r.records),
            r.process,
            r.note,
            "; ".join(f"{k}: {v}" for k, v in r.details.items()),
            r.source,
        ]
        for r in rows
    ]
    header = ["selector", "holder", "records", "process", "note", "details", "source"]
    if fmt in ("csv", "xlsx"):
        if not out:
            fail(f"--format {fmt} needs --out FILE", 2)
        if fmt == "csv":
            write_csv(Path(out), header, table)
        else:
            item_rows = [
                [i.key, i.kind, i.role, i.added_by, i.added_at, i.why or "", i.snapshot_sha256]
                for i in held
            ]
            write_xlsx(
                {
                    "worksheet": (header, table),
                    "items": (
                        ["key", "kind", "role", "added_by", "added_at", "why", "snapshot_sha256"],
                        item_rows,
                    ),
                },
                Path(out),
            )
        print(f"{len(rows)} selectors -> {out}")
        return
    if fmt != "text":
        fail(f"--format must be text, csv or xlsx, not {fmt!r}", 2)
    for row in table:
        print(one_line(" | ".join(row), 3000))
    if preservation:
        for holder, text in preservation_drafts(rows, found.model_dump()).items():
            print("\n" + one_line(f"===== preservation request: {holder} =====", 2000))
            for line in text.splitlines():
                print(one_line(line, 3000) if line else "")


@app.command("export")
def export(
    case: CaseArg,
    out: Annotated[str, typer.Option("--out", help="the package to write (a .zip)")],
    timestamp: Annotated[
        bool, typer.Option(help="timestamp the manifest (needs LANTERN_TSA_URL)")
    ] = True,
) -> None:
    """Write the evidence package: WACZ, screenshots, per-ad data, custody, report,
    manifest (and an RFC 3161 timestamp when a timestamp authority is set)."""
    from pathlib import Path

    from leads.package import export_case
    from leads.timestamps import request_timestamp

    es, settings, user = _context()
    found = _case(es, settings, case)
    stamp = None
    if timestamp and settings.tsa_url:
        url = settings.tsa_url

        def stamp(data: bytes) -> bytes:
            return request_timestamp(url, data)

    from leads.timestamps import TimestampError

    try:
        done = export_case(es, settings, found, Path(out), user, stamp)
    except TimestampError as exc:
        fail(f"{exc}; nothing was written (export again with --no-timestamp to go without)")
    for gap in done.missing:
        print(one_line(f"missing evidence: {gap}", 2000))
    print(
        f"{done.path}: {done.files} files, {done.ads} ads, manifest sha256 "
        f"{done.manifest_sha256}" + ("; timestamped" if done.timestamped else "; no timestamp")
    )


@app.command("verify")
def verify(
    package: Annotated[str, typer.Argument(help="an evidence package (.zip)")],
    tsa_ca: Annotated[
        str | None, typer.Option(help="root certificate(s) of the timestamp authority (PEM)")
    ] = None,
) -> None:
    """Check every hash, the WACZ's digests, the zip's layout and the timestamp; name
    each thing that is wrong. Exit 1 when anything is."""
    from pathlib import Path

    from leads.package import verify as check
    from leads.timestamps import check_timestamp, load_certificates

    settings = get_settings()
    ca = Path(tsa_ca) if tsa_ca else settings.tsa_ca_file
    roots = load_certificates(ca) if ca else None

    def stamp_check(token: bytes, data: bytes) -> str | None:
        return check_timestamp(token, data, roots or [])

    problems = check(Path(package), stamp_check if roots else None)
    for problem in problems:
        print(one_line(problem, 2000))
    if problems:
        fail(f"{package}: {len(problems)} problem(s): the package is NOT intact")
    note = "" if roots else " (a timestamp, if present, was not checked: give --tsa-ca)"
    print(f"{package}: intact{note}")
