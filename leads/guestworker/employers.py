"""Resolved employers: records → employers with explained risk flags
(``lantern-gw-employers``) and job orders (``lantern-gw-joborders``), linked to crawled
job ads that share a phone or email or name them.

Reading job-order text for labor indicators is the NLP pipeline's work, which the
domain does not import: callers pass it in as ``indicators`` (a function from a text
to ``(category, quoted text)`` pairs; ``lantern.jobs.guestworker`` gives the pipeline's).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from leads.guestworker.flags import Assessment, TextIndicators, assess
from leads.guestworker.records import GwRecord
from leads.guestworker.resolve import resolve
from leads.ids import stable_id
from leads.settings import Settings
from leads.store import StoreError, bulk_index, scan


def assess_all(records: list[GwRecord], indicators: TextIndicators | None) -> list[Assessment]:
    employers = resolve(records)
    debarments = [r for r in records if r.dataset == "debarment"]
    return assess(employers, debarments, indicators)


def employer_json(a: Assessment) -> dict[str, Any]:
    """The ``lantern guestworker flags`` contract for one resolved employer."""
    e = a.employer
    return {
        "id": e.id,
        "employer": e.name,
        "aliases": e.aliases,
        "case_numbers": e.values("case_number"),
        "risk": a.risk,
        "tier": a.tier,
        "flags": [{"flag": f.flag, "reason": f.reason} for f in a.flags],
        "sources": [
            {
                "record": r.id,
                "dataset": r.dataset,
                "file": r.file,
                "row": r.row,
                "case_number": r.case_number,
                "fiscal_year": r.fiscal_year,
            }
            for r in e.records
        ],
    }


def write_employers(
    es: Any,
    settings: Settings,
    assessments: list[Assessment],
    indicators: TextIndicators | None,
    scope: set[str] | None = None,
) -> dict[str, int]:
    """Employer and job-order documents; only employers whose content changed are
    rewritten, and employers that no longer exist (merged away) are deleted. ``scope``:
    the stored employers these assessments replace (None: all of them). Writes that
    fail are counted as dead letters in the result; a failed delete raises."""
    ads = link_ads(es, settings, assessments)
    now = datetime.now(UTC).isoformat()
    docs: dict[str, dict[str, Any]] = {}
    for a in assessments:
        e = a.employer
        doc = employer_json(a)
        doc.update(
            {
                "flag_ids": sorted({f.flag for f in a.flags}),
                "flags": [
                    {"flag": f.flag, "reason": f.reason, "weight": f.weight, "records": f.records}
                    for f in a.flags
                ],
                "matches": [
                    {"a": m.a, "b": m.b, "score": m.score, "reasons": m.reasons} for m in e.matches
                ],
                "phones": e.values("phone"),
                "feins": e.values("fein"),
                "emails": e.values("email"),
                "states": e.values("state"),
                "cities": e.values("city"),
                "agents": e.values("agent"),
                "ads": ads.get(e.id, []),
            }
        )
        doc["fingerprint"] = stable_id(json.dumps(doc, sort_keys=True, default=str))
        doc["updated_at"] = now
        docs[e.id] = doc
    query: dict[str, Any] = {"match_all": {}}
    if scope is not None:
        query = {"ids": {"values": sorted(scope | set(docs))}}
    stored = {
        d["id"]: d.get("fingerprint")
        for d in scan(es, settings, "gw-employers", query, source=["id", "fingerprint"])
    }
    changed = [(i, d) for i, d in docs.items() if stored.get(i) != d["fingerprint"]]
    gone = [i for i in stored if i not in docs]
    written = bulk_index(
        es, settings, "gw-employers", changed, stage="guestworker-resolve", refresh=True
    )
    for doc_id in gone:
        answer = es.options(ignore_status=404).delete(
            index=settings.index("gw-employers"), id=doc_id, refresh=True
        )
        if answer.get("result") not in ("deleted", "not_found"):
            raise StoreError(f"employer {doc_id} merged away but not deleted: {answer}")
    orders = list(_job_orders(assessments, now, indicators))
    kept = bulk_index(
        es, settings, "gw-joborders", orders, stage="guestworker-resolve", refresh=True
    )
    return {
        "employers": len(docs),
        "written": written.indexed,
        "deleted": len(gone),
        "dead_letters": len(written.failed) + len(kept.failed),
    }


# Record fields that tie records into one employer or one flag context (a shared agent,
# a shared camp): what a new record is compared on to find what it can change.
_LINK_FIELDS = ("name_keys", "phone", "fein", "agent_key", "housing_key", "address_key")


def affected_records(es: Any, settings: Settings, seeds: list[GwRecord]) -> list[GwRecord]:
    """Every stored record whose employer or flags new records can change: those sharing
    a name, phone, FEIN, agent or housing address with them (transitively), and every
    record of an employer that holds one of those."""
    found = {r.id: r for r in seeds}
    frontier = list(seeds)
    es.indices.refresh(index=settings.index("gw-records"))
    while frontier:
        keys: dict[str, set[str]] = {f: set() for f in _LINK_FIELDS}
        for r in frontier:
            keys["name_keys"].update(r.name_keys)
            for name in _LINK_FIELDS[1:]:
                value = getattr(r, name)
                if value:
                    keys[name].add(value)
        should = [{"terms": {f: sorted(v)}} for f, v in keys.items() if v]
        frontier = []
        if not should:
            break
        hits = scan(es, settings, "gw-records", {"bool": {"should": should}}, refresh=False)
        for doc in hits:
            if doc["id"] not in found:
                record = GwRecord.model_validate(doc)
                found[record.id] = record
                frontier.append(record)
    holders = scan(
        es,
        settings,
        "gw-employers",
        {"terms": {"sources.record": sorted(found)}},
        source=["sources"],
    )
    missing = {s["record"] for e in holders for s in e["sources"]} - set(found)
    if missing:
        for doc in es.mget(index=settings.index("gw-records"), ids=sorted(missing))["docs"]:
            if doc.get("found"):
                found[doc["_id"]] = GwRecord.model_validate(doc["_source"])
    return list(found.values())


def records_of_files(es: Any, settings: Settings, sha256s: list[str]) -> list[str]:
    query = {"terms": {"file_sha256": sha256s}}
    return [d["id"] for d in scan(es, settings, "gw-records", query, source=["id"])]


def resolve_changed(
    es: Any, settings: Settings, record_ids: list[str], indicators: TextIndicators | None
) -> dict[str, int]:
    """Re-resolves only what new records can change, and rewrites only those employers."""
    if not record_ids:
        return {"employers": 0, "written": 0, "deleted": 0, "dead_letters": 0, "records": 0}
    docs = es.mget(index=settings.index("gw-records"), ids=record_ids)["docs"]
    seeds = [GwRecord.model_validate(d["_source"]) for d in docs if d.get("found")]
    subset = affected_records(es, settings, seeds)
    debarments = [
        GwRecord.model_validate(d)
        for d in scan(es, settings, "gw-records", {"term": {"dataset": "debarment"}})
    ]
    scope = {
        d["id"]
        for d in scan(
            es,
            settings,
            "gw-employers",
            {"terms": {"sources.record": [r.id for r in subset]}},
            source=["id"],
        )
    }
    assessments = assess(resolve(subset), debarments, indicators)
    result = write_employers(es, settings, assessments, indicators, scope=scope)
    return {**result, "records": len(subset)}


def _job_orders(
    assessments: list[Assessment], now: str, indicators: TextIndicators | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    for a in assessments:
        for r in a.employer.records:
            if r.dataset != "job_orders":
                continue
            found = indicators(r.text) if r.text and indicators else []
            yield (
                r.id,
                {
                    "id": r.id,
                    "case_number": r.case_number,
                    "employer_id": a.employer.id,
                    "employer": a.employer.name,
                    "program": r.program,
                    "file": r.file,
                    "row": r.row,
                    "text": r.text,
                    "categories": sorted({c for c, _ in found}),
                    "indicators": [{"category": c, "text": t} for c, t in found],
                    "updated_at": now,
                },
            )


def link_ads(
    es: Any, settings: Settings, assessments: list[Assessment]
) -> dict[str, list[dict[str, str]]]:
    """Crawled job ads (leads) that share an employer's phone or email, or name it."""
    by_selector: dict[str, set[str]] = {}
    for a in assessments:
        for phone in a.employer.values("phone"):
            by_selector.setdefault(f"phone:+1{phone}", set()).add(a.employer.id)
        for email in a.employer.values("email"):
            by_selector.setdefault(f"email:{email}", set()).add(a.employer.id)
    links: dict[str, list[dict[str, str]]] = {}
    fields = ["id", "url", "selectors"]
    for lead in scan(es, settings, "leads", {"exists": {"field": "selectors"}}, source=fields):
        for selector in lead.get("selectors") or []:
            for employer in by_selector.get(selector, ()):
                links.setdefault(employer, []).append(
                    {"lead_id": lead["id"], "url": lead.get("url", ""), "via": selector}
                )
    # Names: only for flagged employers (a phrase query each), distinctive names only.
    for a in assessments:
        if a.risk < 10:
            continue
        for name in a.employer.aliases[:3]:
            if len(name) < 8:
                continue
            hits = es.search(
                index=settings.index("leads"),
                size=20,
                query={"match_phrase": {"snippet": name}},
                source=["id", "url"],
            )["hits"]["hits"]
            for hit in hits:
                src = hit["_source"]
                links.setdefault(a.employer.id, []).append(
                    {"lead_id": src["id"], "url": src.get("url", ""), "via": f"name:{name}"}
                )
    return {k: list({d["lead_id"] + d["via"]: d for d in v}.values()) for k, v in links.items()}
