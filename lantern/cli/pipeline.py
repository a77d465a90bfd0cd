"""The pipeline's verbs: ``crawl``, ``extract``, ``index``, ``score``, ``leads``."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from lantern.cli.options import (
    BatchOption,
    InputArgument,
    OutOption,
    check_batch_option,
    check_not_input,
    elasticsearch,
    fail,
    get_settings,
    input_name,
    new_batch_id,
    open_input,
    open_out,
    say,
)
from leads.limits import MAX_TEXT_CHARS
from leads.text import one_line


def _stderr() -> Any:
    """The console progress bars draw on: stderr, so stdout stays pure JSON Lines. Only
    fixed text is ever drawn through it (it interprets markup)."""
    from rich.console import Console

    return Console(stderr=True)


def _progress_bar() -> Any:
    from rich.progress import Progress

    return Progress(console=_stderr(), transient=True)


class _NoProgress:
    """What ``extract`` uses instead of a progress bar when its records go to stdout:
    nothing to draw, so rich is not even imported (start-up time)."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: int) -> None:
        return None


def register(app: typer.Typer) -> None:
    for command in (crawl, extract, index, score, leads):
        app.command()(command)


def crawl(
    profile: Annotated[str, typer.Argument(help="profile id or path to a profile YAML")],
    batch_id: BatchOption = None,
    base_url: Annotated[str | None, typer.Option(help="override the profile's base_url")] = None,
    out: OutOption = None,
    index: Annotated[bool, typer.Option(help="index raw documents into Elasticsearch")] = True,
) -> None:
    """Crawl one site profile (in a subprocess: Twisted's reactor runs once per process).
    Exits non-zero when no page could be used."""
    from lantern.jobs.crawling import crawl as run_crawl

    batch = batch_id or new_batch_id()
    extra = ["--base-url", base_url] if base_url else []
    extra += ["--out", out] if out else []
    extra += [] if index else ["--no-index"]
    say(f"crawling {profile} as batch {batch}")
    raise typer.Exit(run_crawl(profile, batch, *extra))


def _extract_inputs(stream: Any, stats: dict[str, int]) -> Iterator[tuple[str, str]]:
    from leads.jsonl import read_jsonl

    for line in read_jsonl(stream):
        if line.data is None:
            say(f"line {line.number}: skipped: {line.error}")
            stats["errors"] += 1
            continue
        text = line.data.get("text")
        record_id = str(line.data.get("id", f"line-{line.number}"))
        if not isinstance(text, str):
            say(f"line {line.number} (id {record_id}): skipped: no 'text' string")
            stats["errors"] += 1
            continue
        if line.replaced:
            say(
                f"line {line.number} (id {record_id}): {line.replaced} lone surrogate(s) "
                "replaced by U+FFFD (offsets unchanged)"
            )
        if len(text) > MAX_TEXT_CHARS:
            say(
                f"line {line.number} (id {record_id}): text is {len(text):,} characters; "
                f"extracted from the first {MAX_TEXT_CHARS:,}"
            )
        stats["read"] += 1
        yield record_id, text


def extract(
    input: InputArgument = None,
    out: OutOption = "-",
    model: Annotated[str | None, typer.Option(help="optional spaCy model package")] = None,
) -> None:
    """Indicators, entities, score, tier and explanation for each {"id", "text"} line."""
    # While spaCy is imported and the pipeline built, the heap only grows: the garbage
    # collector rescanned it again and again for a few thousand cyclic objects (under a
    # megabyte, kept), a fifth of the time to the first record. The pipeline is frozen
    # when built (get_pipeline); collection resumes for the records.
    gc.disable()
    try:
        from nlp.pipeline import ModelError, extract_many, get_pipeline

        get_pipeline(model or get_settings().spacy_model)
    except ModelError as exc:
        fail(str(exc), 2)
    finally:
        gc.enable()
    check_not_input(out, input)
    stats = {"read": 0, "errors": 0}
    # A progress bar only when the records go to a file: stdout stays pure JSON Lines.
    progress = _NoProgress() if out in (None, "-") else _progress_bar()
    with open_input(input) as stream, open_out(out) as sink, progress:
        task = progress.add_task("extracting", total=None)
        for extraction in extract_many(_extract_inputs(stream, stats), model=model):
            sink.write(extraction.model_dump_json() + "\n")
            progress.advance(task)
    say(f"extract: {stats['read']} records, {stats['errors']} skipped")
    if stats["read"] == 0 and stats["errors"] > 0:
        raise typer.Exit(1)


def index(
    input: InputArgument = None,
    kind: Annotated[str, typer.Option(help="raw or leads")] = "raw",
) -> None:
    """Validate and bulk-index JSON Lines; bad records become dead letters with reasons.
    Exits non-zero when nothing was indexed."""
    from rich.progress import Progress

    from lantern.jobs.indexing import MODELS, IndexRun, index_jsonl
    from leads.store import StoreUnavailable

    if kind not in MODELS:
        fail(f"--kind must be one of {sorted(MODELS)}", 2)
    settings = get_settings()
    name = input_name(input)
    run = IndexRun()

    def dead(letter: Any) -> None:
        say(f"{letter.record_id}: {letter.reason}")

    with open_input(input) as stream:
        es = elasticsearch(settings)
        with Progress(transient=True, console=_stderr()) as progress:
            task = progress.add_task("indexing", total=None)
            try:
                index_jsonl(
                    es, settings, stream, name, kind, run, lambda: progress.advance(task), dead
                )
            except StoreUnavailable as exc:
                fail(
                    f"{exc}. {run.report.indexed} indexed and {run.dead_letters} dead letters "
                    "before it went; re-run the same command to finish (ids are stable)"
                )
    say(f"index: {run.report.indexed} indexed, {run.dead_letters} dead letters")
    if run.report.indexed == 0 and run.lines > 0:
        raise typer.Exit(1)


def score(
    batch_id: Annotated[
        str,
        typer.Option(help="the batch whose raw documents to score", callback=check_batch_option),
    ],
    source: Annotated[str | None, typer.Option(help="only this source id")] = None,
) -> None:
    """Extract and score a batch's raw documents into leads (idempotent)."""
    from lantern.jobs.scoring import score_batch

    settings = get_settings()
    result = score_batch(elasticsearch(settings), settings, batch_id, source)
    typer.echo(json.dumps({"batch_id": batch_id, **result}))


def leads(
    top: Annotated[int, typer.Option(help="how many leads", min=1, max=10_000)] = 10,
    batch_id: Annotated[
        str | None, typer.Option(help="only this batch", callback=check_batch_option)
    ] = None,
    out: OutOption = None,
) -> None:
    """Print the highest-scoring leads with their reasons (or write them as JSON Lines)."""
    from leads.audit import record
    from leads.batches import top_leads

    settings = get_settings()
    es = elasticsearch(settings)
    found = top_leads(es, settings, top, batch_id)
    record(
        es, settings, "consult.leads", target=batch_id, details={"top": top, "shown": len(found)}
    )
    if out:
        with open_out(out) as sink:
            for lead in found:
                sink.write(json.dumps(lead) + "\n")
        return
    print_leads(found)


def print_leads(found: list[dict[str, Any]]) -> None:
    """Leads for a person at a terminal: every field from a crawled page is cleaned of
    escape sequences and printed as plain text (``[bold]`` in a title stays as it is)."""
    for rank, lead in enumerate(found, 1):
        title = one_line(lead.get("title") or "", 300)
        print(f"{rank:>2}. {lead['score']:>3} {lead['tier']:<6} {title}")
        print(f"     {one_line(lead['url'], 500)}  ({one_line(lead['source_id'])})")
        if lead["selectors"]:
            print(f"     selectors: {one_line(', '.join(lead['selectors']))}")
        for reason in lead["explanation"]:
            print(f"     - {one_line(reason)}")
