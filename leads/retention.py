"""Retention and legal holds.

Raw documents and leads carry ``retain_until``: collection time plus the source's
retention (``retention_days_by_source``, else ``retention_days``: five years for
intelligence records). What is past it is deleted unless something protects it:

- a legal hold (scope ``case``, ``selector`` or ``batch``, with its authority, issuer,
  reason and optional expiry) that is neither released nor expired;
- a case: a lead pulled into a case keeps the case's retention (cases are kept until
  an operator closes and removes them), and so does its raw page.

Each deletion writes a tombstone to the audit trail (what, its hash, why it could go).
Selector profiles that no longer have ads, and WARC files no raw document points to any
longer, go with them. A dry run lists what would go and deletes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from elasticsearch import Elasticsearch, NotFoundError
from pydantic import Field

from leads.audit import record
from leads.entities import profile_id
from leads.settings import Settings
from leads.store import partial_update, scan
from leads.validation import Strict

Scope = Literal["case", "selector", "batch"]


class Hold(Strict):
    id: str
    scope: Scope
    value: str = Field(min_length=1)
    authority: str = Field(min_length=3)  # e.g. a preservation order, a subpoena, a policy
    issuer: str = Field(min_length=1)
    reason: str = Field(min_length=3)
    created_at: str
    expires_at: str | None = None
    released_at: str | None = None
    released_by: str | None = None
    release_reason: str | None = None

    def active(self, now: datetime) -> bool:
        if self.released_at:
            return False
        return self.expires_at is None or datetime.fromisoformat(self.expires_at) > now


def _now() -> datetime:
    return datetime.now(UTC)


def add_hold(
    es: Elasticsearch,
    settings: Settings,
    scope: Scope,
    value: str,
    authority: str,
    reason: str,
    issuer: str,
    expires_at: datetime | None = None,
) -> Hold:
    hold = Hold(
        id=f"H-{uuid.uuid4().hex[:10]}",
        scope=scope,
        value=value,
        authority=authority,
        issuer=issuer,
        reason=reason,
        created_at=_now().isoformat(timespec="seconds"),
        expires_at=expires_at.isoformat(timespec="seconds") if expires_at else None,
    )
    es.index(index=settings.index("holds"), id=hold.id, document=hold.model_dump(), refresh=True)
    record(es, settings, "hold.add", case_id=value if scope == "case" else None,
           target=f"{scope}:{value}", reason=reason, user=issuer,
           details={"hold": hold.id, "authority": authority})  # fmt: skip
    return hold


def list_holds(es: Elasticsearch, settings: Settings) -> list[Hold]:
    return sorted(
        (Hold.model_validate(h) for h in scan(es, settings, "holds", {"match_all": {}})),
        key=lambda h: h.created_at,
    )


def release_hold(
    es: Elasticsearch, settings: Settings, hold_id: str, user: str, reason: str
) -> Hold:
    try:
        hold = Hold.model_validate(es.get(index=settings.index("holds"), id=hold_id)["_source"])
    except NotFoundError:
        raise ValueError(f"no hold {hold_id!r}") from None
    if hold.released_at:
        raise ValueError(f"hold {hold_id} was released at {hold.released_at}")
    change = {"released_at": _now().isoformat(timespec="seconds"), "released_by": user,
              "release_reason": reason}  # fmt: skip
    es.update(index=settings.index("holds"), id=hold_id, doc=change, refresh=True)
    record(es, settings, "hold.release", target=f"{hold.scope}:{hold.value}", reason=reason,
           user=user, details={"hold": hold_id})  # fmt: skip
    return hold.model_copy(update=change)


def evidence_file(settings: Settings, name: str, batch_id: str) -> Path | None:
    """Where a WARC or screenshot reference points, resolved: a relative name (social
    collectors store the bare file name) against its batch's evidence folder. None when
    the batch id cannot name a folder."""
    path = Path(name)
    if not path.is_absolute():
        try:
            path = settings.evidence_folder(batch_id) / path
        except ValueError:
            return None
    return path.resolve()


def retain_until(settings: Settings, source_id: str, collected: datetime) -> datetime:
    days = settings.retention_days_by_source.get(source_id, settings.retention_days)
    return collected + timedelta(days=days)


def stamp(es: Elasticsearch, settings: Settings) -> int:
    """Gives every raw document and lead without ``retain_until`` its date."""
    n = 0
    for kind, when, source in (
        ("raw", "provenance.fetched_at", "provenance.source_id"),
        ("leads", "fetched_at", "source_id"),
    ):
        missing = {"bool": {"must_not": [{"exists": {"field": "retain_until"}}]}}
        docs = []
        for d in scan(es, settings, kind, missing, source=["id", when, source]):
            got = d.get("provenance", d) if kind == "raw" else d
            fetched = datetime.fromisoformat(str(got["fetched_at"]).replace("Z", "+00:00"))
            until = retain_until(settings, str(got["source_id"]), fetched)
            docs.append((d["id"], {"retain_until": until.isoformat()}))
        for i in range(0, len(docs), 500):
            partial_update(es, settings, kind, docs[i : i + 500])
        n += len(docs)
    return n


@dataclass
class Sweep:
    """What a retention run deleted (or, dry, would delete), and what it kept and why."""

    raw: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    warc_files: list[str] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # doc id -> what protects it


def _protection(
    lead: dict[str, Any],
    batch: str,
    holds: list[Hold],
    in_cases: dict[str, str],
) -> str | None:
    # A lead in any case keeps the case's retention, so a hold on a case (kept on record
    # for when a case is removed) adds nothing here.
    if lead["id"] in in_cases:
        return f"in case {in_cases[lead['id']]}"
    for hold in holds:
        if hold.scope == "batch" and hold.value == batch:
            return f"hold {hold.id} on batch {batch}"
        if hold.scope == "selector" and hold.value in (lead.get("selectors") or []):
            return f"hold {hold.id} on {hold.value}"
    return None


def sweep(es: Elasticsearch, settings: Settings, user: str, dry_run: bool = False) -> Sweep:
    """Deletes what is past its retention and protected by nothing."""
    now = _now()
    stamp(es, settings)
    holds = [h for h in list_holds(es, settings) if h.active(now)]
    in_cases: dict[str, str] = {}  # lead id or raw document id -> a case holding it
    fields = ["case_id", "ref", "snapshot.lead.doc_id"]
    for item in scan(es, settings, "case-items", {"term": {"kind": "lead"}}, source=fields):
        in_cases.setdefault(item["ref"], item["case_id"])
        doc_id = ((item.get("snapshot") or {}).get("lead") or {}).get("doc_id")
        if doc_id:
            in_cases.setdefault(doc_id, item["case_id"])
    expired = {"range": {"retain_until": {"lt": now.isoformat()}}}
    out = Sweep()
    doomed_selectors: set[str] = set()
    kept_raw: set[str] = set()  # raw pages of kept leads
    lead_fields = ["id", "doc_id", "batch_id", "selectors"]
    for lead in scan(es, settings, "leads", expired, source=lead_fields):
        why = _protection(lead, lead.get("batch_id", ""), holds, in_cases)
        if why:
            out.kept[lead["id"]] = why
            kept_raw.add(lead.get("doc_id", lead["id"]))
            continue
        out.leads.append(lead["id"])
        doomed_selectors.update(lead.get("selectors") or [])
    warcs: set[tuple[str, str]] = set()  # (WARC file, batch) of the raw documents that go
    raw_fields = ["id", "provenance.batch_id", "provenance.warc"]
    for raw in scan(es, settings, "raw", expired, source=raw_fields):
        batch = raw["provenance"]["batch_id"]
        held = (
            raw["id"] in kept_raw
            or raw["id"] in in_cases
            or any(h.scope == "batch" and h.value == batch for h in holds)
        )
        if held:
            out.kept.setdefault(raw["id"], "its lead is kept")
            continue
        out.raw.append(raw["id"])
        if (raw["provenance"].get("warc") or {}).get("file"):
            warcs.add((raw["provenance"]["warc"]["file"], batch))
    if es.indices.exists_alias(name=settings.index("tips")):
        for tip in scan(es, settings, "tips", expired, source=["id", "selectors"]):
            hold = next((h for h in holds if h.scope == "selector"
                         and h.value in (tip.get("selectors") or [])), None)  # fmt: skip
            if hold:
                out.kept[tip["id"]] = f"hold {hold.id} on {hold.value}"
                continue
            out.tips.append(tip["id"])
    if dry_run:
        return out
    _delete(es, settings, "tips", out.tips, user, "retention.delete.tip")
    _delete(es, settings, "leads", out.leads, user, "retention.delete.lead")
    _delete(es, settings, "raw", out.raw, user, "retention.delete.raw")
    out.profiles = _orphan_profiles(es, settings, doomed_selectors)
    _delete(es, settings, "entities", out.profiles, user, "retention.delete.profile")
    out.warc_files = _orphan_warcs(es, settings, warcs, user)
    return out


def _delete(
    es: Elasticsearch, settings: Settings, kind: str, ids: list[str], user: str, action: str
) -> None:
    index = settings.index(kind)
    for doc_id in ids:
        es.options(ignore_status=404).delete(index=index, id=doc_id)
        record(es, settings, action, target=doc_id, user=user,
               reason="past its retention and under no hold or case")  # fmt: skip
    es.indices.refresh(index=index)


def _orphan_profiles(es: Elasticsearch, settings: Settings, selectors: set[str]) -> list[str]:
    """Profiles of the given selectors that no remaining lead carries."""
    orphans = []
    es.indices.refresh(index=settings.index("leads"))
    for selector in sorted(selectors):
        left = es.count(index=settings.index("leads"), query={"term": {"selectors": selector}})
        if left["count"] == 0:
            orphans.append(profile_id(selector))
    return orphans


def _orphan_warcs(
    es: Elasticsearch, settings: Settings, files: set[tuple[str, str]], user: str
) -> list[str]:
    """The WARC files of deleted raw documents that no remaining one points to. Only
    these: a file whose pages never became raw documents (a failed run, a dead letter)
    is not retention's to judge."""
    es.indices.refresh(index=settings.index("raw"))
    gone = []
    base = settings.evidence_path.resolve()
    for name, batch in sorted(files):
        left = es.count(index=settings.index("raw"), query={"term": {"provenance.warc.file": name}})
        path = evidence_file(settings, name, batch)
        if path is None or not path.is_relative_to(base) or not path.name.endswith(".warc.gz"):
            record(es, settings, "retention.refused", target=name, user=user, outcome="refused",
                   reason="a WARC path outside the evidence store is never deleted")  # fmt: skip
            continue
        if left["count"] == 0 and path.is_file():
            path.unlink()
            gone.append(name)
            record(es, settings, "retention.delete.warc", target=name, user=user,
                   reason="no raw document refers to it any longer")  # fmt: skip
    return gone
