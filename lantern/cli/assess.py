"""``lantern assess`` (the regional threat assessment) and ``lantern tips …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lantern.cli.options import elasticsearch, fail, get_settings, say
from leads.text import one_line

tips = typer.Typer(help="Tips from hotlines, 911, partners and complaints (sensitive).")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)


def assess(
    region: Annotated[str, typer.Option(help="the state, as its USPS code (GA, CA)")],
    period: Annotated[str, typer.Option(help="a quarter (2026-Q3), a month (2026-07) or a year")],
    out: Annotated[Path, typer.Option(help="report.html, or report.pdf for the PDF")],
    county: Annotated[
        str | None, typer.Option(help="a county of the state, by name or FIPS code")
    ] = None,
    shareable: Annotated[
        bool,
        typer.Option(
            "--shareable",
            help="the edition for partners: counts under 3 suppressed; no selectors, "
            "names, case numbers, URLs or tips",
        ),
    ] = False,
) -> None:
    """Write the threat assessment of a region for a period: sex and labor trafficking,
    and the change since the previous period."""
    from lantern.jobs.assessment import run_assessment, write_report
    from leads.assessment.periods import PeriodError, parse_period
    from leads.audit import current_user
    from leads.regions import RegionError, resolve

    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        fail(f"--out {str(out)!r} must end in .html or .pdf", 2)
    if out.is_dir():
        fail(f"--out {str(out)!r} is a folder: give the report's file name", 2)
    try:
        where = resolve(region, county)
        when = parse_period(period)
    except (RegionError, PeriodError) as exc:
        fail(str(exc), 2)
    settings = get_settings()
    es = elasticsearch(settings)
    a = run_assessment(es, settings, where, when)
    written = write_report(
        es, settings, a, out, "shareable" if shareable else "full", current_user(settings)
    )
    print(f"{written.edition} edition of {where.label}, {when.label}: {out} "
          f"(sha256 {written.sha256[:16]}…)")  # fmt: skip


@tips.command("ingest")
def ingest(
    path: Annotated[Path, typer.Argument(help="tips as .csv or .jsonl (see leads/tips.py)")],
) -> None:
    """Read tips, find selectors in their text, link them to ads, networks and
    employers, and store them in the tips index. Prints each tip and its links."""
    from lantern.jobs.tips import ingest_tips
    from leads.audit import current_user

    if not path.is_file():
        fail(f"{path}: {'a folder, not a file' if path.is_dir() else 'no such file'}", 2)
    settings = get_settings()
    es = elasticsearch(settings)
    try:
        report = ingest_tips(es, settings, path, current_user(settings))
    except (ValueError, UnicodeDecodeError) as exc:
        fail(one_line(f"{path.name}: {exc}", 500), 2)
    for error in report.errors:
        say(one_line(f"refused: {error}", 500))
    for tip in report.tips:
        kinds = {k: sum(1 for x in tip.links if x.kind == k) for k in ("ad", "network", "employer")}
        print(
            one_line(
                f"tip {tip.id} ({tip.channel}, {tip.state}{'/' + tip.county if tip.county else ''}"
                f", {tip.received_at:%Y-%m-%d}): {kinds['ad']} ad(s), {kinds['network']} "
                f"network(s), {kinds['employer']} employer(s) linked",
                500,
            )
        )
        for x in tip.links:
            if x.kind != "ad":
                print(one_line(f"  {x.kind} {x.label}: {x.reason}", 500))
    print(f"{report.read} read = {report.stored} stored + {len(report.errors)} refused")
    if report.read and not report.stored:
        raise typer.Exit(1)


@tips.command("relink")
def relink() -> None:
    """Link every stored tip again, after new ads or guest-worker records came in."""
    from lantern.jobs.tips import relink_tips
    from leads.audit import current_user

    settings = get_settings()
    done = relink_tips(elasticsearch(settings), settings, current_user(settings))
    print(f"{done} tip(s) linked again")
