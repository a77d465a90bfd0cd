"""``lantern guestworker …``: DOL guest-worker files in, resolved employers with
explained risk flags out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from leads.settings import get_settings

guestworker_app = typer.Typer(help="H-2A/H-2B disclosures, job orders, WHD cases, debarments.")


@guestworker_app.command("ingest")
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="xlsx, csv or json files (or folders)")],
    resolve: Annotated[bool, typer.Option(help="re-resolve employers afterwards")] = True,
) -> None:
    """Load files into lantern-gw-records (each recorded in lantern-gw-files), then
    re-resolve the employers the new rows can change and compute their flags."""
    from leads.cli import _es
    from leads.guestworker.pipeline import ingest as load_files
    from leads.guestworker.pipeline import resolve_changed

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.iterdir() if p.suffix.lower() in (".xlsx", ".csv", ".json")
            )
        elif path.exists():
            files.append(path)
        else:
            print(f"guestworker: {path}: no such file", file=sys.stderr)
    settings = get_settings()
    es = _es()
    report = load_files(es, settings, files)
    for f in report.files:
        line = {k: v for k, v in vars(f).items() if v not in (None, "")}
        print(json.dumps({"file": line}), file=sys.stderr)
    summary: dict[str, object] = {"rows_loaded": report.rows_loaded}
    if resolve:
        summary.update(resolve_changed(es, settings, report.record_ids))
    print(json.dumps({"guestworker_summary": summary}), file=sys.stderr)
    if files and all(f.status == "refused" for f in report.files):
        raise typer.Exit(1)
    if not files:
        raise typer.Exit(2)


@guestworker_app.command("flags")
def flags(
    min_risk: Annotated[int, typer.Option(help="only employers at or above this risk")] = 0,
    out: Annotated[str, typer.Option("--out", help="JSON Lines here ('-' for stdout)")] = "-",
) -> None:
    """One JSON object per resolved employer: employer, aliases, case_numbers, risk,
    flags [{flag, reason}], sources — highest risk first."""
    from leads.cli import _es, _open_out
    from leads.guestworker.pipeline import assess_all, employer_json, load_records

    settings = get_settings()
    es = _es()
    assessments = sorted(
        assess_all(load_records(es, settings)), key=lambda a: (-a.risk, a.employer.name)
    )
    with _open_out(out) as stream:
        for a in assessments:
            if a.risk >= min_risk:
                stream.write(json.dumps(employer_json(a), ensure_ascii=False) + "\n")
