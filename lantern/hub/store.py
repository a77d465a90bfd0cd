"""The hub's storage: agencies, pointers, operations and conflicts in Elasticsearch under
the hub's own index prefix; its OPRF key seed in its folder; every action in its own
hash-chained audit trail (leads/audit.py, with the agency as the actor).

Nothing here ever holds a selector: pointers carry pseudonyms (OPRF outputs), and the
audit trail carries counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from leads.audit import record
from leads.cases import agency_code
from leads.deconfliction import (
    OperationIn,
    areas_meet,
    conflict_id,
    pointer_expiry,
    pointer_id,
    windows_overlap,
)
from leads.ids import stable_id
from leads.oprf import HubKey
from leads.settings import Settings
from leads.store import delete_where, ensure_indices, scan
from leads.validation import Strict

MAPPINGS = Path(__file__).with_name("mappings")
HUB_KINDS = ("agencies", "pointers", "operations", "conflicts", "counters", "audit")
KEY_PREFIX = "lh1"


class HubError(ValueError):
    """A hub action that cannot be done, said in one line."""


class Agency(Strict):
    id: str
    name: str
    contact: str
    key_sha256: str
    webhook: str | None = None
    active: bool = True
    created_at: str
    created_by: str


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    """UTC, one format: stored times are compared as text as well as dates."""
    return at.astimezone(UTC).isoformat(timespec="seconds")


def ensure(es: Elasticsearch, hub: Settings) -> None:
    ensure_indices(es, hub, HUB_KINDS, MAPPINGS)


def oprf_key(hub: Settings) -> HubKey:
    """The hub's OPRF key: a 32-byte seed in the hub's folder, made on first use,
    readable by the hub's user only. Losing it makes every stored pointer unmatchable
    (agencies would have to submit again); back it up like a signing key."""
    path = hub.hub_path / "oprf-seed"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return HubKey(path.read_bytes())


# Agencies and their keys


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_agency(
    es: Elasticsearch, hub: Settings, name: str, contact: str, by: str, webhook: str | None = None
) -> tuple[Agency, str]:
    """Registers an agency; returns it and its API key (shown once, stored hashed)."""
    if not contact.strip():
        raise HubError("an agency needs a contact (a desk or a person, with a phone)")
    if webhook and not webhook.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise HubError("a webhook is an https:// URL (plain http only on loopback)")
    code = agency_code(name)
    key = f"{KEY_PREFIX}_{code}_{secrets.token_urlsafe(32)}"
    agency = Agency(
        id=code,
        name=name.strip(),
        contact=contact.strip(),
        key_sha256=_key_hash(key),
        webhook=webhook,
        created_at=_iso(_now()),
        created_by=by,
    )
    try:
        es.create(index=hub.index("agencies"), id=code, document=agency.model_dump(), refresh=True)
    except ConflictError:
        raise HubError(f"agency {code!r} is already registered") from None
    record(es, hub, "hub.agency.add", target=code, user=by, details={"webhook": bool(webhook)})
    return agency, key


def agencies(es: Elasticsearch, hub: Settings) -> list[Agency]:
    return sorted(
        (Agency.model_validate(a) for a in scan(es, hub, "agencies", {"match_all": {}})),
        key=lambda a: a.id,
    )


def set_active(es: Elasticsearch, hub: Settings, agency_id: str, active: bool, by: str) -> None:
    try:
        es.update(index=hub.index("agencies"), id=agency_id, doc={"active": active}, refresh=True)
    except NotFoundError:
        raise HubError(f"no agency {agency_id!r}") from None
    record(
        es, hub, "hub.agency.enable" if active else "hub.agency.disable", target=agency_id, user=by
    )


def authenticate(es: Elasticsearch, hub: Settings, key: str | None) -> Agency | None:
    """The active agency whose key this is, else None (and the refusal on record)."""
    claimed = ""
    if key and key.count("_") >= 2 and key.startswith(f"{KEY_PREFIX}_"):
        claimed = key.split("_", 2)[1]
    agency = None
    if claimed:
        with contextlib.suppress(NotFoundError):
            agency = Agency.model_validate(
                es.get(index=hub.index("agencies"), id=claimed)["_source"]
            )
    if agency is not None and key and hmac.compare_digest(agency.key_sha256, _key_hash(key)):
        if agency.active:
            return agency
        reason = "the agency is disabled"
    else:
        reason = "no API key" if not key else "wrong API key"
    record(
        es,
        hub,
        "hub.auth",
        target=claimed[:100] or None,
        outcome="refused",
        reason=reason,
        user="unauthenticated",
    )
    return None


# The rate limit and deconfliction numbers (compare-and-set on one document each: the
# minimal local node runs no scripts)


def _add(
    es: Elasticsearch, index: str, doc_id: str, k: int, limit: int | None, fields: dict[str, Any]
) -> int | None:
    """Adds ``k`` to the counter ``doc_id`` unless that would pass ``limit``; returns the
    new value, or None (and nothing added) when it would. Concurrent writers retry on
    the document's sequence number, so no count is lost or doubled."""
    for _ in range(50):
        try:
            got = es.get(index=index, id=doc_id)
        except NotFoundError:
            if limit is not None and k > limit:
                return None
            try:
                es.create(index=index, id=doc_id, document={**fields, "id": doc_id, "n": k})
                return k
            except ConflictError:
                continue
        n = int(got["_source"]["n"]) + k
        if limit is not None and n > limit:
            return None
        try:
            es.index(
                index=index,
                id=doc_id,
                document={**got["_source"], "n": n},
                if_seq_no=got["_seq_no"],
                if_primary_term=got["_primary_term"],
            )
            return n
        except ConflictError:
            continue
    raise HubError("the hub is too busy to count (50 writers raced for one counter)")


def take_evaluations(
    es: Elasticsearch, hub: Settings, agency_id: str, count: int, now: datetime | None = None
) -> bool:
    """Counts ``count`` evaluations against the agency's hourly allowance: False, and
    nothing counted, when they would exceed it."""
    period = (now or _now()).strftime("%Y-%m-%dT%H")
    fields = {"agency_id": agency_id, "period": period}
    got = _add(
        es,
        hub.index("counters"),
        f"eval|{agency_id}|{period}",
        count,
        hub.hub_evaluations_per_hour,
        fields,
    )
    return got is not None


def deconfliction_number(es: Elasticsearch, hub: Settings, agency_id: str, case_id: str) -> str:
    """The hub's number for one agency's case (``D-2026-000042``): given on the first
    submission and the same on every later one."""
    index = hub.index("counters")
    doc_id = f"case|{stable_id(agency_id, case_id)}"
    with contextlib.suppress(NotFoundError):
        return str(es.get(index=index, id=doc_id)["_source"]["number"])
    year = _now().year
    seq = _add(es, index, f"seq|{year}", 1, None, {"period": str(year)})
    number = f"D-{year}-{seq:06d}"
    doc = {"id": doc_id, "agency_id": agency_id, "case_id": case_id, "number": number}
    try:
        es.create(index=index, id=doc_id, document=doc, refresh=True)
    except ConflictError:  # a second submission of the same case raced this one
        return str(es.get(index=index, id=doc_id)["_source"]["number"])
    return number


# Pointers and conflicts


def _side(agency: Agency, doc: dict[str, Any]) -> dict[str, Any]:
    """What the other agency is told of one side: who to call and under which numbers,
    never a selector, never case data."""
    side = {
        "agency_id": agency.id,
        "agency": agency.name,
        "agency_contact": agency.contact,
        "contact": doc.get("contact"),
        "case_id": doc["case_id"],
        "deconfliction_number": doc["deconfliction_number"],
    }
    for field in ("pseudonym", "kind", "geohash", "starts_at", "ends_at"):
        if doc.get(field) is not None:
            side[field] = doc[field]
    return side


@dataclass
class Found:
    conflict: dict[str, Any]
    new: bool


def _conflict(
    es: Elasticsearch,
    hub: Settings,
    kind: str,
    mine: tuple[Agency, dict[str, Any]],
    theirs: tuple[Agency, dict[str, Any]],
) -> Found:
    (a, a_doc), (b, b_doc) = mine, theirs
    cid = conflict_id(a_doc["id"], b_doc["id"])
    doc = {
        "id": cid,
        "kind": kind,
        "found_at": _iso(_now()),
        "expires_at": min(a_doc["expires_at"], b_doc["expires_at"]),
        "agencies": sorted({a.id, b.id}),
        "refs": sorted({a_doc["id"], b_doc["id"]}),
        "sides": {a.id: _side(a, a_doc), b.id: _side(b, b_doc)},
    }
    index = hub.index("conflicts")
    try:
        es.create(index=index, id=cid, document=doc, refresh=True)
        return Found(doc, True)
    except ConflictError:  # known already: a re-submission moves only its end
        es.update(
            index=index,
            id=cid,
            doc={"expires_at": doc["expires_at"], "sides": doc["sides"]},
            refresh=True,
        )
        old = es.get(index=index, id=cid)["_source"]
        return Found(old, False)


def view(conflict: dict[str, Any], agency_id: str) -> dict[str, Any]:
    """A conflict as one of its agencies sees it: its own side and the other's."""
    sides = conflict["sides"]
    other = next(k for k in sides if k != agency_id)
    return {
        "id": conflict["id"],
        "kind": conflict["kind"],
        "found_at": conflict["found_at"],
        "yours": sides[agency_id],
        "other": sides[other],
    }


def _agency_map(es: Elasticsearch, hub: Settings, ids: set[str]) -> dict[str, Agency]:
    if not ids:
        return {}
    got = es.mget(index=hub.index("agencies"), ids=sorted(ids))["docs"]
    return {d["_id"]: Agency.model_validate(d["_source"]) for d in got if d.get("found")}


def submit_pointers(
    es: Elasticsearch,
    hub: Settings,
    agency: Agency,
    case_id: str,
    pseudonyms: list[str],
    contact: str | None,
    days: int | None,
) -> tuple[str, list[Found]]:
    """Stores the agency's pointers for a case (a retry overwrites, never duplicates)
    and returns its deconfliction number and the conflicts with other agencies."""
    now = _now()
    expires = _iso(pointer_expiry(now, days))
    number = deconfliction_number(es, hub, agency.id, case_id)
    unique = sorted(set(pseudonyms))
    index = hub.index("pointers")
    docs = []
    for pseudonym in unique:
        doc = {
            "id": pointer_id(agency.id, case_id, pseudonym),
            "agency_id": agency.id,
            "case_id": case_id,
            "pseudonym": pseudonym,
            "contact": contact,
            "deconfliction_number": number,
            "submitted_at": _iso(now),
            "expires_at": expires,
        }
        docs.append(doc)
    operations: list[dict[str, Any]] = []
    for doc in docs:
        operations += [{"index": {"_index": index, "_id": doc["id"]}}, doc]
    if operations:
        result = es.bulk(operations=operations, refresh=True)
        if result["errors"]:
            raise HubError("the hub could not store every pointer; nothing was reported")
    found = _pointer_conflicts(es, hub, agency, docs, now)
    record(
        es,
        hub,
        "hub.pointers.submit",
        target=number,
        user=agency.id,
        details={
            "pointers": len(docs),
            "conflicts": len(found),
            "new_conflicts": sum(f.new for f in found),
        },
    )
    return number, found


def _pointer_conflicts(
    es: Elasticsearch, hub: Settings, agency: Agency, docs: list[dict[str, Any]], now: datetime
) -> list[Found]:
    mine = {d["pseudonym"]: d for d in docs}
    if not mine:
        return []
    others = list(
        scan(
            es,
            hub,
            "pointers",
            {
                "bool": {
                    "filter": [
                        {"terms": {"pseudonym": sorted(mine)}},
                        {"range": {"expires_at": {"gt": _iso(now)}}},
                    ],
                    "must_not": [{"term": {"agency_id": agency.id}}],
                }
            },
            refresh=False,
        )
    )
    holders = _agency_map(es, hub, {o["agency_id"] for o in others})
    found = []
    for other in others:
        if other["agency_id"] in holders and holders[other["agency_id"]].active:
            theirs = (holders[other["agency_id"]], other)
            found.append(_conflict(es, hub, "selector", (agency, mine[other["pseudonym"]]), theirs))
    return found


def withdraw(
    es: Elasticsearch, hub: Settings, agency: Agency, case_id: str, kind: str = "pointers"
) -> int:
    """Removes the agency's pointers (or operations) for a case, and their conflicts."""
    query = {
        "bool": {"filter": [{"term": {"agency_id": agency.id}}, {"term": {"case_id": case_id}}]}
    }
    ids = [d["id"] for d in scan(es, hub, kind, query, source=["id"])]
    if ids:
        delete_where(es, hub, "conflicts", {"terms": {"refs": ids}})
        delete_where(es, hub, kind, query)
    record(
        es,
        hub,
        f"hub.{kind}.withdraw",
        target=case_id[:200],
        user=agency.id,
        details={"withdrawn": len(ids)},
    )
    return len(ids)


def submit_operation(
    es: Elasticsearch, hub: Settings, agency: Agency, op: OperationIn
) -> tuple[str, list[Found]]:
    """Registers an operation; conflicts are other agencies' operations whose windows
    overlap and whose cells overlap or touch."""
    now = _now()
    number = deconfliction_number(es, hub, agency.id, op.case_id)
    doc = {
        "id": stable_id(
            "operation",
            agency.id,
            op.case_id,
            op.geohash,
            op.starts_at.isoformat(),
            op.ends_at.isoformat(),
        ),
        "agency_id": agency.id,
        "case_id": op.case_id,
        "kind": op.kind,
        "geohash": op.geohash,
        "starts_at": _iso(op.starts_at),
        "ends_at": _iso(op.ends_at),
        "contact": op.contact,
        "deconfliction_number": number,
        "submitted_at": _iso(now),
        "expires_at": _iso(op.ends_at),
    }
    es.index(index=hub.index("operations"), id=doc["id"], document=doc, refresh=True)
    candidates = [
        o
        for o in scan(
            es,
            hub,
            "operations",
            {
                "bool": {
                    "filter": [
                        {"range": {"starts_at": {"lt": doc["ends_at"]}}},
                        {"range": {"ends_at": {"gt": doc["starts_at"]}}},
                    ],
                    "must_not": [{"term": {"agency_id": agency.id}}],
                }
            },
            refresh=False,
        )
        if areas_meet(o["geohash"], op.geohash)
        and windows_overlap(
            datetime.fromisoformat(o["starts_at"]),
            datetime.fromisoformat(o["ends_at"]),
            op.starts_at,
            op.ends_at,
        )
    ]
    holders = _agency_map(es, hub, {o["agency_id"] for o in candidates})
    found = [
        _conflict(es, hub, "operation", (agency, doc), (holders[o["agency_id"]], o))
        for o in candidates
        if o["agency_id"] in holders and holders[o["agency_id"]].active
    ]
    record(
        es,
        hub,
        "hub.operation.submit",
        target=number,
        user=agency.id,
        details={"conflicts": len(found), "new_conflicts": sum(f.new for f in found)},
    )
    return number, found


def conflicts_for(es: Elasticsearch, hub: Settings, agency: Agency) -> list[dict[str, Any]]:
    query = {
        "bool": {
            "filter": [
                {"term": {"agencies": agency.id}},
                {"range": {"expires_at": {"gt": _iso(_now())}}},
            ]
        }
    }
    found = sorted(scan(es, hub, "conflicts", query), key=lambda c: (c["found_at"], c["id"]))
    found = [c for c in found if _all_live(es, hub, c["refs"])]
    record(es, hub, "hub.conflicts.read", user=agency.id, details={"conflicts": len(found)})
    return [view(c, agency.id) for c in found]


def _all_live(es: Elasticsearch, hub: Settings, refs: list[str]) -> bool:
    """Whether both sides of a conflict still stand: not withdrawn, not expired (a
    pointer may expire before the purge has run)."""
    now = _iso(_now())
    live = 0
    for kind in ("pointers", "operations"):
        for doc in es.mget(index=hub.index(kind), ids=refs)["docs"]:
            live += bool(doc.get("found") and doc["_source"]["expires_at"] > now)
    return live == len(refs)


def purge(es: Elasticsearch, hub: Settings, now: datetime | None = None) -> dict[str, int]:
    """Deletes expired pointers, operations and conflicts, and rate-limit counters
    older than two days; the counts go on record."""
    at = now or _now()
    counts: dict[str, int] = {}
    for kind in ("conflicts", "pointers", "operations"):
        counts[kind] = delete_where(es, hub, kind, {"range": {"expires_at": {"lte": _iso(at)}}})
    old = (at - timedelta(days=2)).strftime("%Y-%m-%dT%H")
    counts["counters"] = delete_where(
        es,
        hub,
        "counters",
        {"bool": {"filter": [{"prefix": {"id": "eval|"}}, {"range": {"period": {"lt": old}}}]}},
    )
    record(es, hub, "hub.purge", user="hub", details=counts)
    return counts
