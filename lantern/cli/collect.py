"""``lantern collect …``: social-media collection from the command line.

Each mode runs one source, registered (``lantern collect source ID``) or ad hoc
(``lantern collect mastodon --instance URL --hashtag TAG``); ad-hoc runs are checked
against the terms of their kind, and a registered source covering the same instance,
actor or channel decides (a disabled one stays refused). ``--out -`` writes one raw
document per post as JSON Lines; indexing into Elasticsearch is on unless
``--no-index``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lantern.cli.options import (
    BatchOption,
    OutOption,
    elasticsearch,
    fail,
    get_settings,
    new_batch_id,
    open_out,
)

app = typer.Typer(help="Collect public posts (Mastodon, Bluesky, Telegram).")

IndexOption = Annotated[
    bool, typer.Option(help="index into Elasticsearch and keep cursors in lantern-state")
]
PagesOption = Annotated[int, typer.Option(help="at most this many pages per target")]


def _run(
    kind: str, targets: dict[str, Any], out: str | None, index: bool, batch: str | None
) -> None:
    from crawlers.social.registry import RegistryError, SourceRefused, ad_hoc_source

    try:
        source = ad_hoc_source(kind, **targets)
    except (SourceRefused, RegistryError) as exc:
        fail(str(exc), 2)
    except ValueError as exc:
        fail(f"bad targets: {exc}", 2)
    _collect(source, out, index, batch)


def _collect(source: Any, out: str | None, index: bool, batch: str | None) -> None:
    from crawlers.social.collect import collect_source
    from crawlers.social.registry import SourceRefused
    from crawlers.social.sink import print_summary
    from leads.deadletters import spill_path

    batch_id = batch or new_batch_id("social")
    settings = get_settings()
    es = elasticsearch(settings) if index else None
    with open_out(out) as stream:
        try:
            report = collect_source(
                source,
                batch_id,
                es=es,
                out=stream if out else None,
                settings=settings,
                spill=spill_path(settings, batch_id, out),
            )
        except SourceRefused as exc:
            fail(str(exc), 2)
        stream.flush()
    print_summary(report)
    if report.posts == 0 and report.errors and not report.documents:
        raise typer.Exit(1)


@app.command("mastodon")
def mastodon(
    instance: Annotated[list[str], typer.Option(help="instance base URL (repeatable)")],
    hashtag: Annotated[list[str] | None, typer.Option(help="hashtag timeline")] = None,
    account: Annotated[list[str] | None, typer.Option(help="account statuses")] = None,
    public: Annotated[bool, typer.Option(help="the public timeline")] = False,
    max_pages: PagesOption = 10,
    out: OutOption = None,
    index: IndexOption = True,
    batch_id: BatchOption = None,
) -> None:
    """Hashtag timelines, account statuses or public timelines of Mastodon instances."""
    if not (hashtag or account or public):
        fail("name at least one of --hashtag, --account, --public", 2)
    targets = {
        "instances": instance,
        "hashtags": hashtag or [],
        "accounts": account or [],
        "public_timeline": public,
        "max_pages": max_pages,
    }
    _run("mastodon", targets, out, index, batch_id)


@app.command("bluesky")
def bluesky(
    actor: Annotated[list[str], typer.Option(help="handle or DID (repeatable)")],
    appview: Annotated[str, typer.Option(help="AppView base URL")] = "https://public.api.bsky.app",
    max_pages: PagesOption = 10,
    out: OutOption = None,
    index: IndexOption = True,
    batch_id: BatchOption = None,
) -> None:
    """The posts of watched Bluesky accounts (app.bsky.feed.getAuthorFeed)."""
    targets = {"actors": actor, "appview": appview, "max_pages": max_pages}
    _run("bluesky_appview", targets, out, index, batch_id)


@app.command("jetstream")
def jetstream(
    keyword: Annotated[list[str], typer.Option(help="watched word or phrase (repeatable)")],
    endpoint: Annotated[
        str, typer.Option(help="Jetstream subscribe URL")
    ] = "wss://jetstream2.us-east.bsky.network/subscribe",
    window: Annotated[float, typer.Option(help="seconds to listen")] = 60.0,
    out: OutOption = None,
    index: IndexOption = True,
    batch_id: BatchOption = None,
) -> None:
    """A bounded-window keyword watch on Bluesky's Jetstream, resuming from its cursor."""
    targets = {"keywords": keyword, "endpoint": endpoint, "window_seconds": window}
    _run("bluesky_jetstream", targets, out, index, batch_id)


@app.command("telegram")
def telegram(
    channel: Annotated[list[str], typer.Option(help="public channel name (repeatable)")],
    base_url: Annotated[str, typer.Option(help="preview site")] = "https://t.me",
    max_pages: PagesOption = 10,
    out: OutOption = None,
    index: IndexOption = True,
    batch_id: BatchOption = None,
) -> None:
    """Public Telegram channel previews (t.me/s/<channel>)."""
    targets = {"channels": channel, "base_url": base_url, "max_pages": max_pages}
    _run("telegram_preview", targets, out, index, batch_id)


@app.command("source")
def source(
    source_id: Annotated[str, typer.Argument(help="a registered source id (lantern sources)")],
    out: OutOption = None,
    index: IndexOption = True,
    batch_id: BatchOption = None,
) -> None:
    """One registered source, as the Airflow DAG runs it."""
    from crawlers.social.registry import RegistryError, load_sources

    try:
        found = [s for s in load_sources() if s.id == source_id]
    except RegistryError as exc:
        fail(str(exc), 2)
    if not found:
        fail(f"no registered source {source_id!r} (see `lantern sources`)", 2)
    _collect(found[0], out, index, batch_id)
