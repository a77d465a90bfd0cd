"""Linking over Elasticsearch: selector profiles per batch, and the network around one
selector. Only selectors a batch touches are rebuilt, so adding a batch changes only the
profiles it links to; profiles carry no wall-clock time, so a re-run changes nothing."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from leads.entities import build_profile, profile_id, seen_at
from leads.models import Network, NetworkDoc, NetworkEdge, NetworkSelector, SimilarDoc
from leads.settings import Settings
from leads.store import bulk_index, partial_update, scan
from leads.taxonomy import IDENTITY_TYPES, LINKING_TYPES
from leads.templates import similarity

_LEAD_FIELDS = [
    "id",
    "url",
    "title",
    "score",
    "tier",
    "source_id",
    "fetched_at",
    "seen_at",
    "selectors",
    "entities.type",
    "entities.value",
]
_CHUNK = 500
# What re-scoring reads of a lead.
_RESCORE_FIELDS = ["id", "selectors", "score", "explanation", "document_score",
                   "document_explanation", "network"]  # fmt: skip


def _linking(selectors: Iterable[str]) -> set[str]:
    return {s for s in selectors if s.split(":", 1)[0] in LINKING_TYPES}


# Leads whose selectors are about to change (lead id -> new selectors), not yet written:
# every read below sees them as they will be.
Pending = dict[str, list[str]]


def _scan_leads(
    es: Elasticsearch,
    settings: Settings,
    query: dict[str, Any],
    fields: list[str],
    pending: Pending | None,
    gaining: set[str] | None = None,
    refresh: bool = True,
    skip: set[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The leads ``query`` matches, with ``pending`` selectors in place of the stored
    ones; with ``gaining``, also the pending leads that will carry one of those selectors
    but do not yet (the query, run on stored selectors, cannot find them), but for the
    ``skip`` ones (the caller has them)."""
    seen: set[str] = set(skip or ())
    for lead in scan(es, settings, "leads", query, source=fields, refresh=refresh):
        if pending and lead["id"] in pending:
            lead["selectors"] = pending[lead["id"]]
        seen.add(lead["id"])
        yield lead
    if not pending or not gaining:
        return
    more = sorted(i for i, new in pending.items() if i not in seen and not gaining.isdisjoint(new))
    for i in range(0, len(more), _CHUNK):
        ids = {"ids": {"values": more[i : i + _CHUNK]}}
        for lead in scan(es, settings, "leads", ids, source=fields, refresh=False):
            lead["selectors"] = pending[lead["id"]]
            yield lead


def batch_selectors(
    es: Elasticsearch, settings: Settings, batch_id: str | None, pending: Pending | None = None
) -> set[str]:
    query: dict[str, Any] = {"term": {"batch_id": batch_id}} if batch_id else {"match_all": {}}
    found: set[str] = set()
    for lead in _scan_leads(es, settings, query, ["id", "selectors"], pending):
        found |= _linking(lead.get("selectors", []))
    return found


def leads_with(
    es: Elasticsearch,
    settings: Settings,
    selectors: Iterable[str],
    refresh: bool = True,
    pending: Pending | None = None,
    fields: list[str] = _LEAD_FIELDS,
    outside: tuple[str, set[str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every lead carrying each selector (across all batches); with ``outside`` (a batch
    id, and the ids of its leads the caller has read), only the other batches' leads."""
    wanted = sorted(set(selectors))
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in wanted}
    for i in range(0, len(wanted), _CHUNK):
        chunk = set(wanted[i : i + _CHUNK])
        query: dict[str, Any] = {"terms": {"selectors": sorted(chunk)}}
        skip = None
        if outside:
            query = {"bool": {"filter": [query], "must_not": [{"term": {"batch_id": outside[0]}}]}}
            skip = outside[1]
        for lead in _scan_leads(es, settings, query, fields, pending, chunk, refresh, skip):
            for selector in chunk.intersection(lead.get("selectors", [])):
                out[selector].append(lead)
    return out


def link(es: Elasticsearch, settings: Settings, batch_id: str | None = None) -> dict[str, int]:
    """Rebuilds the profiles of every selector the batch (or, with None, any lead) carries."""
    return _link(es, settings, batch_id)[0]


def link_and_rescore(
    es: Elasticsearch,
    settings: Settings,
    batch_id: str | None = None,
    pending: Pending | None = None,
) -> tuple[dict[str, int], int]:
    """:func:`link`, then :func:`rescore` with the selectors and profiles just built
    (rather than reading them back). ``pending``: selector changes not yet written
    (from clustering); both steps read the leads as they will be, and each lead's new
    selectors go out in the same update as its new score."""
    summary, touched, profiles, leads = _link(es, settings, batch_id, pending)
    rescored = rescore(es, settings, batch_id, (touched, profiles), pending, leads)
    return summary, rescored


def _link(
    es: Elasticsearch, settings: Settings, batch_id: str | None, pending: Pending | None = None
) -> tuple[dict[str, int], set[str], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The profiles of the batch's selectors, written; and what re-scoring needs: the
    selectors, their profiles, and every lead carrying one (read once, for both)."""
    fields = sorted({*_LEAD_FIELDS, *_RESCORE_FIELDS})
    query: dict[str, Any] = {"term": {"batch_id": batch_id}} if batch_id else {"match_all": {}}
    # The batch's own leads are read once, with everything linking and re-scoring need
    # (those that carry no linking selector are not kept); then only other batches'
    # leads that share a selector with them.
    ours: set[str] = set()
    grouped: dict[str, list[dict[str, Any]]] = {}
    for lead in _scan_leads(es, settings, query, fields, pending):
        ours.add(lead["id"])
        for selector in _linking(lead.get("selectors", [])):
            grouped.setdefault(selector, []).append(lead)
    touched = set(grouped)
    if batch_id is not None:
        others = leads_with(es, settings, touched, pending=pending, fields=fields,
                            outside=(batch_id, ours))  # fmt: skip
        for selector, leads in others.items():
            grouped[selector].extend(leads)
    profiles = [
        build_profile(selector, leads, settings.hub_threshold, batch_id)
        for selector, leads in grouped.items()
        if leads
    ]
    stored = {p.id: p.model_dump(mode="json") for p in profiles}
    changed = _changed(es, settings, stored)
    report = bulk_index(
        es, settings, "entities", changed.items(), stage="link", batch_id=batch_id, refresh=True
    )
    summary = {
        "selectors": len(profiles),
        "hubs": sum(p.hub for p in profiles),
        "changed": report.indexed,
        "dead_letters": len(report.failed),
    }
    carrying = list({lead["id"]: lead for leads in grouped.values() for lead in leads}.values())
    return summary, touched, {doc["selector"]: doc for doc in stored.values()}, carrying


def _changed(
    es: Elasticsearch, settings: Settings, profiles: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Only the profiles whose content differs from what is stored (the batch that last
    touched a profile is not content): a re-run writes nothing."""
    ids = sorted(profiles)
    changed = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        found = es.mget(index=settings.index("entities"), ids=chunk)["docs"]
        stored = {d["_id"]: d["_source"] for d in found if d.get("found")}
        for pid in chunk:
            old, new = stored.get(pid), profiles[pid]
            if old is None or {**old, "batch_id": None} != {**new, "batch_id": None}:
                changed[pid] = new
    return changed


def network(es: Elasticsearch, settings: Settings, root: str, max_docs: int = 500) -> Network:
    """Ads reachable from ``root`` through shared, non-hub identity selectors (breadth
    first); then the ads that share only a template with them, as ``similar``."""
    docs: dict[str, dict[str, Any]] = {}
    edges: set[tuple[str, str]] = set()
    counts: dict[str, tuple[int, bool]] = {}
    queue: deque[str] = deque([root])
    truncated = False
    es.indices.refresh(index=settings.index("leads"))  # once: the walk reads many times
    while queue:
        selector = queue.popleft()
        if selector in counts:
            continue
        leads = leads_with(es, settings, [selector], refresh=False)[selector]
        hub = len(leads) > settings.hub_threshold
        counts[selector] = (len(leads), hub)
        if hub and selector != root:
            continue
        for lead in leads[: max_docs if hub else None]:
            edges.add((lead["id"], selector))
            if lead["id"] in docs:
                continue
            if len(docs) >= max_docs:
                truncated = True
                break
            docs[lead["id"]] = lead
            queue.extend(s for s in _identity(lead.get("selectors", [])) if s not in counts)
        if hub:
            break  # a hub root is described, not followed
    similar = _similar(es, settings, docs, max_docs)
    return _assemble(root, docs, edges, counts, truncated, settings.hub_threshold, similar)


def _identity(selectors: Iterable[str]) -> set[str]:
    return {s for s in selectors if s.split(":", 1)[0] in IDENTITY_TYPES}


def _similar(
    es: Elasticsearch, settings: Settings, docs: dict[str, dict[str, Any]], max_docs: int
) -> list[SimilarDoc]:
    """Ads outside the network that share a template with an ad in it, each with its
    estimated similarity to the closest network ad of that template."""
    by_template: dict[str, list[str]] = {}
    for lead in docs.values():
        for s in _linking(lead.get("selectors", [])) - _identity(lead.get("selectors", [])):
            by_template.setdefault(s, []).append(lead["id"])
    if not by_template:
        return []
    outside: dict[str, tuple[dict[str, Any], str]] = {}
    for selector, leads in leads_with(es, settings, by_template, refresh=False).items():
        if len(leads) > settings.hub_threshold:
            continue  # boilerplate shared by too many ads says nothing
        for lead in leads:
            if lead["id"] not in docs and lead["id"] not in outside:
                outside[lead["id"]] = (lead, selector)
    kept = sorted(outside)[:max_docs]
    ids = kept + sorted({d for v in by_template.values() for d in v})
    sigs: dict[str, list[int]] = {}
    for i in range(0, len(ids), _CHUNK):
        found = es.mget(index=settings.index("templates"), ids=ids[i : i + _CHUNK],
                        source=["signature"])["docs"]  # fmt: skip
        sigs.update({d["_id"]: d["_source"]["signature"] for d in found if d.get("found")})
    out = []
    for lead_id in kept:
        lead, selector = outside[lead_id]
        members = by_template[selector]
        # The most similar network ad (the smallest id among equals).
        best, closest = min(
            ((similarity(sigs[lead_id], sigs[m]), m) for m in members
             if lead_id in sigs and m in sigs),
            key=lambda pair: (-pair[0], pair[1]),
            default=(0.0, members[0]),
        )  # fmt: skip
        out.append(SimilarDoc(**_doc_fields(lead), template=selector,
                              similarity=round(best, 2), closest=closest))  # fmt: skip
    return sorted(out, key=lambda d: (-d.similarity, -d.score, d.id))


def _doc_fields(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": d["id"],
        "url": d["url"],
        "title": d.get("title"),
        "score": d["score"],
        "tier": d["tier"],
        "source_id": d["source_id"],
        "fetched_at": d["fetched_at"],
    }


def _assemble(
    root: str,
    docs: dict[str, dict[str, Any]],
    edges: set[tuple[str, str]],
    counts: dict[str, tuple[int, bool]],
    truncated: bool,
    hub_threshold: int,
    similar: list[SimilarDoc],
) -> Network:
    states, places, ages, sources = set(), set(), set(), set()
    times = []
    for lead in docs.values():
        sources.add(lead["source_id"])
        times.append(seen_at(lead))
        for e in lead.get("entities", []):
            if e.get("type") == "location":
                places.add(e["value"])
                states.add(str(e["value"]).rsplit(", ", 1)[-1])
            elif e.get("type") == "age":
                ages.add(e["value"])
    days = (max(times) - min(times)).days if times else 0
    features: dict[str, float | int] = {
        "ads": len(docs),
        "selectors": sum(1 for _, (n, hub) in counts.items() if not hub),
        "stated_ages": len(ages),
        "places": len(places),
        "states": len(states),
        "sources": len(sources),
        "days": days,
        "ads_per_day": round(len(docs) / max(days, 1), 2),
        "similar": len(similar),
    }
    features["images"] = len({s for s, (_, hub) in counts.items() if s.startswith("image:")})
    hubs = sorted(s for s, (_, hub) in counts.items() if hub)
    text = (
        f"{root} links {len(docs)} ads through {features['selectors']} shared selectors, "
        f"with {len(ages)} different stated ages and {features['images']} shared photos in "
        f"{len(places)} places across {len(states)} states from {len(sources)} sources "
        f"over {days} days"
    )
    if hubs:
        text += f"; not followed (hubs of more than {hub_threshold} ads): {', '.join(hubs)}"
    if similar:
        text += (
            f"; {len(similar)} more ads share only wording (a template), not a phone, "
            "email, handle or wallet: listed as similar, not joined"
        )
    if truncated:
        text += "; cut at the document limit"
    return Network(
        root=root,
        docs=sorted(
            (NetworkDoc(**_doc_fields(d)) for d in docs.values()),
            key=lambda d: (-d.score, d.id),
        ),
        edges=[NetworkEdge(doc_id=d, selector=s) for d, s in sorted(edges) if d in docs],
        selectors=[
            NetworkSelector(selector=s, doc_count=n, hub=h) for s, (n, h) in sorted(counts.items())
        ],
        features=features,
        explanation=text,
        truncated=truncated,
        similar=similar,
    )


def render_tree(net: Network) -> list[str]:
    """A readable tree: each selector, then the ads that carry it."""
    titles = {d.id: d for d in net.docs}
    by_selector: dict[str, list[str]] = {}
    for edge in net.edges:
        by_selector.setdefault(edge.selector, []).append(edge.doc_id)
    lines = [net.explanation]
    for sel in net.selectors:
        mark = " (hub, not followed)" if sel.hub else ""
        lines.append(f"{sel.selector} — {sel.doc_count} ads{mark}")
        members = [titles[d] for d in by_selector.get(sel.selector, []) if d in titles]
        for i, doc in enumerate(sorted(members, key=lambda d: (-d.score, d.id))):
            branch = "└─" if i == len(members) - 1 else "├─"
            lines.append(f"  {branch} {doc.score:>3} {doc.tier:<6} {doc.title or ''}  {doc.url}")
    if net.similar:
        lines.append("similar wording only (not joined: no shared phone, email, handle or wallet)")
        for i, sim in enumerate(net.similar):
            branch = "└─" if i == len(net.similar) - 1 else "├─"
            lines.append(
                f"  {branch} {sim.similarity:.2f} like {sim.closest} ({sim.template})  "
                f"{sim.score:>3} {sim.tier:<6} {sim.title or ''}  {sim.url}"
            )
    return lines


def rescore(
    es: Elasticsearch,
    settings: Settings,
    batch_id: str | None = None,
    known: tuple[set[str], dict[str, dict[str, Any]]] | None = None,
    pending: Pending | None = None,
    known_leads: Iterable[dict[str, Any]] | None = None,
) -> int:
    """Combines each touched lead's document score with its network evidence: the
    strongest non-hub selector it carries. Starts from the stored document score, so a
    re-run gives the same scores. ``known``: the batch's selectors and their profiles,
    when the caller has just built them; ``known_leads``: every lead carrying one of
    those selectors (with :data:`_RESCORE_FIELDS`), when the caller has just read them.
    Returns how many leads changed."""
    from leads.scoring import combine, network_points, tier_for

    touched, profiles = known or (batch_selectors(es, settings, batch_id, pending), {})
    ids = [] if known else sorted(profile_id(s) for s in touched)
    for i in range(0, len(ids), _CHUNK):
        for doc in es.mget(index=settings.index("entities"), ids=ids[i : i + _CHUNK])["docs"]:
            if doc.get("found"):
                profiles[doc["_source"]["selector"]] = doc["_source"]
    updates = []
    query = {"terms": {"selectors": sorted(touched)}}
    leads = (
        known_leads
        if known_leads is not None
        else _scan_leads(es, settings, query, _RESCORE_FIELDS, pending, touched)
    )
    for lead in leads:
        best: tuple[int, dict[str, Any]] | None = None
        for selector in lead.get("selectors", []):
            prof = profiles.get(selector)
            if prof is None or prof["hub"]:
                continue
            points = network_points(prof["doc_count"], len(prof["ages"]), len(prof["states"]),
                                    _relation(selector))  # fmt: skip
            if points and (best is None or points > best[0]):
                best = (points, prof)
        # Leads scored before network scoring existed keep their score as the document's.
        base = lead.get("document_score")
        own_reasons = lead.get("document_explanation") or []
        if base is None:
            base, own_reasons = lead["score"], lead.get("explanation") or []
        reasons = list(own_reasons)
        network_field = None
        if best is not None:
            points, prof = best
            relation = _relation(prof["selector"])
            head = "network" if relation == "identity" else "similar wording only"
            reasons.insert(0, f"{head} (+{points}): {prof['explanation']}")
            network_field = {"selector": prof["selector"], "ads": prof["doc_count"],
                             "stated_ages": len(prof["ages"]), "states": len(prof["states"]),
                             "days": _days(prof), "points": points,
                             "relation": relation}  # fmt: skip
        score = combine(base, best[0] if best else 0)
        body = {
            "score": score,
            "tier": tier_for(score),
            "explanation": reasons or ["no indicators found"],
            "network": network_field,
            "document_score": base,
            "document_explanation": list(own_reasons),
        }
        if lead["id"] in (pending or {}):
            body["selectors"] = lead["selectors"]
        if lead.get("document_score") is None:
            updates.append((lead["id"], body))
            continue
        if score != lead["score"] or network_field != lead.get("network"):
            updates.append((lead["id"], body))
    rescored = len(updates)
    # Selector changes of leads whose score did not change still go out.
    written = {lead_id for lead_id, _ in updates}
    updates += [(i, {"selectors": new}) for i, new in (pending or {}).items() if i not in written]
    partial_update(es, settings, "leads", updates)
    return rescored


# A network: two or more ads joined by an identity selector (not template wording alone).
NETWORK_MIN_ADS = 2


def is_network(net: dict[str, Any] | None) -> bool:
    """Whether a lead's ``network`` field puts it in a network."""
    if not net:
        return False
    return net.get("relation") == "identity" and (net.get("ads") or 0) >= NETWORK_MIN_ADS


def _relation(selector: str) -> str:
    return "identity" if selector.split(":", 1)[0] in IDENTITY_TYPES else "similar"


def _days(profile: dict[str, Any]) -> int:
    first = datetime.fromisoformat(str(profile["first_seen"]).replace("Z", "+00:00"))
    last = datetime.fromisoformat(str(profile["last_seen"]).replace("Z", "+00:00"))
    return (last - first).days
