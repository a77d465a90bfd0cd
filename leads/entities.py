"""Selector profiles: one record per selector, built from the leads it appears in.

Pure functions: leads in, a :class:`SelectorProfile` out, with a plain-words summary
("phone +1… appears in 14 ads with 5 different stated ages across 4 states in 9 days").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from leads.ids import stable_id
from leads.models import SelectorProfile
from leads.taxonomy import LINKING_TYPES

# The profile lists at most this many document ids; doc_count keeps the true number.
MAX_DOC_IDS = 1000


def selector_of(entity: dict[str, Any]) -> str | None:
    """``type:value`` for entities that can link ads, else None."""
    if entity.get("type") in LINKING_TYPES:
        return f"{entity['type']}:{entity['value']}"
    return None


def profile_id(selector: str) -> str:
    return stable_id("selector", selector)


def _lead_facts(lead: dict[str, Any]) -> tuple[set[str], set[str], set[str], set[str]]:
    places, states, ages, names = set(), set(), set(), set()
    for e in lead.get("entities", []):
        kind, value = e.get("type"), str(e.get("value"))
        if kind == "location":
            places.add(value)
            states.add(value.rsplit(", ", 1)[-1] if ", " in value else value)
        elif kind == "age":
            ages.add(value)
        elif kind == "person":
            names.add(value)
    return places, states, ages, names


def build_profile(
    selector: str, leads: Iterable[dict[str, Any]], hub_threshold: int, batch_id: str | None
) -> SelectorProfile:
    kind, _, value = selector.partition(":")
    doc_ids: list[str] = []
    sources, places, states, ages, names = set(), set(), set(), set(), set()
    seen: list[datetime] = []
    for lead in leads:
        doc_ids.append(lead["id"])
        sources.add(lead["source_id"])
        p, s, a, n = _lead_facts(lead)
        places |= p
        states |= s
        ages |= a
        names |= n
        seen.append(seen_at(lead))
    if not doc_ids:
        raise ValueError(f"no leads carry {selector}")
    doc_ids.sort()
    hub = len(doc_ids) > hub_threshold
    first, last = min(seen), max(seen)
    return SelectorProfile(
        id=profile_id(selector),
        selector=selector,
        type=kind,
        value=value,
        doc_ids=doc_ids[:MAX_DOC_IDS],
        doc_count=len(doc_ids),
        sources=sorted(sources),
        places=sorted(places),
        states=sorted(states),
        ages=sorted(ages),
        names=sorted(names),
        first_seen=first,
        last_seen=last,
        hub=hub,
        explanation=explain(
            kind,
            value,
            len(doc_ids),
            ages,
            names,
            places,
            states,
            (last - first).days,
            hub,
            hub_threshold,
        ),
        batch_id=batch_id,
    )


def explain(
    kind: str,
    value: str,
    count: int,
    ages: set[str],
    names: set[str],
    places: set[str],
    states: set[str],
    days: int,
    hub: bool,
    hub_threshold: int,
) -> str:
    parts = [f"{kind.replace('_', ' ')} {value} appears in {count} ad{'s' if count != 1 else ''}"]
    if names:
        parts.append(f"for {len(names)} different name{'s' if len(names) != 1 else ''}")
    if ages:
        parts.append(f"with {len(ages)} different stated age{'s' if len(ages) != 1 else ''}")
    if places:
        parts.append(
            f"in {len(places)} place{'s' if len(places) != 1 else ''} "
            f"across {len(states)} state{'s' if len(states) != 1 else ''}"
        )
    parts.append(f"over {days} day{'s' if days != 1 else ''}")
    text = " ".join(parts)
    if hub:
        text += (
            f" — a hub (more than {hub_threshold} ads, e.g. a hotline or a platform "
            "address): it is not used to join ads into networks"
        )
    return text


def seen_at(lead: dict[str, Any]) -> datetime:
    """When the ad was posted (if known), else fetched."""
    value = lead.get("seen_at") or lead["fetched_at"]
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
