"""``lantern guestworker …``: DOL guest-worker files in, resolved employers with
explained risk flags out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lantern.cli.options import OutOption, elasticsearch, get_settings, open_out, say

app = typer.Typer(help="H-2A/H-2B disclosures, job orders, WHD cases, debarments.")


@app.command("ingest")
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="xlsx, csv or json files (or folders)")],
    resolve: Annotated[bool, typer.Option(help="re-resolve employers afterwards")] = True,
) -> None:
    """Load files into lantern-gw-records (each recorded in lantern-gw-files), then
    re-resolve the employers the new rows can change and compute their flags."""
    from lantern.jobs.guestworker import ingest_files
    from leads.guestworker.ingest import SUFFIXES

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            say(f"guestworker: {path}: no such file")
    if not files:
        say("guestworker: no files to load")
        raise typer.Exit(2)
    settings = get_settings()
    report, summary = ingest_files(elasticsearch(settings), settings, files, resolve)
    for f in report.files:
        line = {k: v for k, v in vars(f).items() if v not in (None, "")}
        print(json.dumps({"file": line}), file=sys.stderr)
    print(json.dumps({"guestworker_summary": summary}), file=sys.stderr)
    # Nothing could be used: every file refused, or no row of any file loaded.
    if report.rows_loaded == 0 and any(f.status != "already loaded" for f in report.files):
        raise typer.Exit(1)


@app.command("flags")
def flags(
    min_risk: Annotated[int, typer.Option(help="only employers at or above this risk")] = 0,
    out: OutOption = "-",
) -> None:
    """One JSON object per resolved employer: employer, aliases, case_numbers, risk,
    flags [{flag, reason}], sources — highest risk first."""
    from lantern.jobs.guestworker import assess_stored
    from leads.guestworker.employers import employer_json

    settings = get_settings()
    assessments = assess_stored(elasticsearch(settings), settings)
    with open_out(out) as stream:
        for a in assessments:
            if a.risk >= min_risk:
                stream.write(json.dumps(employer_json(a), ensure_ascii=False) + "\n")
