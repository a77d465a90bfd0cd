"""Initial case files: what an investigator pulls out of Lantern's leads, frozen.

A case (``C-2026-0001``, numbered per agency and year) holds items: leads, selectors,
guest-worker employers. Everything pulled in lands in the *holding bin*; an item becomes
a *subject* only with a written reasonable-suspicion note and its author (28 CFR
23.20(a) asks criminal intelligence to rest on one), and a lead is never a subject by
itself: it is a reason to look at one. Each item keeps a snapshot of what Lantern held
when it was pulled (the lead and its raw page with the evidence references, the selector
profile, the employer), with the snapshot's SHA-256: later crawls change the indices, not
the case. :func:`refresh` says what changed since and adds it only when asked.

Every action here writes an audit event (leads/audit.py): the case's chain of custody.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from leads.audit import record
from leads.entities import profile_id
from leads.linking import network
from leads.settings import Settings
from leads.store import scan
from leads.taxonomy import ENTITY_TYPES
from leads.validation import Strict

ItemKind = Literal["lead", "selector", "employer"]
Role = Literal["holding", "subject"]
# A reasonable-suspicion note says why, in words: a few characters are no reason.
MIN_NOTE_CHARS = 20
_NUMBER = re.compile(r"^C-(\d{4})-(\d{4,})$")


class CaseError(ValueError):
    """A case action that cannot be done, said in one line."""


class CaseNote(Strict):
    at: str
    by: str
    text: str


class Case(Strict):
    id: str  # "<agency code>:C-2026-0001": numbers repeat across agencies
    number: str
    seq: int
    year: int
    title: str
    agency: str
    jurisdiction: str | None = None
    status: Literal["open", "closed"] = "open"
    investigators: list[str] = []
    prosecutor: str | None = None
    created_at: str
    created_by: str
    notes: list[CaseNote] = []


class Promotion(Strict):
    by: str
    at: str
    note: str
    # A supervisor's approval of the promotion (the workspace asks for one; an
    # unapproved subject is shown as awaiting it).
    approved_by: str | None = None
    approved_at: str | None = None


class CaseItem(Strict):
    case_id: str
    key: str  # "lead:<id>", "selector:phone:+1…", "employer:<id>"
    kind: ItemKind
    ref: str
    role: Role = "holding"
    via: str | None = None  # the pull that brought it in (a selector), if not itself
    added_by: str
    added_at: str
    why: str | None = None
    promotion: Promotion | None = None
    snapshot_at: str
    snapshot_sha256: str
    snapshot: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def agency_code(agency: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "-", agency.lower()).strip("-")
    if not code:
        raise CaseError(f"agency {agency!r} has no letters or digits to name it by")
    return code[:60]


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _item_id(case_id: str, key: str) -> str:
    return f"{case_id}|{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}"


# Cases


def new_case(
    es: Elasticsearch,
    settings: Settings,
    title: str,
    agency: str,
    user: str,
    jurisdiction: str | None = None,
    investigators: list[str] | None = None,
    prosecutor: str | None = None,
) -> Case:
    """Opens a case with the agency's next number this year."""
    if not title.strip():
        raise CaseError("a case needs a title")
    code = agency_code(agency)
    year = datetime.now(UTC).year
    index = settings.index("cases")
    es.indices.refresh(index=index)
    top = es.search(
        index=index,
        size=1,
        query={"bool": {"filter": [{"term": {"agency": agency}}, {"term": {"year": year}}]}},
        sort=[{"seq": "desc"}],
    )["hits"]["hits"]
    seq = top[0]["_source"]["seq"] + 1 if top else 1
    for _ in range(50):  # two investigators opening cases at once: the next number
        number = f"C-{year}-{seq:04d}"
        case = Case(
            id=f"{code}:{number}",
            number=number,
            seq=seq,
            year=year,
            title=title.strip(),
            agency=agency,
            jurisdiction=jurisdiction,
            investigators=investigators or [user],
            prosecutor=prosecutor,
            created_at=_now(),
            created_by=user,
        )
        try:
            es.create(index=index, id=case.id, document=case.model_dump(), refresh=True)
        except ConflictError:
            seq += 1
            continue
        record(es, settings, "case.new", case_id=case.id, target=title, user=user)
        return case
    raise CaseError("could not allocate a case number: too many at once")


def get_case(es: Elasticsearch, settings: Settings, ref: str) -> Case:
    """A case by its id ("agency:C-2026-0001") or, when one agency has it, its number."""
    index = settings.index("cases")
    try:
        return Case.model_validate(es.get(index=index, id=ref)["_source"])
    except NotFoundError:
        pass
    es.indices.refresh(index=index)
    hits = es.search(index=index, size=10, query={"term": {"number": ref}})["hits"]["hits"]
    if len(hits) == 1:
        return Case.model_validate(hits[0]["_source"])
    if hits:
        ids = ", ".join(sorted(h["_source"]["id"] for h in hits))
        raise CaseError(f"{ref} names several cases ({ids}): give the full id")
    raise CaseError(f"no case {ref!r}")


def list_cases(es: Elasticsearch, settings: Settings) -> list[Case]:
    return sorted(
        (Case.model_validate(c) for c in scan(es, settings, "cases", {"match_all": {}})),
        key=lambda c: c.id,
    )


def add_note(es: Elasticsearch, settings: Settings, case: Case, text: str, user: str) -> Case:
    if not text.strip():
        raise CaseError("a note needs text")
    note = CaseNote(at=_now(), by=user, text=text.strip())
    notes = [*case.notes, note]
    es.update(
        index=settings.index("cases"),
        id=case.id,
        doc={"notes": [n.model_dump() for n in notes]},
        refresh=True,
    )
    record(es, settings, "case.note", case_id=case.id, reason=note.text, user=user)
    return case.model_copy(update={"notes": notes})


def set_status(
    es: Elasticsearch,
    settings: Settings,
    case: Case,
    status: Literal["open", "closed"],
    reason: str,
    user: str,
) -> Case:
    """Closes (or reopens) a case, with the reason on record."""
    if not reason.strip():
        raise CaseError(f"{'closing' if status == 'closed' else 'reopening'} a case needs a reason")
    if case.status == status:
        raise CaseError(f"{case.id} is already {status}")
    es.update(index=settings.index("cases"), id=case.id, doc={"status": status}, refresh=True)
    action = "case.close" if status == "closed" else "case.reopen"
    record(es, settings, action, case_id=case.id, reason=reason.strip(), user=user)
    return case.model_copy(update={"status": status})


def items(es: Elasticsearch, settings: Settings, case: Case) -> list[CaseItem]:
    found = scan(es, settings, "case-items", {"term": {"case_id": case.id}})
    return sorted((CaseItem.model_validate(i) for i in found), key=lambda i: (i.kind, i.key))


# Pulling things in


@dataclass
class Pulled:
    """What a pull found, before it is stored: item key -> (kind, ref, snapshot)."""

    root: str
    root_key: str = ""  # the item of the thing asked for; the rest came with it
    found: dict[str, tuple[ItemKind, str, dict[str, Any]]] = field(default_factory=dict)


def _source(es: Elasticsearch, settings: Settings, kind: str, doc_id: str) -> dict[str, Any] | None:
    try:
        src: dict[str, Any] = es.get(index=settings.index(kind), id=doc_id)["_source"]
        return src
    except NotFoundError:
        return None


def _lead_snapshot(es: Elasticsearch, settings: Settings, lead: dict[str, Any]) -> dict[str, Any]:
    # The raw page holds the text as collected and the evidence references (WARC record,
    # screenshot) the package is cut from.
    return {"lead": lead, "raw": _source(es, settings, "raw", lead["doc_id"])}


def pull(es: Elasticsearch, settings: Settings, ref: str, max_docs: int = 500) -> Pulled:
    """What adding ``ref`` brings in: a lead id (or ``lead:<id>``), an employer
    (``employer:<id>``), or a selector (``phone:+1…``) with its whole identity network,
    the network's selector profiles and the guest-worker employers linked to it."""
    kind, _, value = ref.partition(":")
    out = Pulled(root=ref)
    if kind == "employer":
        employer = _source(es, settings, "gw-employers", value)
        if employer is None:
            raise CaseError(f"no guest-worker employer {value!r}")
        out.root_key = f"employer:{value}"
        out.found[out.root_key] = ("employer", value, _employer_snapshot(es, settings, employer))
        for ad in employer.get("ads") or []:
            lead = _source(es, settings, "leads", ad["lead_id"])
            if lead is not None:
                out.found[f"lead:{lead['id']}"] = (
                    "lead",
                    lead["id"],
                    _lead_snapshot(es, settings, lead),
                )
        return out
    if kind in ENTITY_TYPES and value:
        net = network(es, settings, ref, max_docs)
        if not net.docs:
            raise CaseError(f"no ad carries {ref}")
        profiles = {
            s.selector: _source(es, settings, "entities", profile_id(s.selector))
            for s in net.selectors
        }
        out.root_key = f"selector:{ref}"
        out.found[out.root_key] = (
            "selector",
            ref,
            {"profile": profiles.get(ref), "network": net.model_dump(mode="json")},
        )
        for s in net.selectors:
            if s.selector != ref and not s.hub:
                out.found[f"selector:{s.selector}"] = (
                    "selector",
                    s.selector,
                    {"profile": profiles.get(s.selector)},
                )
        lead_ids = [d.id for d in net.docs]
        for i in range(0, len(lead_ids), 200):
            got = es.mget(index=settings.index("leads"), ids=lead_ids[i : i + 200])["docs"]
            for doc in got:
                if doc.get("found"):
                    lead = doc["_source"]
                    out.found[f"lead:{lead['id']}"] = (
                        "lead",
                        lead["id"],
                        _lead_snapshot(es, settings, lead),
                    )
        for employer in _employers_linked(
            es, settings, set(lead_ids), {s.selector for s in net.selectors}
        ):
            out.found[f"employer:{employer['id']}"] = (
                "employer",
                employer["id"],
                _employer_snapshot(es, settings, employer),
            )
        return out
    lead_id = value if kind == "lead" else ref
    lead = _source(es, settings, "leads", lead_id)
    if lead is None:
        raise CaseError(f"{ref!r} is no lead id, employer:<id> or selector (type:value)")
    out.root_key = f"lead:{lead_id}"
    out.found[out.root_key] = ("lead", lead_id, _lead_snapshot(es, settings, lead))
    return out


def _entered(ref: str, why: str | None) -> Pulled:
    from leads.deconfliction import SelectorError, canonical

    if not why or len(why.strip()) < MIN_NOTE_CHARS:
        raise CaseError(
            f"an entered selector needs --why of at least {MIN_NOTE_CHARS} characters "
            "saying where it came from"
        )
    try:
        selector = canonical(ref)
    except SelectorError as exc:
        raise CaseError(str(exc)) from None
    if selector.partition(":")[0] not in ENTITY_TYPES:
        raise CaseError(f"{selector!r}: enter an employer by pulling employer:<id>")
    out = Pulled(root=selector, root_key=f"selector:{selector}")
    out.found[out.root_key] = ("selector", selector, {"entered": selector, "source": why.strip()})
    return out


def _employer_snapshot(
    es: Elasticsearch, settings: Settings, employer: dict[str, Any]
) -> dict[str, Any]:
    """The employer and the DOL records it was resolved from (disclosures, job orders,
    WHD cases, debarments), as they stand now."""
    ids = sorted({s["record"] for s in employer.get("sources") or [] if s.get("record")})
    records = []
    for i in range(0, len(ids), 200):
        got = es.mget(index=settings.index("gw-records"), ids=ids[i : i + 200])["docs"]
        records += [d["_source"] for d in got if d.get("found")]
    return {"employer": employer, "records": records}


def _employers_linked(
    es: Elasticsearch, settings: Settings, lead_ids: set[str], selectors: set[str]
) -> list[dict[str, Any]]:
    phones = [s.split(":", 1)[1] for s in selectors if s.startswith("phone:")]
    emails = [s.split(":", 1)[1] for s in selectors if s.startswith("email:")]
    should: list[dict[str, Any]] = (
        [{"terms": {"ads.lead_id": sorted(lead_ids)}}] if lead_ids else []
    )
    if phones:
        should.append({"terms": {"phones": phones}})
    if emails:
        should.append({"terms": {"emails": emails}})
    if not should:
        return []
    return list(scan(es, settings, "gw-employers", {"bool": {"should": should}}))


def add(
    es: Elasticsearch,
    settings: Settings,
    case: Case,
    ref: str,
    user: str,
    why: str | None = None,
    max_docs: int = 500,
    entered: bool = False,
) -> list[CaseItem]:
    """Pulls ``ref`` into the case's holding bin, frozen as it is now. Items the case
    already holds keep their first snapshot; only new ones are added (and returned).
    With ``entered``, ``ref`` is a selector the investigation found elsewhere, held as
    entered (in canonical form) with ``why`` saying where it came from."""
    pulled = _entered(ref, why) if entered else pull(es, settings, ref, max_docs)
    held = {i.key for i in items(es, settings, case)}
    at = _now()
    added = []
    for key, (kind, value, snapshot) in sorted(pulled.found.items()):
        if key in held:
            continue
        item = CaseItem(
            case_id=case.id,
            key=key,
            kind=kind,
            ref=value,
            via=None if key == pulled.root_key else ref,
            added_by=user,
            added_at=at,
            why=why,
            snapshot_at=at,
            snapshot_sha256=snapshot_hash(snapshot),
            snapshot=snapshot,
        )
        added.append(item)
    _store(es, settings, added)
    record(
        es,
        settings,
        "case.add",
        case_id=case.id,
        target=ref,
        reason=why,
        user=user,
        details={
            "added": len(added),
            "already_held": len(pulled.found) - len(added),
            "snapshots": {i.key: i.snapshot_sha256 for i in added},
        },
    )
    return added


def _store(es: Elasticsearch, settings: Settings, new: list[CaseItem]) -> None:
    index = settings.index("case-items")
    for item in new:
        # Create, never overwrite: a snapshot, once stored, stays the one first pulled.
        with contextlib.suppress(ConflictError):
            es.create(index=index, id=_item_id(item.case_id, item.key), document=item.model_dump())
    es.indices.refresh(index=index)


def promote(
    es: Elasticsearch, settings: Settings, case: Case, key: str, note: str, user: str
) -> CaseItem:
    """Makes a held item a subject, on a written reasonable-suspicion note."""
    held = {i.key: i for i in items(es, settings, case)}
    item = held.get(key) or held.get(f"selector:{key}") or held.get(f"employer:{key}")
    refusal = None
    if item is None:
        refusal = f"{case.number} holds no item {key!r}"
    elif item.kind == "lead":
        refusal = (
            f"{item.key} is a lead: a lead is a reason to look, never a subject by itself; "
            "promote the selector or employer it points to"
        )
    elif len(note.strip()) < MIN_NOTE_CHARS:
        refusal = (
            f"promoting {item.key} needs a reasonable-suspicion note of at least "
            f"{MIN_NOTE_CHARS} characters saying why (28 CFR 23.20(a))"
        )
    if refusal is not None or item is None:
        # A refused promotion is part of the record too.
        record(
            es,
            settings,
            "case.promote",
            case_id=case.id,
            target=key,
            outcome="refused",
            reason=refusal,
            user=user,
        )
        raise CaseError(refusal or "no item")
    promotion = Promotion(by=user, at=_now(), note=note.strip())
    es.update(
        index=settings.index("case-items"),
        id=_item_id(case.id, item.key),
        doc={"role": "subject", "promotion": promotion.model_dump()},
        refresh=True,
    )
    record(
        es,
        settings,
        "case.promote",
        case_id=case.id,
        target=item.key,
        reason=promotion.note,
        user=user,
    )
    return item.model_copy(update={"role": "subject", "promotion": promotion})


def approve(es: Elasticsearch, settings: Settings, case: Case, key: str, user: str) -> CaseItem:
    """A supervisor approves a subject's promotion; the promoter may not approve their own."""
    held = {i.key: i for i in items(es, settings, case)}
    item = held.get(key)
    refusal = None
    if item is None or item.role != "subject" or item.promotion is None:
        refusal = f"{case.number} has no subject {key!r} to approve"
    elif item.promotion.approved_by:
        refusal = f"{key} was approved by {item.promotion.approved_by} already"
    elif item.promotion.by == user:
        refusal = f"{user} promoted {key}: another supervisor approves it"
    if refusal is not None or item is None or item.promotion is None:
        record(
            es,
            settings,
            "case.approve",
            case_id=case.id,
            target=key,
            outcome="refused",
            reason=refusal,
            user=user,
        )
        raise CaseError(refusal or "no item")
    promotion = item.promotion.model_copy(update={"approved_by": user, "approved_at": _now()})
    es.update(
        index=settings.index("case-items"),
        id=_item_id(case.id, item.key),
        doc={"promotion": promotion.model_dump()},
        refresh=True,
    )
    record(es, settings, "case.approve", case_id=case.id, target=key, user=user)
    return item.model_copy(update={"promotion": promotion})


def _pull_ref(item: CaseItem) -> str:
    """What to pull again to refresh an item that was pulled for itself."""
    return item.ref if item.kind == "selector" else f"{item.kind}:{item.ref}"


@dataclass
class Changes:
    new: list[str] = field(default_factory=list)  # keys the case does not hold yet
    changed: list[str] = field(default_factory=list)  # keys whose content moved on
    added: list[CaseItem] = field(default_factory=list)


def refresh(
    es: Elasticsearch, settings: Settings, case: Case, user: str, apply: bool = False
) -> Changes:
    """What changed since each pull: new items and changed ones. With ``apply`` the new
    ones are added and each changed one gets a newer snapshot beside the first (the
    first stays as it was pulled)."""
    held = {i.key: i for i in items(es, settings, case)}
    roots = sorted({i.via or _pull_ref(i) for i in held.values() if "#" not in i.key})
    changes = Changes()
    fresh: dict[str, tuple[ItemKind, str, dict[str, Any], str]] = {}
    for root in roots:
        try:
            pulled = pull(es, settings, root)
        except CaseError:
            continue  # the root is gone (deleted at the end of its retention)
        for key, (kind, value, snapshot) in pulled.found.items():
            fresh[key] = (kind, value, snapshot, root if key != pulled.root_key else "")
    at = _now()
    for key, (kind, value, snapshot, root) in sorted(fresh.items()):
        digest = snapshot_hash(snapshot)
        if key not in held:
            changes.new.append(key)
        elif held[key].snapshot_sha256 != digest:
            changes.changed.append(key)
        else:
            continue
        if apply:
            changes.added.append(
                CaseItem(
                    case_id=case.id,
                    key=key if key not in held else f"{key}#{at}",
                    kind=kind,
                    ref=value,
                    via=root or None,
                    added_by=user,
                    added_at=at,
                    why="refresh",
                    snapshot_at=at,
                    snapshot_sha256=digest,
                    snapshot=snapshot,
                )
            )
    _store(es, settings, changes.added)
    record(
        es,
        settings,
        "case.refresh",
        case_id=case.id,
        user=user,
        details={
            "new": len(changes.new),
            "changed": len(changes.changed),
            "added": len(changes.added),
        },
    )
    return changes


def lead_snapshots(held: list[CaseItem]) -> list[dict[str, Any]]:
    """The case's leads as frozen (the first snapshot of each)."""
    return [i.snapshot["lead"] for i in held if i.kind == "lead" and "#" not in i.key]


def case_selectors(held: list[CaseItem]) -> list[str]:
    """Every selector the case's frozen leads carry, and the selectors pulled in."""
    found = {i.ref for i in held if i.kind == "selector"}
    for lead in lead_snapshots(held):
        found.update(lead.get("selectors") or [])
    return sorted(found)
