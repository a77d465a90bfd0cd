"""Social collection as the DAG runs it: the registered sources of one kind that may
run, the ones that may not (with why), and one registered source collected."""

from __future__ import annotations

from typing import Any

from leads.settings import Settings


def runnable(kind: str, settings: Settings) -> list[str]:
    """Ids of the registered, enabled, allowed sources of one kind (read at run time)."""
    from crawlers.social.registry import load_sources, refusal

    sources = load_sources(settings.sources_dir)
    return [s.id for s in sources if s.kind == kind and refusal(s) is None]


def refused(settings: Settings) -> dict[str, str]:
    """Every registered source that will not run, with the reason."""
    from crawlers.social.registry import load_sources, refusal

    return {s.id: why for s in load_sources(settings.sources_dir) if (why := refusal(s))}


def collect_registered(
    es: Any, settings: Settings, source_id: str, batch_id: str
) -> dict[str, str]:
    """Collects one registered source into the batch; returns the batch reference."""
    from crawlers.social.collect import collect_source
    from crawlers.social.registry import RegistryError, load_sources
    from crawlers.social.sink import print_summary

    found = [s for s in load_sources(settings.sources_dir) if s.id == source_id]
    if not found:
        raise RegistryError(f"no registered source {source_id!r}")
    print_summary(collect_source(found[0], batch_id, es=es, settings=settings))
    return {"batch_id": batch_id, "source_id": source_id}


def site_families() -> dict[str, list[Any]]:
    """The enabled site profiles by family: one collection DAG per family."""
    from crawlers.profiles import registered_profiles

    families: dict[str, list[Any]] = {}
    for profile in registered_profiles():
        if profile.enabled:
            families.setdefault(profile.family, []).append(profile)
    return families


def social_kinds() -> tuple[str, ...]:
    """The kinds of social source Lantern has a collector for."""
    from crawlers.social.registry import COLLECTABLE

    return COLLECTABLE
