"""Deconfliction, the agency's side: a case's selectors, blinded, through the regional
hub, and what it answers, on the case's chain of custody.

``lantern case deconflict`` submits the case's subjects (with ``include_holding``, every
selector in its holding bin too); the hub stores pseudonyms and says which other
agencies hold the same ones. This agency keeps, in its own ``deconfliction`` index, which
selector went as which pseudonym, so a conflict can be told back in selectors here and
nowhere else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from lantern.hub.client import HubClient, HubUnavailable
from leads.audit import record
from leads.cases import Case, CaseError, CaseItem, case_selectors, items
from leads.deconfliction import SelectorError, canonical, pointer_expiry
from leads.ids import stable_id
from leads.settings import Settings
from leads.store import count, partial_update, scan


@dataclass
class Chosen:
    """The case's selectors in canonical form: canonical -> (as the case holds it, role)."""

    selectors: dict[str, tuple[str, str]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)  # kinds not deconflicted


def _employer_selectors(item: CaseItem) -> list[str]:
    employer = (item.snapshot or {}).get("employer") or {}
    found = [f"fein:{f}" for f in employer.get("feins") or []]
    if employer.get("employer"):
        found.append(f"employer:{employer['employer']}")
    return found


def choose(held: list[CaseItem], include_holding: bool) -> Chosen:
    """What goes to the hub: subjects always; with ``include_holding`` the selectors of
    everything held (pulled selectors, those the frozen leads carry, employers)."""
    wanted: list[tuple[str, str]] = []
    for item in held:
        if item.role == "subject":
            raw = [item.ref] if item.kind == "selector" else _employer_selectors(item)
            wanted += [(s, "subject") for s in raw]
    if include_holding:
        wanted += [(s, "holding") for s in case_selectors(held)]
        for item in held:
            if item.kind == "employer":
                wanted += [(s, "holding") for s in _employer_selectors(item)]
    chosen = Chosen()
    for selector, role in wanted:
        try:
            form = canonical(selector)
        except SelectorError:
            chosen.skipped[selector.partition(":")[0]] += 1
            continue
        if form not in chosen.selectors or role == "subject":
            chosen.selectors[form] = (selector, role)
    return chosen


@dataclass
class Submitted:
    deconfliction_number: str
    submitted: int
    skipped: dict[str, int]
    conflicts: list[dict[str, Any]]  # the hub's views, each with "selector" added here


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def deconflict_case(
    es: Elasticsearch,
    settings: Settings,
    case: Case,
    user: str,
    hub: HubClient,
    include_holding: bool = False,
    contact: str | None = None,
    days: int | None = None,
) -> Submitted:
    """Submits the case to the hub and records what went and what came back. The case's
    pointers become what this submission holds: selectors submitted before and not now
    (a subjects-only run after an ``--all`` one) are withdrawn."""
    if case.status != "open":
        raise CaseError(f"{case.id} is closed: reopen it to deconflict")
    try:
        pointer_expiry(datetime.now(UTC), days)  # before any evaluation is spent
    except ValueError as exc:
        raise CaseError(str(exc)) from None
    chosen = choose(items(es, settings, case), include_holding)
    if not chosen.selectors:
        raise CaseError(
            f"{case.id} has no subject selectors to deconflict: promote one, or add --all "
            "for the holding bin"
        )
    forms = sorted(chosen.selectors)
    earlier = {
        d["canonical"]: d
        for d in scan(es, settings, "deconfliction", _not_withdrawn(case))
        if d.get("role") != "operation"
    }
    try:
        _same_key(es, settings, hub)
        pseudonyms = hub.pseudonyms(forms)
        answer = hub.submit(case.id, pseudonyms, contact or user, days)
        stale = sorted(set(earlier) - set(forms))
        if stale:
            hub.withdraw(case.id, "pointers", [earlier[f]["pseudonym"] for f in stale])
    except HubUnavailable as exc:
        _failed(es, settings, "case.deconflict", case, user, exc, selectors=len(forms))
        raise
    number, at, key = answer.deconfliction_number, _now(), hub.public_key.hex()
    rows = [
        _row(
            settings,
            case,
            form,
            {
                "selector": chosen.selectors[form][0],
                "canonical": form,
                "pseudonym": pseudonym,
                "role": chosen.selectors[form][1],
                "deconfliction_number": number,
                "hub_url": hub.url,
                "hub_public_key": key,
                "submitted_at": at,
                "submitted_by": user,
                "expires_at": answer.expires_at,
            },
        )
        for form, pseudonym in zip(forms, pseudonyms, strict=True)
    ]
    rows += [_row(settings, case, f, {**earlier[f], "withdrawn_at": at}) for f in stale]
    by_pseudonym = dict(zip(pseudonyms, forms, strict=True))
    conflicts = [_told(c.model_dump(), by_pseudonym) for c in answer.conflicts]
    details = {
        "hub": hub.url,
        "hub_public_key": key,
        "selectors": len(forms),
        "subjects": sum(1 for _, role in chosen.selectors.values() if role == "subject"),
        "withdrawn": len(stale),
        "skipped": dict(chosen.skipped),
        "conflicts": [_summary(c) for c in conflicts],
    }
    try:
        helpers.bulk(es, rows, refresh=True)
    except helpers.BulkIndexError as exc:
        record(
            es,
            settings,
            "case.deconflict",
            case_id=case.id,
            target=number,
            user=user,
            outcome="failed",
            reason=f"{len(exc.errors)} local records not written",
            details=details,
        )
        raise HubUnavailable(
            f"the hub holds {case.id}'s pointers ({number}) but {len(exc.errors)} of this "
            f"agency's records of them could not be written; run `lantern deconflict withdraw "
            f"{case.number}` and deconflict again"
        ) from None
    record(
        es, settings, "case.deconflict", case_id=case.id, target=number, user=user, details=details
    )
    return Submitted(number, len(forms), dict(chosen.skipped), conflicts)


def _row(
    settings: Settings, case: Case, canonical_form: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """One local record of what went to the hub (a selector, or an operation)."""
    doc_id = stable_id("deconfliction", case.id, canonical_form)
    body = {"withdrawn_at": None, **fields, "id": doc_id, "case_id": case.id}
    return {"_index": settings.index("deconfliction"), "_id": doc_id, "_source": body}


def _same_key(es: Elasticsearch, settings: Settings, hub: HubClient) -> None:
    """Trust on first use: the key this hub proved its answers with before must be the
    key it proves them with now (a hub that changed keys, or one posing as it, would
    make every earlier pseudonym useless or tell agencies apart)."""
    index = settings.index("deconfliction")
    es.indices.refresh(index=index)
    latest = es.search(
        index=index,
        size=1,
        query={
            "bool": {
                "filter": [{"term": {"hub_url": hub.url}}, {"exists": {"field": "hub_public_key"}}]
            }
        },
        sort=[{"submitted_at": "desc"}],
        source_includes=["hub_public_key"],
    )["hits"]["hits"]
    before = latest[0]["_source"]["hub_public_key"] if latest else None
    now = hub.public_key.hex()
    if before and now != before:
        raise HubUnavailable(
            f"hub at {hub.url} now proves with key {now[:16]}…, not the {before[:16]}… it "
            "used before: ask its operator; pin the right one with LANTERN_HUB_PUBLIC_KEY"
        )


def _told(conflict: dict[str, Any], by_pseudonym: dict[str, str]) -> dict[str, Any]:
    pseudonym = conflict.get("yours", {}).get("pseudonym")
    return {**conflict, "selector": by_pseudonym.get(pseudonym) if pseudonym else None}


def _summary(conflict: dict[str, Any]) -> dict[str, Any]:
    other = conflict.get("other", {})
    return {
        "conflict": conflict.get("id"),
        "kind": conflict.get("kind"),
        "selector": conflict.get("selector"),
        "other_agency": other.get("agency"),
        "other_case": other.get("case_id"),
        "other_deconfliction_number": other.get("deconfliction_number"),
    }


def open_conflicts(
    es: Elasticsearch, settings: Settings, user: str, hub: HubClient
) -> list[dict[str, Any]]:
    """The agency's open conflicts at the hub, each told back in this agency's selector
    (from its own submission records); reading them is on the audit trail."""
    conflicts = hub.conflicts()
    rows = scan(
        es,
        settings,
        "deconfliction",
        {"exists": {"field": "pseudonym"}},
        source=["pseudonym", "canonical"],
    )
    mine = {d["pseudonym"]: d["canonical"] for d in rows}
    told = [_told(c.model_dump(), mine) for c in conflicts]
    record(
        es,
        settings,
        "deconflict.conflicts",
        user=user,
        details={"conflicts": [_summary(c) for c in told]},
    )
    return told


def withdraw_case(
    es: Elasticsearch, settings: Settings, case: Case, user: str, hub: HubClient
) -> int:
    """Withdraws the case's pointers and operations from the hub."""
    try:
        withdrawn = hub.withdraw(case.id, "pointers") + hub.withdraw(case.id, "operations")
    except HubUnavailable as exc:
        _failed(es, settings, "case.deconflict.withdraw", case, user, exc)
        raise
    open_ones = scan(es, settings, "deconfliction", _not_withdrawn(case), source=["id"])
    at = _now()
    partial_update(
        es, settings, "deconfliction", [(d["id"], {"withdrawn_at": at}) for d in open_ones]
    )
    record(
        es,
        settings,
        "case.deconflict.withdraw",
        case_id=case.id,
        user=user,
        details={"withdrawn": withdrawn},
    )
    return withdrawn


def withdraw_closed(es: Elasticsearch, settings: Settings, case: Case, user: str) -> int | None:
    """What closing a case does at the hub: withdraws its pointers and operations, if it
    has any there (None when it has none). A hub that cannot be reached, or is not
    configured any longer, raises :class:`HubUnavailable` with the failure on record."""
    if not submitted(es, settings, case):
        return None
    try:
        hub = HubClient(settings)
    except HubUnavailable as exc:
        _failed(es, settings, "case.deconflict.withdraw", case, user, exc)
        raise
    with hub:
        return withdraw_case(es, settings, case, user, hub)  # records its own failure


def _failed(
    es: Elasticsearch,
    settings: Settings,
    action: str,
    case: Case,
    user: str,
    exc: Exception,
    **details: Any,
) -> None:
    record(
        es,
        settings,
        action,
        case_id=case.id,
        outcome="failed",
        reason=str(exc),
        user=user,
        details=details or None,
    )


def submitted(es: Elasticsearch, settings: Settings, case: Case) -> int:
    """How many of the case's selectors are at a hub and not withdrawn."""
    return count(es, settings, "deconfliction", _not_withdrawn(case))


def _not_withdrawn(case: Case) -> dict[str, Any]:
    return {
        "bool": {
            "filter": [{"term": {"case_id": case.id}}],
            "must_not": [{"exists": {"field": "withdrawn_at"}}],
        }
    }


def register_operation(
    es: Elasticsearch,
    settings: Settings,
    case: Case,
    user: str,
    hub: HubClient,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Registers an operation of the case (coarse area and window) for event
    deconfliction; the answer's conflicts are overlapping operations of other agencies.
    The operation is kept among the case's records, so closing the case withdraws it."""
    try:
        answer = hub.operation({**body, "case_id": case.id})
    except HubUnavailable as exc:
        _failed(es, settings, "case.operation", case, user, exc)
        raise
    when = f"{body.get('starts_at')}/{body.get('ends_at')}"
    what = f"operation:{body.get('kind')}:{body.get('geohash')}:{when}"
    row = _row(
        settings,
        case,
        what,
        {
            "canonical": what,
            "role": "operation",
            "deconfliction_number": answer.deconfliction_number,
            "hub_url": hub.url,
            "submitted_at": _now(),
            "submitted_by": user,
            "expires_at": body.get("ends_at"),
        },
    )
    es.index(index=row["_index"], id=row["_id"], document=row["_source"], refresh=True)
    conflicts = [c.model_dump() for c in answer.conflicts]
    record(
        es,
        settings,
        "case.operation",
        case_id=case.id,
        target=answer.deconfliction_number,
        user=user,
        details={
            "kind": body.get("kind"),
            "geohash": body.get("geohash"),
            "starts_at": body.get("starts_at"),
            "ends_at": body.get("ends_at"),
            "conflicts": [_summary(c) for c in conflicts],
        },
    )
    return {"deconfliction_number": answer.deconfliction_number, "conflicts": conflicts}
