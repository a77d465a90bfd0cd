"""The ``lantern`` command line: verbs that each do one job and stream JSON Lines."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress

from leads.cli_collect import collect_app
from leads.cli_guestworker import guestworker_app
from leads.jsonl import read_jsonl
from leads.settings import get_settings

app = typer.Typer(help="Lantern: explainable leads from public material.", no_args_is_help=True)
app.add_typer(collect_app, name="collect")
app.add_typer(guestworker_app, name="guestworker")
err = Console(stderr=True)

# Kept in step with nlp.pipeline.MAX_CHARS without importing spaCy for `--help`.
MAX_TEXT_CHARS = 100_000

OutOption = Annotated[
    str | None, typer.Option("--out", help="write JSON Lines here ('-' for stdout)")
]


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _es() -> Any:
    from leads.store import StoreError, connect, ensure_indices

    settings = get_settings()
    try:
        es = connect(settings)
    except StoreError as exc:
        _fail(f"{exc} (start one with `make es-up` or set ES_URL)")
    ensure_indices(es, settings)
    return es


def _open_out(out: str | None) -> TextIO | nullcontext[TextIO]:
    if out in (None, "-"):
        return nullcontext(sys.stdout)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return open(out, "w", encoding="utf-8")  # noqa: SIM115


def new_batch_id(prefix: str = "cli") -> str:
    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"


@app.command()
def crawl(
    profile: Annotated[str, typer.Argument(help="profile id or path to a profile YAML")],
    batch_id: Annotated[str | None, typer.Option(help="batch id (default: a new one)")] = None,
    base_url: Annotated[str | None, typer.Option(help="override the profile's base_url")] = None,
    out: OutOption = None,
    index: Annotated[bool, typer.Option(help="index raw documents into Elasticsearch")] = True,
) -> None:
    """Crawl one site profile (in a subprocess: Twisted's reactor runs once per process)."""
    batch = batch_id or new_batch_id()
    cmd = [sys.executable, "-m", "crawlers.run", profile, "--batch-id", batch]
    if base_url:
        cmd += ["--base-url", base_url]
    if out:
        cmd += ["--out", out]
    if not index:
        cmd.append("--no-index")
    err.print(f"crawling {profile} as batch {batch}")
    raise typer.Exit(subprocess.run(cmd, check=False).returncode)


def _extract_inputs(stream: Any, stats: dict[str, int]) -> Iterator[tuple[str, str]]:
    for line in read_jsonl(stream):
        if line.data is None:
            err.print(f"line {line.number}: skipped: {line.error}", highlight=False)
            stats["errors"] += 1
            continue
        text = line.data.get("text")
        record_id = str(line.data.get("id", f"line-{line.number}"))
        if not isinstance(text, str):
            err.print(
                f"line {line.number} (id {record_id}): skipped: no 'text' string", highlight=False
            )
            stats["errors"] += 1
            continue
        if len(text) > MAX_TEXT_CHARS:
            err.print(
                f"line {line.number} (id {record_id}): text is {len(text):,} characters; "
                f"extracted from the first {MAX_TEXT_CHARS:,}",
                highlight=False,
            )
        stats["read"] += 1
        yield record_id, text


@app.command()
def extract(
    input: Annotated[Path | None, typer.Argument(help="JSON Lines file (default: stdin)")] = None,
    out: OutOption = "-",
    model: Annotated[str | None, typer.Option(help="optional spaCy model package")] = None,
) -> None:
    """Indicators, entities, score, tier and explanation for each {"id", "text"} line."""
    from nlp.pipeline import ModelError, extract_many, get_pipeline

    try:
        get_pipeline(model or get_settings().spacy_model)
    except ModelError as exc:
        _fail(str(exc), 2)
    stats = {"read": 0, "errors": 0}
    source = open(input, "rb") if input else nullcontext(sys.stdin.buffer)  # noqa: SIM115
    # A progress bar only when the records go to a file: stdout stays pure JSON Lines.
    progress = Progress(console=err, transient=True, disable=out in (None, "-"))
    with source as stream, _open_out(out) as sink, progress:
        task = progress.add_task("extracting", total=None)
        for extraction in extract_many(_extract_inputs(stream, stats), model=model):
            sink.write(extraction.model_dump_json() + "\n")
            progress.advance(task)
    err.print(f"extract: {stats['read']} records, {stats['errors']} skipped", highlight=False)
    if stats["read"] == 0 and stats["errors"] > 0:
        raise typer.Exit(1)


@app.command()
def index(
    input: Annotated[Path, typer.Argument(help="JSON Lines of raw documents or leads")],
    kind: Annotated[str, typer.Option(help="raw or leads")] = "raw",
) -> None:
    """Validate and bulk-index JSON Lines; bad records become dead letters with reasons."""
    from leads.models import Lead, RawDocument
    from leads.store import bulk_index, dead_letter, record_dead_letters

    models: dict[str, type[RawDocument] | type[Lead]] = {"raw": RawDocument, "leads": Lead}
    if kind not in models:
        _fail(f"--kind must be one of {sorted(models)}", 2)
    es, settings = _es(), get_settings()
    dead = []

    def docs() -> Iterator[tuple[str, dict[str, Any]]]:
        with open(input, "rb") as stream, Progress(console=err, transient=True) as progress:
            task = progress.add_task(f"indexing {input.name}", total=None)
            for line in read_jsonl(stream):
                progress.advance(task)
                where = f"{input.name}:{line.number}"
                if line.data is None:
                    dead.append(dead_letter("index", where, line.error or "unreadable", None))
                    continue
                try:
                    doc = models[kind].model_validate(line.data)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    field = ".".join(str(p) for p in first["loc"])
                    dead.append(
                        dead_letter(
                            "index",
                            where,
                            f"{field}: {first['msg']}",
                            None,
                            json.dumps(line.data)[:2000],
                        )
                    )
                    continue
                yield doc.id, doc.model_dump(mode="json")

    report = bulk_index(es, settings, kind, docs(), stage="index", refresh=True)
    record_dead_letters(es, settings, dead)
    for letter in dead + report.failed:
        err.print(f"{letter.record_id}: {letter.reason}", highlight=False)
    err.print(f"index: {report.indexed} indexed, {len(dead) + len(report.failed)} dead letters")


@app.command()
def score(
    batch_id: Annotated[str, typer.Option(help="the batch whose raw documents to score")],
    source: Annotated[str | None, typer.Option(help="only this source id")] = None,
) -> None:
    """Extract and score a batch's raw documents into leads (idempotent)."""
    from leads.batches import score_batch

    result = score_batch(_es(), get_settings(), batch_id, source)
    typer.echo(json.dumps({"batch_id": batch_id, **result}))


@app.command()
def leads(
    top: Annotated[int, typer.Option(help="how many leads")] = 10,
    batch_id: Annotated[str | None, typer.Option(help="only this batch")] = None,
    out: OutOption = None,
) -> None:
    """Print the highest-scoring leads with their reasons (or write them as JSON Lines)."""
    from leads.batches import top_leads

    found = top_leads(_es(), get_settings(), top, batch_id)
    if out:
        with _open_out(out) as sink:
            for lead in found:
                sink.write(json.dumps(lead) + "\n")
        return
    console = Console(soft_wrap=True)
    for rank, lead in enumerate(found, 1):
        console.print(
            f"[bold]{rank:>2}. {lead['score']:>3} {lead['tier']:<6}[/bold] {lead['title'] or ''}",
            highlight=False,
        )
        console.print(f"     {lead['url']}  ({lead['source_id']})", highlight=False)
        if lead["selectors"]:
            console.print(f"     selectors: {', '.join(lead['selectors'])}", highlight=False)
        for reason in lead["explanation"]:
            console.print(f"     - {reason}", highlight=False)


@app.command()
def link(
    batch_id: Annotated[
        str | None, typer.Option(help="only the selectors this batch carries (default: all)")
    ] = None,
    out: OutOption = None,
) -> None:
    """Cluster near-duplicate ads, rebuild selector profiles and re-score the leads they
    touch, for a batch (or all); --out writes the batch's selector profiles."""
    from leads.clustering import cluster_batch
    from leads.entities import profile_id
    from leads.linking import batch_selectors, rescore
    from leads.linking import link as link_selectors

    es, settings = _es(), get_settings()
    templates = cluster_batch(es, settings, batch_id)
    profiles = link_selectors(es, settings, batch_id)
    rescored = rescore(es, settings, batch_id)
    summary = {"batch_id": batch_id, "templates": templates, "profiles": profiles,
               "rescored_leads": rescored}  # fmt: skip
    if out:
        ids = sorted(profile_id(s) for s in batch_selectors(es, settings, batch_id))
        with _open_out(out) as sink:
            for i in range(0, len(ids), 500):
                for doc in es.mget(index=settings.index("entities"), ids=ids[i : i + 500])["docs"]:
                    if doc.get("found"):
                        sink.write(json.dumps(doc["_source"]) + "\n")
        err.print(json.dumps(summary), highlight=False)
        return
    typer.echo(json.dumps(summary))


@app.command()
def network(
    selector: Annotated[str, typer.Argument(help="e.g. phone:+17025550142 or email:x@y.z")],
    out: OutOption = None,
    max_docs: Annotated[int, typer.Option(help="stop after this many ads")] = 500,
) -> None:
    """The network of ads around one selector: JSON with --out, else a readable tree."""
    from leads.linking import network as build_network
    from leads.linking import render_tree

    if ":" not in selector:
        _fail(f"selector {selector!r} must be type:value, e.g. phone:+17025550142", 2)
    net = build_network(_es(), get_settings(), selector, max_docs)
    if out:
        with _open_out(out) as sink:
            sink.write(net.model_dump_json() + "\n")
        return
    for line in render_tree(net):
        typer.echo(line)


@app.command()
def template(
    cluster_id: Annotated[str, typer.Argument(help="a cluster id (the selector template:<id>)")],
) -> None:
    """The shared wording of a near-duplicate cluster and what fills its slots per ad."""
    from leads.clustering import cluster_template

    shared, slots = cluster_template(_es(), get_settings(), cluster_id.removeprefix("template:"))
    if not slots:
        _fail(f"no cluster {cluster_id!r}", 1)
    typer.echo(f"template: {shared}")
    for doc_id, values in slots.items():
        typer.echo(f"  {doc_id}: " + " | ".join(values))


@app.command()
def profiles() -> None:
    """List the registered site profiles (validating every one)."""
    from crawlers.profiles import ProfileError, registered_profiles

    try:
        for p in registered_profiles():
            state = "enabled" if p.enabled else "disabled"
            typer.echo(f"{p.id}\t{p.family}\t{state}\trender={p.render}\t{p.base_url}")
    except ProfileError as exc:
        _fail(str(exc), 2)


@app.command("sources")
def sources() -> None:
    """List every registered source (social and sites) and whether it may run, or why not."""
    from leads.cli_collect import sources as list_sources

    list_sources()


@app.command("airflow-pools")
def airflow_pools() -> None:
    """Print one Airflow pool per registered site, for `airflow pools import`."""
    from leads.airflow_local import pools

    typer.echo(json.dumps({p["name"]: p for p in pools()}, indent=2))


@app.command("demo-server")
def demo_server(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8765,
    seed: Annotated[int, typer.Option(help="content seed")] = 7,
) -> None:
    """Serve the bundled synthetic boards on loopback until interrupted."""
    from crawlers.demosite.server import serve

    server, _ = serve(port, seed)
    err.print(f"demo boards on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()


def _print_risky_employers(settings: Any, size: int = 5) -> None:
    es = _es()
    hits = es.search(
        index=settings.index("gw-employers"),
        size=size,
        query={"range": {"risk": {"gte": 35}}},
        sort=[{"risk": "desc"}],
    )["hits"]["hits"]
    if hits:
        typer.echo("\nGuest-worker employers at medium or high risk:")
    for hit in hits:
        e = hit["_source"]
        typer.echo(f"{e['risk']:4d} {e['tier']:<7} {e['employer']}  ({len(e['sources'])} records)")
        for f in e["flags"]:
            typer.echo(f"     - {f['flag']}: {f['reason']}")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port for the demo boards")] = 8765,
    top: Annotated[int, typer.Option(help="how many leads to print")] = 10,
) -> None:
    """Serve the demo boards, run the collection DAGs through Airflow, print top leads."""
    from leads.demo import run_demo

    run_demo(port=port, top=top)
    leads(top=top, batch_id=None, out=None)
    settings = get_settings()
    _print_risky_employers(settings)
    err.print(
        "\nLook further:\n"
        f"  curl -s '{settings.es_url}/{settings.index('leads')}/_search?q=tier:high&size=5'\n"
        f"  curl -s '{settings.es_url}/{settings.index('deadletters')}/_search'\n"
        "  Kibana (docker compose up): data view on "
        f"'{settings.index('leads')}', filter tier:high, map on 'places'.\n"
        "  Saved objects: kibana/README.md",
        highlight=False,
    )


if __name__ == "__main__":
    app()
