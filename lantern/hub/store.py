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
from urllib.parse import urlsplit

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from leads.audit import record
from leads.cases import agency_code
from leads.deconfliction import (
    API_KEY_PREFIX,
    OperationIn,
    areas_meet,
    conflict_id,
    key_owner,
    plain,
    pointer_expiry,
    pointer_id,
)
from leads.ids import stable_id
from leads.oprf import HubKey
from leads.settings import Settings
from leads.store import delete_where, ensure_indices, partial_update, scan
from leads.validation import Strict

MAPPINGS = Path(__file__).with_name("mappings")
HUB_KINDS = ("agencies", "pointers", "operations", "conflicts", "counters", "audit")


class HubError(ValueError):
    """A hub action that cannot be done, said in one line."""


class HubBusy(RuntimeError):
    """The hub's storage cannot take a write now; the caller may retry later."""


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


def oprf_key(es: Elasticsearch, hub: Settings) -> HubKey:
    """The hub's OPRF key: a 32-byte seed in the hub's folder, made on first use (written
    whole or not at all), readable by the hub's user only. Losing it makes every stored
    pointer unmatchable (agencies would have to submit again): back it up like a
    signing key. :class:`HubError` for a seed file that is not one."""
    path = hub.hub_path / "oprf-seed"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".oprf-seed.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(partial, path)  # never replaces a seed another process just made
            made = True
        except FileExistsError:
            made = False
        finally:
            partial.unlink()
        if made:
            key = HubKey(path.read_bytes())
            record(es, hub, "hub.key.new", user="hub", details={"public_key": key.public_key.hex()})
    seed = path.read_bytes()
    if len(seed) != 32:
        raise HubError(
            f"{path} is {len(seed)} bytes, not a 32-byte OPRF seed: restore it from backup"
        )
    return HubKey(seed)


# Agencies and their keys


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key(agency_id: str) -> str:
    return f"{API_KEY_PREFIX}_{agency_id}_{secrets.token_urlsafe(32)}"


def add_agency(
    es: Elasticsearch, hub: Settings, name: str, contact: str, by: str, webhook: str | None = None
) -> tuple[Agency, str]:
    """Registers an agency; returns it and its API key (shown once, stored hashed)."""
    if not contact.strip():
        raise HubError("an agency needs a contact (a desk or a person, with a phone)")
    try:
        plain(name), plain(contact)
    except ValueError as exc:
        raise HubError(f"the name or contact {exc}") from None
    if webhook:
        parts = urlsplit(webhook)
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not (parts.scheme == "https" and parts.hostname) and not loopback:
            raise HubError("a webhook is an https:// URL (plain http only on loopback)")
    code = agency_code(name)
    key = _new_key(code)
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
    """Enables or disables an agency: a disabled one's key is refused and its pointers
    neither conflict nor show in other agencies' conflicts."""
    try:
        es.update(index=hub.index("agencies"), id=agency_id, doc={"active": active}, refresh=True)
    except NotFoundError:
        raise HubError(f"no agency {agency_id!r}") from None
    record(
        es, hub, "hub.agency.enable" if active else "hub.agency.disable", target=agency_id, user=by
    )


def rotate_key(es: Elasticsearch, hub: Settings, agency_id: str, by: str) -> str:
    """A new API key for an agency (the old one is refused from now on)."""
    key = _new_key(agency_id)
    try:
        es.update(
            index=hub.index("agencies"),
            id=agency_id,
            doc={"key_sha256": _key_hash(key)},
            refresh=True,
        )
    except NotFoundError:
        raise HubError(f"no agency {agency_id!r}") from None
    record(es, hub, "hub.agency.rotate-key", target=agency_id, user=by)
    return key


def authenticate(es: Elasticsearch, hub: Settings, key: str | None) -> Agency | None:
    """The active agency whose key this is, else None, with the refusal on record: the
    first of each minute per claimed agency as an audit event, the rest counted (a
    flood of bad keys must not flood the hash chain)."""
    claimed = key_owner(key) if key else ""
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
    # One event a minute for all refusals, the rest counted: whoever floods the hub with
    # bad keys chooses the agency ids they claim, so the throttle cannot be per id.
    minute = _now().strftime("%Y-%m-%dT%H:%M")
    refusals = _add(es, hub.index("counters"), f"auth|{minute}", 1, None, {"period": minute})
    if refusals == 1:
        record(
            es,
            hub,
            "hub.auth",
            target=claimed[:100] or None,
            outcome="refused",
            reason=f"{reason} (later refusals this minute are counted, not listed)",
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
    raise HubBusy("the hub is too busy to count (50 writers raced for one counter)")


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
    """The hub's number for one agency's case (``D-2026-<agency>-0042``): given on the first
    submission and the same on every later one."""
    index = hub.index("counters")
    doc_id = f"case|{stable_id(agency_id, case_id)}"
    with contextlib.suppress(NotFoundError):
        return str(es.get(index=index, id=doc_id)["_source"]["number"])
    # A sequence per agency: a hub-wide one would tell every agency how many cases
    # the others have numbered.
    year = _now().year
    seq = _add(
        es, index, f"seq|{agency_id}|{year}", 1, None, {"agency_id": agency_id, "period": str(year)}
    )
    number = f"D-{year}-{agency_id}-{seq:04d}"
    doc = {"id": doc_id, "agency_id": agency_id, "case_id": case_id, "number": number}
    try:
        es.create(index=index, id=doc_id, document=doc, refresh=True)
    except ConflictError:  # a second submission of the same case raced this one
        return str(es.get(index=index, id=doc_id)["_source"]["number"])
    return number


# Pointers and conflicts


def _side(agency: Agency, doc: dict[str, Any]) -> dict[str, Any]:
    """One side of a conflict as stored: who to call and under which numbers, never a
    selector, never case data; an operation's area, window and kind are kept for its
    own agency only (:func:`view` leaves them out of what the other side is told)."""
    side = {
        "agency_id": agency.id,
        "agency": agency.name,
        "agency_contact": agency.contact,
        "contact": doc.get("contact"),
        "case_id": doc["case_id"],
        "deconfliction_number": doc["deconfliction_number"],
        "ref": doc["id"],
    }
    for field in ("pseudonym", "kind", "geohash", "starts_at", "ends_at"):
        if doc.get(field) is not None:
            side[field] = doc[field]
    return side


_TOLD_TO_THE_OTHER = (
    "agency_id",
    "agency",
    "agency_contact",
    "contact",
    "case_id",
    "deconfliction_number",
    "pseudonym",
)


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
        "expires_at": min(_when(a_doc["expires_at"]), _when(b_doc["expires_at"])).isoformat(),
        "agencies": sorted({a.id, b.id}),
        "refs": sorted({a_doc["id"], b_doc["id"]}),
        "sides": {a.id: _side(a, a_doc), b.id: _side(b, b_doc)},
        "withdrawn": {},
    }
    index = hub.index("conflicts")
    try:
        es.create(index=index, id=cid, document=doc, refresh=True)
        return Found(doc, True)
    except ConflictError:  # known already: a re-submission moves only its end
        es.update(
            index=index,
            id=cid,
            refresh=True,
            doc={"expires_at": doc["expires_at"], "sides": doc["sides"]},
        )
        return Found(es.get(index=index, id=cid)["_source"], False)


def view(conflict: dict[str, Any], agency_id: str) -> dict[str, Any]:
    """A conflict as one of its agencies sees it: its own side, and of the other side
    only whom to call and under which numbers."""
    sides = conflict["sides"]
    other = next(k for k in sides if k != agency_id)
    withdrawn = (conflict.get("withdrawn") or {}).get(other)
    return {
        "id": conflict["id"],
        "kind": conflict["kind"],
        "found_at": conflict["found_at"],
        "status": f"withdrawn by the other agency at {withdrawn}" if withdrawn else "open",
        "yours": {k: v for k, v in sides[agency_id].items() if k != "ref"},
        "other": {k: v for k, v in sides[other].items() if k in _TOLD_TO_THE_OTHER},
    }


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


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
) -> tuple[str, str, list[Found]]:
    """Stores the agency's pointers for a case (a retry overwrites, never duplicates);
    returns its deconfliction number, the pointers' expiry and the conflicts with other
    agencies. :class:`ValueError` for a lifetime out of bounds, :class:`HubBusy` when
    storage fails (nothing is reported then)."""
    now = _now()
    expires = _iso(pointer_expiry(now, days))
    number = deconfliction_number(es, hub, agency.id, case_id)
    index = hub.index("pointers")
    docs = [
        {
            "id": pointer_id(agency.id, case_id, pseudonym),
            "agency_id": agency.id,
            "case_id": case_id,
            "pseudonym": pseudonym,
            "contact": contact,
            "deconfliction_number": number,
            "submitted_at": _iso(now),
            "expires_at": expires,
        }
        for pseudonym in sorted(set(pseudonyms))
    ]
    operations: list[dict[str, Any]] = []
    for doc in docs:
        operations += [{"index": {"_index": index, "_id": doc["id"]}}, doc]
    if operations:
        result = es.bulk(operations=operations, refresh=True)
        if result["errors"]:
            raise HubBusy("the hub could not store every pointer; nothing was reported")
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
            "with": sorted({a for f in found for a in f.conflict["agencies"]} - {agency.id}),
        },
    )
    return number, expires, found


def _pointer_conflicts(
    es: Elasticsearch, hub: Settings, agency: Agency, docs: list[dict[str, Any]], now: datetime
) -> list[Found]:
    mine = {d["pseudonym"]: d for d in docs}
    if not mine:
        return []
    query = {
        "bool": {
            "filter": [
                {"terms": {"pseudonym": sorted(mine)}},
                {"range": {"expires_at": {"gt": _iso(now)}}},
            ],
            "must_not": [{"term": {"agency_id": agency.id}}],
        }
    }
    others = list(scan(es, hub, "pointers", query, refresh=False))
    holders = _agency_map(es, hub, {o["agency_id"] for o in others})
    return [
        _conflict(es, hub, "selector", (agency, mine[o["pseudonym"]]), (holders[o["agency_id"]], o))
        for o in others
        if o["agency_id"] in holders and holders[o["agency_id"]].active
    ]


def withdraw(
    es: Elasticsearch,
    hub: Settings,
    agency: Agency,
    case_id: str,
    kind: str = "pointers",
    pseudonyms: list[str] | None = None,
) -> int:
    """Removes the agency's pointers (or operations) for a case — all, or only those of
    ``pseudonyms``. Their conflicts stay on record for the other agency, marked
    withdrawn (a probe followed by a withdrawal is still seen by the agency probed),
    and purge with their time."""
    filters: list[dict[str, Any]] = [
        {"term": {"agency_id": agency.id}},
        {"term": {"case_id": case_id}},
    ]
    if pseudonyms is not None:
        filters.append({"terms": {"pseudonym": sorted(set(pseudonyms))}})
    query = {"bool": {"filter": filters}}
    ids = [d["id"] for d in scan(es, hub, kind, query, source=["id"])]
    at = _iso(_now())
    touched = []
    if ids:
        for conflict in scan(es, hub, "conflicts", {"terms": {"refs": ids}}):
            withdrawn = {**(conflict.get("withdrawn") or {}), agency.id: at}
            touched.append((conflict["id"], {"withdrawn": withdrawn}))
        partial_update(es, hub, "conflicts", touched)
        delete_where(es, hub, kind, query)
    record(
        es,
        hub,
        f"hub.{kind}.withdraw",
        target=case_id[:200],
        user=agency.id,
        details={"withdrawn": len(ids), "conflicts_marked": len(touched)},
    )
    return len(ids)


def submit_operation(
    es: Elasticsearch, hub: Settings, agency: Agency, op: OperationIn
) -> tuple[str, list[Found]]:
    """Registers an operation; conflicts are other agencies' coming operations whose
    windows overlap and whose cells overlap or touch."""
    now = _now()
    number = deconfliction_number(es, hub, agency.id, op.case_id)
    starts, ends = _iso(op.starts_at), _iso(op.ends_at)
    doc = {
        "id": stable_id("operation", agency.id, op.case_id, op.geohash, starts, ends),
        "agency_id": agency.id,
        "case_id": op.case_id,
        "kind": op.kind,
        "geohash": op.geohash,
        "starts_at": starts,
        "ends_at": ends,
        "contact": op.contact,
        "deconfliction_number": number,
        "submitted_at": _iso(now),
        "expires_at": ends,
    }
    es.index(index=hub.index("operations"), id=doc["id"], document=doc, refresh=True)
    overlapping = {
        "bool": {
            "filter": [
                {"range": {"starts_at": {"lt": ends}}},
                {"range": {"ends_at": {"gt": max(starts, _iso(now))}}},  # not ended ones
            ],
            "must_not": [{"term": {"agency_id": agency.id}}],
        }
    }
    candidates = [
        o
        for o in scan(es, hub, "operations", overlapping, refresh=False)
        if areas_meet(o["geohash"], op.geohash)
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
        details={
            "conflicts": len(found),
            "new_conflicts": sum(f.new for f in found),
            "with": sorted({a for f in found for a in f.conflict["agencies"]} - {agency.id}),
        },
    )
    return number, found


def conflicts_for(es: Elasticsearch, hub: Settings, agency: Agency) -> list[dict[str, Any]]:
    """The agency's conflicts that still stand: its own side live, and the other side
    live or withdrawn (then marked so); none with a disabled agency."""
    now = _now()
    query = {
        "bool": {
            "filter": [
                {"term": {"agencies": agency.id}},
                {"range": {"expires_at": {"gt": _iso(now)}}},
            ]
        }
    }
    found = sorted(scan(es, hub, "conflicts", query), key=lambda c: (c["found_at"], c["id"]))
    live = _live_refs(es, hub, {r for c in found for r in c["refs"]}, now)
    others = _agency_map(es, hub, {a for c in found for a in c["agencies"]} - {agency.id})
    shown = []
    for conflict in found:
        withdrawn = conflict.get("withdrawn") or {}
        other = next(a for a in conflict["sides"] if a != agency.id)
        mine_ref, other_ref = conflict["sides"][agency.id]["ref"], conflict["sides"][other]["ref"]
        if agency.id in withdrawn or mine_ref not in live:
            continue
        if other not in others or not others[other].active:
            continue
        if other_ref in live or other in withdrawn:
            shown.append(view(conflict, agency.id))
    record(es, hub, "hub.conflicts.read", user=agency.id, details={"conflicts": len(shown)})
    return shown


def _live_refs(es: Elasticsearch, hub: Settings, refs: set[str], now: datetime) -> set[str]:
    """Which pointers and operations exist and have not expired (one may expire before
    the purge has run)."""
    live: set[str] = set()
    if not refs:
        return live
    for kind in ("pointers", "operations"):
        for doc in es.mget(index=hub.index(kind), ids=sorted(refs))["docs"]:
            if doc.get("found") and _when(doc["_source"]["expires_at"]) > now:
                live.add(doc["_id"])
    return live


def purge(es: Elasticsearch, hub: Settings, now: datetime | None = None) -> dict[str, int]:
    """Deletes expired pointers, operations and conflicts, deconfliction numbers of
    cases with nothing left at the hub, and rate-limit counters older than two days;
    the counts go on record."""
    at = now or _now()
    counts: dict[str, int] = {}
    for kind in ("conflicts", "pointers", "operations"):
        counts[kind] = delete_where(es, hub, kind, {"range": {"expires_at": {"lte": _iso(at)}}})
    held = {
        (d["agency_id"], d["case_id"])
        for kind in ("pointers", "operations")
        for d in scan(es, hub, kind, {"match_all": {}}, source=["agency_id", "case_id"])
    }
    numbers = [
        d["id"]
        for d in scan(es, hub, "counters", {"prefix": {"id": "case|"}})
        if (d["agency_id"], d["case_id"]) not in held
    ]
    counts["case_numbers"] = (
        delete_where(es, hub, "counters", {"ids": {"values": numbers}}) if numbers else 0
    )
    old = (at - timedelta(days=2)).strftime("%Y-%m-%dT%H")
    counts["counters"] = delete_where(
        es,
        hub,
        "counters",
        {
            "bool": {
                "filter": [
                    {
                        "bool": {
                            "should": [{"prefix": {"id": "eval|"}}, {"prefix": {"id": "auth|"}}]
                        }
                    },
                    {"range": {"period": {"lt": old}}},
                ]
            }
        },
    )
    record(es, hub, "hub.purge", user="hub", details=counts)
    return counts
