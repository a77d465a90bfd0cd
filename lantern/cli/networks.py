"""Linking verbs: ``link`` (templates, selector profiles, re-scoring), ``network`` (the
ads around one selector) and ``template`` (a near-duplicate cluster's shared wording)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lantern.cli.options import (
    OutOption,
    check_batch_option,
    elasticsearch,
    fail,
    get_settings,
    open_out,
    say,
)
from leads.text import one_line


def register(app: typer.Typer) -> None:
    for command in (link, network, template):
        app.command()(command)


def link(
    batch_id: Annotated[
        str | None,
        typer.Option(
            help="only the selectors this batch carries (default: all)",
            callback=check_batch_option,
        ),
    ] = None,
    out: OutOption = None,
) -> None:
    """Cluster near-duplicate ads, rebuild selector profiles and re-score the leads they
    touch, for a batch (or all); --out writes the batch's selector profiles."""
    from lantern.jobs.linking import link_batch
    from leads.entities import profile_id
    from leads.linking import batch_selectors

    settings = get_settings()
    es = elasticsearch(settings)
    summary = link_batch(es, settings, batch_id)
    if out:
        ids = sorted(profile_id(s) for s in batch_selectors(es, settings, batch_id))
        with open_out(out) as sink:
            for i in range(0, len(ids), 500):
                for doc in es.mget(index=settings.index("entities"), ids=ids[i : i + 500])["docs"]:
                    if doc.get("found"):
                        sink.write(json.dumps(doc["_source"]) + "\n")
        say(json.dumps(summary))
        return
    typer.echo(json.dumps(summary))


def network(
    selector: Annotated[str, typer.Argument(help="e.g. phone:+17025550142 or email:x@y.z")],
    out: OutOption = None,
    max_docs: Annotated[int, typer.Option(help="stop after this many ads")] = 500,
) -> None:
    """The network of ads around one selector: JSON with --out, else a readable tree."""
    from leads.linking import network as build_network
    from leads.linking import render_tree

    if ":" not in selector:
        fail(f"selector {selector!r} must be type:value, e.g. phone:+17025550142", 2)
    from leads.audit import record

    settings = get_settings()
    es = elasticsearch(settings)
    net = build_network(es, settings, selector, max_docs)
    record(
        es,
        settings,
        "consult.network",
        target=selector,
        outcome="ok" if net.docs else "failed",
        details={"ads": len(net.docs)},
    )
    if not net.docs:
        fail(f"no ad carries {selector}", 1)
    if out:
        with open_out(out) as sink:
            sink.write(net.model_dump_json() + "\n")
        return
    for line in render_tree(net):
        print(one_line(line, 1000))


def template(
    cluster_id: Annotated[str, typer.Argument(help="a cluster id (the selector template:<id>)")],
) -> None:
    """The shared wording of a near-duplicate cluster and what fills its slots per ad."""
    from leads.clustering import cluster_template

    settings = get_settings()
    es = elasticsearch(settings)
    shared, slots = cluster_template(es, settings, cluster_id.removeprefix("template:"))
    if not slots:
        fail(f"no cluster {cluster_id!r}", 1)
    print(f"template: {one_line(shared, 5000)}")
    for doc_id, values in slots.items():
        print(f"  {doc_id}: " + one_line(" | ".join(values), 2000))
