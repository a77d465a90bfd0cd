"""Near-duplicate clustering over Elasticsearch, batch by batch.

Each ad's MinHash signature and LSH band keys are stored in ``lantern-templates``. A new
batch looks up its candidates with one terms query on the band keys, keeps the pairs
whose estimated Jaccard similarity reaches ``templates.SIMILAR``, and joins them with the
clusters the candidates already belong to. A cluster keeps its id: an existing id wins
over a new one, and when a new ad joins two clusters the smaller id survives and the
other cluster's members are relabelled. Ads in a cluster of two or more carry the
selector ``template:<cluster id>``, so networks and selector profiles follow templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from leads.ids import stable_id
from leads.settings import Settings
from leads.store import bulk_index, partial_update, scan
from leads.templates import SIMILAR, signed, similarity

_TERMS_CHUNK = 20_000
# Texts in, (signature, band keys) of each out, in order.
Signer = Callable[[Iterator[str]], Iterable[tuple[list[int], list[str]]]]
# Candidates per band key beyond this are a boilerplate hub: not used to join ads.
MAX_BAND_MATCHES = 500


class _Groups:
    """Union-find over ids; each set's root is its smallest id."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster_batch(
    es: Elasticsearch,
    settings: Settings,
    batch_id: str | None,
    pending: dict[str, list[str]] | None = None,
    sign: Signer = signed,
) -> dict[str, int]:
    """Clusters the ads of one batch (None: every ad) into near-duplicate templates.
    The leads whose ``template:`` selectors change are updated, or, given ``pending``,
    their new selectors are put there for the caller to write with its own updates
    (``lantern link`` writes them with the re-scoring: one update per lead, not two).
    ``sign`` makes the signatures and band keys of texts as they are read, in order
    (``lantern link`` spreads that over worker processes)."""
    return plan_clusters(es, settings, batch_id, pending, sign).write(es, settings)


@dataclass
class ClusterPlan:
    """A batch clustered, its templates not yet written: the leads' new selectors are
    already known (``lantern link`` writes the templates while it links)."""

    batch_id: str | None
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)  # old cluster id -> surviving id
    clusters: int = 0
    changed_leads: int = 0

    def write(self, es: Elasticsearch, settings: Settings) -> dict[str, int]:
        """Writes the batch's templates and relabels merged clusters; the summary."""
        if not self.templates:
            return {"ads": 0, "clusters": 0, "changed_leads": 0}
        report = bulk_index(es, settings, "templates", self.templates.items(), stage="cluster",
                            batch_id=self.batch_id, refresh=True)  # fmt: skip
        for old, new in self.merged.items():
            query = {"term": {"cluster_id": old}}
            relabel = [(d["id"], {"cluster_id": new})
                       for d in scan(es, settings, "templates", query, source=["id"])]  # fmt: skip
            partial_update(es, settings, "templates", relabel)
        return {
            "ads": report.indexed,
            "clusters": self.clusters,
            "merged": len(self.merged),
            "changed_leads": self.changed_leads,
        }


def plan_clusters(
    es: Elasticsearch,
    settings: Settings,
    batch_id: str | None,
    pending: dict[str, list[str]] | None = None,
    sign: Signer = signed,
) -> ClusterPlan:
    """:func:`cluster_batch` up to its writes: the clusters, and the leads' template
    selectors changed (or put in ``pending``), reading only what was stored before."""
    query: dict[str, Any] = (
        {"term": {"provenance.batch_id": batch_id}} if batch_id else {"match_all": {}}
    )
    ids: list[str] = []

    def texts() -> Iterator[str]:
        for doc in scan(es, settings, "raw", query, source=["id", "text"]):
            ids.append(doc["id"])
            yield doc["text"]

    sigs: dict[str, list[int]] = {}
    bands: dict[str, list[str]] = {}
    for i, (sig, keys) in enumerate(sign(texts())):
        sigs[ids[i]], bands[ids[i]] = sig, keys
    if len(sigs) != len(ids):
        raise RuntimeError(f"{len(ids)} ads read but {len(sigs)} signatures made")
    plan = ClusterPlan(batch_id)
    if not sigs:
        return plan
    stored = _candidates(es, settings, {k for keys in bands.values() for k in keys})
    # The batch's own ads are clustered afresh; the clusters they were in before must
    # still be looked at (an ad may have left one, and its lead must lose the selector).
    previous = {rid: c for rid in sigs if (c := stored.get(rid, {}).get("cluster_id"))}
    stored.update({rid: {"signature": sigs[rid], "bands": bands[rid], "cluster_id": None}
                   for rid in sigs})  # fmt: skip
    by_band: dict[str, list[str]] = {}
    for rid, doc in stored.items():
        for key in doc["bands"]:
            by_band.setdefault(key, []).append(rid)
    groups = _Groups()
    for rid in sigs:
        groups.find(rid)
        compared = {rid}  # near-duplicates share many bands: each pair is compared once
        for key in bands[rid]:
            peers = by_band.get(key, [])
            if len(peers) > MAX_BAND_MATCHES:
                continue
            for other in peers:
                if other in compared:
                    continue
                compared.add(other)
                if groups.find(rid) == groups.find(other):
                    continue  # already one cluster: comparing cannot change it
                if similarity(sigs[rid], stored[other]["signature"]) >= SIMILAR:
                    groups.join(rid, other)
    members: dict[str, list[str]] = {}
    for rid in stored:
        if rid in sigs or stored[rid]["cluster_id"] is not None:
            members.setdefault(groups.find(rid), []).append(rid)
    # Stored ads of one cluster can fall into different groups (they are never compared
    # with each other), so the clusters a group joins are joined across groups: each
    # set of joined clusters keeps its smallest id, and every other id maps straight to it.
    existing = {root: sorted({c for r in group if (c := stored[r]["cluster_id"])})
                for root, group in members.items()}  # fmt: skip
    joined = _Groups()
    for ids in existing.values():
        for other in ids[1:]:
            joined.join(ids[0], other)
    assigned: dict[str, str] = {}
    # Clusters whose leads may need their template selectors changed. Most ads of a
    # batch match nothing and were in no cluster before: their leads carry no template
    # and get none, so reading and comparing them would change nothing.
    touched = set(previous.values())
    for root, group in members.items():
        ids = existing[root]
        target = joined.find(ids[0]) if ids else stable_id("template", min(group))
        plan.merged.update((old, target) for old in ids if old != target)
        for rid in group:
            assigned[rid] = target
        if len(group) > 1 or ids or group[0] in previous:
            touched.add(target)
    plan.clusters = len(set(assigned.values()))
    plan.templates = {rid: {"id": rid, "bands": bands[rid], "signature": sigs[rid],
                            "cluster_id": assigned[rid], "batch_id": batch_id}
                      for rid in sigs}  # fmt: skip
    clusters = touched | set(plan.merged) | set(plan.merged.values())
    plan.changed_leads = _mark_leads(es, settings, _members(es, settings, clusters, plan),
                                     pending)  # fmt: skip
    return plan


def _members(
    es: Elasticsearch, settings: Settings, cluster_ids: set[str], plan: ClusterPlan
) -> dict[str, list[str]]:
    """The ads of each cluster as they will be once ``plan`` is written: the batch's ads
    where the plan puts them, the others where they are stored (merged clusters under
    the surviving id)."""
    members: dict[str, list[str]] = {}
    if not cluster_ids:
        return members
    for doc in scan(es, settings, "templates", {"terms": {"cluster_id": sorted(cluster_ids)}},
                    source=["id", "cluster_id"]):  # fmt: skip
        if doc["id"] not in plan.templates:
            cid = plan.merged.get(doc["cluster_id"], doc["cluster_id"])
            members.setdefault(cid, []).append(doc["id"])
    for rid, doc in plan.templates.items():
        if doc["cluster_id"] in cluster_ids:
            members.setdefault(doc["cluster_id"], []).append(rid)
    return members


def _candidates(es: Elasticsearch, settings: Settings, keys: set[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    ordered = sorted(keys)
    for i in range(0, len(ordered), _TERMS_CHUNK):
        query = {"terms": {"bands": ordered[i : i + _TERMS_CHUNK]}}
        for doc in scan(es, settings, "templates", query,
                        source=["id", "signature", "bands", "cluster_id"]):  # fmt: skip
            found[doc["id"]] = doc
    return found


def _mark_leads(
    es: Elasticsearch,
    settings: Settings,
    members: dict[str, list[str]],
    pending: dict[str, list[str]] | None = None,
) -> int:
    """Gives every ad of these clusters the selector template:<id> when the cluster has
    two or more ads (none otherwise); unchanged leads are left alone. With ``pending``,
    the new selectors go there rather than to Elasticsearch."""
    wanted: dict[str, str | None] = {
        rid: (f"template:{cid}" if len(ids) > 1 else None)
        for cid, ids in members.items()
        for rid in ids
    }
    updates = []
    ids = sorted(wanted)
    for i in range(0, len(ids), 500):
        found = es.mget(index=settings.index("leads"), ids=ids[i : i + 500],
                        source=["selectors"])["docs"]  # fmt: skip
        for doc in found:
            if not doc.get("found"):
                continue
            old = doc["_source"].get("selectors", [])
            new = sorted([s for s in old if not s.startswith("template:")]
                         + ([wanted[doc["_id"]]] if wanted[doc["_id"]] else []))  # fmt: skip
            if new != sorted(old):
                updates.append((doc["_id"], {"selectors": new}))
    if pending is not None:
        pending.update((lead_id, body["selectors"]) for lead_id, body in updates)
    else:
        partial_update(es, settings, "leads", updates)
    return len(updates)


def cluster_template(
    es: Elasticsearch, settings: Settings, cluster_id: str, limit: int = 50
) -> tuple[str, dict[str, list[str]]]:
    """The shared template of a cluster and, per ad, the words filling its slots."""
    from leads.templates import template_of

    ids = [d["id"] for d in scan(es, settings, "templates", {"term": {"cluster_id": cluster_id}},
                                 source=["id"])][:limit]  # fmt: skip
    texts = {d["id"]: d["text"] for d in scan(es, settings, "raw", {"ids": {"values": ids}},
                                              source=["id", "text"])}  # fmt: skip
    ordered = sorted(texts)
    template, slots = template_of([texts[i] for i in ordered])
    return template, dict(zip(ordered, slots, strict=True))
