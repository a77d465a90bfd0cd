"""What may be collected: ``profiles`` (site profiles), ``sources`` (every registered
source and whether it may run) and ``airflow-pools`` (one pool per site and per kind)."""

from __future__ import annotations

import json

import typer

from lantern.cli.options import fail


def register(app: typer.Typer) -> None:
    app.command()(profiles)
    app.command()(sources)
    app.command("airflow-pools")(airflow_pools)


def profiles() -> None:
    """List the registered site profiles (validating every one)."""
    from crawlers.profiles import ProfileError, registered_profiles

    try:
        for p in registered_profiles():
            state = "enabled" if p.enabled else "disabled"
            typer.echo(f"{p.id}\t{p.family}\t{state}\trender={p.render}\t{p.base_url}")
    except ProfileError as exc:
        fail(str(exc), 2)


def sources() -> None:
    """List every registered source (social and sites) and whether it may run, or why not."""
    from crawlers.profiles import ProfileError
    from crawlers.social.registry import RegistryError, refusal, registered_sources

    try:
        for s in registered_sources():
            why = refusal(s)
            typer.echo(f"{s.id}\t{s.kind}\t{'runnable' if why is None else 'refused: ' + why}")
    except (RegistryError, ProfileError) as exc:
        fail(str(exc), 2)


def airflow_pools() -> None:
    """Print one Airflow pool per registered site and social kind, for `airflow pools import`."""
    from lantern.local.airflow import pools

    typer.echo(json.dumps({p["name"]: p for p in pools()}, indent=2))
