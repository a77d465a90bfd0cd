"""Near-duplicate templates, batch by batch, on the real Elasticsearch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lantern.jobs.scoring import score_batch
from leads.clustering import cluster_batch, cluster_template
from leads.ids import document_id
from leads.linking import link, network, render_tree, rescore
from leads.models import Provenance, RawDocument
from leads.scoring import network_points
from leads.settings import Settings
from leads.store import bulk_index, scan

TEMPLATE = ("Hi guys, I am {name}, {age}. Sweet and 100% real, new in {city} this week only. "
            "Incall and outcall, no rush. Text me at {phone} for rates and pics.")  # fmt: skip
MEMBERS = [
    ("Luna Fictitia", "21", "Las Vegas", "(702) 555-0161"),
    ("Rosa Demo", "23", "Phoenix", "(602) 555-0162"),
    ("Cleo Mock", "19", "Denver", "(303) 555-0163"),
    ("Jade Placeholder", "24", "Dallas", "(214) 555-0164"),
]
UNRELATED = [
    "Selling a gently used couch, $150 or best offer. Pickup only. Call (404) 555-0171.",
    "Piano lessons for all ages, first lesson free. Studio downtown. (206) 555-0172",
    "Warehouse associate, full time, benefits after 60 days. HR: (713) 555-0173",
    "Yard sale Saturday 8am-2pm: books, toys, tools. 12 Oak Street.",
    "Dog walker available weekday mornings, references on request. (312) 555-0174",
]


def test_signatures_are_datasketchs_minhash_bit_for_bit() -> None:
    """Stored signatures were made by datasketch; new ones must match them exactly, or
    a new ad would never join a stored template. Mixed lengths, empty and one-word texts,
    and more texts than one numpy pass holds."""
    from datasketch import MinHash

    from leads.templates import NUM_PERM, shingles, signatures

    texts = [TEMPLATE.format(name=n, age=a, city=c, phone=p) for n, a, c, p in MEMBERS]
    texts += UNRELATED + ["", "!!!", "word", "Ünïcödé 55 ads", "a b"] + [""] * 3
    texts += [f"{u} variant {i}" for i in range(60) for u in UNRELATED]
    texts.insert(7, " ".join(f"w{i}" for i in range(70_000)))  # more shingles than a pass
    ours = signatures(texts)
    theirs = MinHash.bulk((shingles(t) for t in texts), num_perm=NUM_PERM)
    assert ours == [[int(v) for v in m.hashvalues] for m in theirs]


def _raw(source: str, n: int, text: str, batch: str) -> RawDocument:
    url = f"http://example.test/{source}/{n}"
    return RawDocument(id=document_id(source, url), text=text, provenance=Provenance(
        source_id=source, url=url, final_url=url, fetched_at=datetime(2026, 11, 1 + n, tzinfo=UTC),
        sha256="0" * 64, batch_id=batch, crawler_version="test", http_status=200))  # fmt: skip


def _load(es: Any, settings: Settings, docs: list[RawDocument], batch: str) -> None:
    bulk_index(es, settings, "raw", ((d.id, d.model_dump(mode="json")) for d in docs),
               stage="test", refresh=True)  # fmt: skip
    score_batch(es, settings, batch)
    cluster_batch(es, settings, batch)
    link(es, settings, batch)


@pytest.fixture(scope="module")
def loaded(es: Any, settings: Settings) -> dict[str, Any]:
    docs = [_raw("tpl", i, TEMPLATE.format(name=n, age=a, city=c, phone=p), "tpl-1")
            for i, (n, a, c, p) in enumerate(MEMBERS[:3])]  # fmt: skip
    docs += [_raw("other", i, t, "tpl-1") for i, t in enumerate(UNRELATED)]
    _load(es, settings, docs, "tpl-1")
    return {"members": [d.id for d in docs[:3]], "unrelated": [d.id for d in docs[3:]]}


def _clusters(es: Any, settings: Settings) -> dict[str, str]:
    return {d["id"]: d["cluster_id"] for d in scan(es, settings, "templates", {"match_all": {}})}


def test_a_reused_template_is_one_cluster_and_nothing_else_joins(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    clusters = _clusters(es, settings)
    ids = {clusters[m] for m in loaded["members"]}
    assert len(ids) == 1
    (cid,) = ids
    assert all(clusters[u] != cid for u in loaded["unrelated"])
    template, slots = cluster_template(es, settings, cid)
    assert "100% real, new in" in template and "▢" in template
    assert any("Luna Fictitia, 21." in s for s in slots[loaded["members"][0]])


def test_shared_wording_is_listed_as_similar_never_joined_into_the_network(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    net = network(es, settings, "phone:+17025550161")
    first, *copies = loaded["members"]
    assert [d.id for d in net.docs] == [first]
    assert not any(e.selector.startswith("template:") for e in net.edges)
    assert sorted(d.id for d in net.similar) == sorted(copies)
    (cid,) = set(_clusters(es, settings)[m] for m in loaded["members"])
    for sim in net.similar:
        assert sim.template == f"template:{cid}" and sim.closest == first
        assert 0.4 <= sim.similarity <= 1.0
    assert "2 more ads share only wording" in net.explanation
    assert any(line.startswith("similar wording only") for line in render_tree(net))


# A planted operation: one phone behind ads written three different ways, and strangers
# who copy the wording of one of them with their own phones.
PLANTED_PHONE = "(505) 555-0188"
PLANTED = [
    "Luna Fictitia here, 22, visiting Santa Fe for a few days. Sweet, discreet, upscale "
    "companion, generous gents only. Call {phone}",
    "Two friends available tonight in Albuquerque, fun and friendly, ask about our duo "
    "special. Texts only {phone}",
    "Massage and relaxation by appointment, quiet private studio near the airport, "
    "discretion assured. Book at {phone}",
]
COPIERS = ["(575) 555-0121", "(575) 555-0122", "(575) 555-0123", "(575) 555-0124"]


def test_a_planted_network_keeps_its_own_ads_and_copied_wording_counts_for_less(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    docs = [_raw("plant", i, t.format(phone=PLANTED_PHONE), "plant-1")
            for i, t in enumerate(PLANTED)]  # fmt: skip
    docs += [_raw("copy", i, PLANTED[0].format(phone=p), "plant-1")
             for i, p in enumerate(COPIERS)]  # fmt: skip
    _load(es, settings, docs, "plant-1")
    rescore(es, settings, "plant-1")
    net = network(es, settings, "phone:+15055550188")
    assert sorted(d.id for d in net.docs) == sorted(d.id for d in docs[:3])
    assert sorted(d.id for d in net.similar) == sorted(d.id for d in docs[3:])
    assert {d.closest for d in net.similar} == {docs[0].id}
    leads = {d["id"]: d for d in scan(es, settings, "leads", {"terms": {"id": [
        docs[1].id, docs[3].id]}})}  # fmt: skip
    by_phone, by_wording = leads[docs[1].id]["network"], leads[docs[3].id]["network"]
    assert by_phone["relation"] == "identity" and by_wording["relation"] == "similar"
    # The template joins five ads, the phone three; the phone still weighs more.
    assert by_wording["ads"] > by_phone["ads"] and by_wording["points"] < by_phone["points"]
    assert network_points(5, 0, 1, "similar") < network_points(3, 0, 1)


def test_a_later_batch_joins_the_same_cluster_id_and_reruns_change_nothing(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    before = _clusters(es, settings)
    assert cluster_batch(es, settings, "tpl-1")["changed_leads"] == 0
    assert _clusters(es, settings) == before
    n, a, c, p = MEMBERS[3]
    late = _raw("tpl", 3, TEMPLATE.format(name=n, age=a, city=c, phone=p), "tpl-2")
    _load(es, settings, [late], "tpl-2")
    after = _clusters(es, settings)
    assert after[late.id] == before[loaded["members"][0]]
    assert {k: v for k, v in after.items() if k != late.id} == before


def test_scoring_in_worker_processes_makes_the_same_leads_and_dead_letters(
    es: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks scored in worker processes come back in order and complete: the same leads
    as scoring in this process, and a stored document that is not a valid raw document
    is a dead letter naming it, in both ways."""
    import lantern.jobs.workers as workers_module

    # The test session runs servers on threads, and scoring forks only when alone:
    # here it is told it is, and the pool counts the chunks it is given.
    monkeypatch.setattr(workers_module.threading, "active_count", lambda: 1)
    submitted = []

    class Pool(workers_module.ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            submitted.append(args[1])
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(workers_module, "ProcessPoolExecutor", Pool)
    texts = [TEMPLATE.format(name=n, age=a, city=c, phone=p) for n, a, c, p in MEMBERS]
    docs = [_raw("pool", 1, f"{texts[i % 4]} Ref {i}.", "pool").model_dump(mode="json")
            for i in range(300)]  # fmt: skip
    for i, doc in enumerate(docs):
        doc["id"] = doc["provenance"]["url"] = f"pool-{i:03d}"
    broken = {"id": "pool-broken", "provenance": docs[0]["provenance"]}  # no text
    bulk_index(es, settings, "raw", [(d["id"], d) for d in [*docs, broken]], stage="test",
               refresh=True)  # fmt: skip
    made = {}
    for workers in (0, 2):
        eager = settings.model_copy(update={"extract_workers": workers})
        assert score_batch(es, eager, "pool") == {"leads": 300, "dead_letters": 1}
        made[workers] = {
            d["id"]: {k: v for k, v in d.items() if k != "scored_at"}
            for d in scan(es, settings, "leads", {"term": {"batch_id": "pool"}})
        }
    assert sum(len(chunk) for chunk in submitted) == 301  # every document, in the workers
    assert len(made[0]) == 300 and made[0] == made[2]
    letters = list(scan(es, settings, "deadletters", {"term": {"record_id": "pool-broken"}}))
    assert letters and "text" in letters[0]["reason"]


def test_link_writing_selectors_with_the_scores_ends_as_writing_them_first(
    es: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lantern link` keeps the template selectors it finds and writes them with the
    new scores (one update per lead). The leads, profiles and templates must end exactly
    as when clustering writes its selectors first and linking reads them back — over two
    batches, the second joining the first's clusters; and the same again when the
    signatures are made in worker processes, a few texts at a time."""
    import lantern.jobs.linking as linking_job
    import lantern.jobs.workers as workers_module
    from lantern.jobs.linking import link_batch
    from leads.store import drop_indices, ensure_indices

    submitted: list[int] = []

    class Pool(workers_module.ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            submitted.append(len(args[1]))
            return super().submit(*args, **kwargs)

    batches = {
        "eq-1": [TEMPLATE.format(name=n, age=a, city=c, phone=p) for n, a, c, p in MEMBERS[:2]]
        + [t.format(phone=PLANTED_PHONE) for t in PLANTED[:2]] + UNRELATED[:2],
        "eq-2": [TEMPLATE.format(name=n, age=a, city=c, phone=p) for n, a, c, p in MEMBERS[2:]]
        + [PLANTED[0].format(phone=p) for p in COPIERS[:2]]
        + [PLANTED[2].format(phone=PLANTED_PHONE)],
    }  # fmt: skip
    ends = []
    for way in ("apart", "together", "workers"):
        here = settings.model_copy(update={"index_prefix": f"{settings.index_prefix}-{way}"})
        if way == "workers":  # the session runs servers on threads: told it is alone
            monkeypatch.setattr(workers_module.threading, "active_count", lambda: 1)
            monkeypatch.setattr(workers_module, "ProcessPoolExecutor", Pool)
            monkeypatch.setattr(linking_job, "CHUNK", 2)
            here = here.model_copy(update={"extract_workers": 2})
        ensure_indices(es, here)
        try:
            for batch, texts in batches.items():
                docs = [_raw(batch, i, t, batch) for i, t in enumerate(texts)]
                bulk_index(es, here, "raw", ((d.id, d.model_dump(mode="json")) for d in docs),
                           stage="test", refresh=True)  # fmt: skip
                score_batch(es, here, batch)
                if way == "apart":
                    cluster_batch(es, here, batch)
                    link(es, here, batch)
                    rescore(es, here, batch)
                else:
                    link_batch(es, here, batch)
            ends.append({
                kind: {d["id"]: {k: v for k, v in d.items() if k not in ("scored_at", "batch_id")}
                       for d in scan(es, here, kind, {"match_all": {}})}
                for kind in ("leads", "entities", "templates")
            })  # fmt: skip
        finally:
            drop_indices(es, here)
    apart, together, workers = ends
    assert any(
        s.startswith("template:") for d in together["leads"].values() for s in d["selectors"]
    )
    assert apart == together == workers
    assert sum(submitted) > len(submitted) > 2  # in chunks, in the workers


def test_an_ad_that_leaves_its_cluster_loses_the_template_selector(
    es: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-linking a batch clusters its ads afresh. When two ads no longer join (here:
    their shared bands now count as boilerplate), each is alone, but its lead still
    carries the old template selector: that cluster must be looked at and the selector
    taken away, not skipped as a fresh one-ad cluster."""
    import leads.clustering
    from lantern.jobs.linking import link_batch
    from leads.store import drop_indices, ensure_indices

    here = settings.model_copy(update={"index_prefix": f"{settings.index_prefix}-leave"})
    ensure_indices(es, here)
    try:
        docs = [_raw("leave", i, TEMPLATE.format(name=n, age=a, city=c, phone=p), "leave")
                for i, (n, a, c, p) in enumerate(MEMBERS[:2])]  # fmt: skip
        bulk_index(es, here, "raw", ((d.id, d.model_dump(mode="json")) for d in docs),
                   stage="test", refresh=True)  # fmt: skip
        score_batch(es, here, "leave")
        link_batch(es, here, "leave")

        def templates() -> list[list[str]]:
            leads = scan(es, here, "leads", {"match_all": {}})
            return [[s for s in d["selectors"] if s.startswith("template:")] for d in leads]

        assert all(len(t) == 1 for t in templates())
        monkeypatch.setattr(leads.clustering, "MAX_BAND_MATCHES", 0)
        link_batch(es, here, "leave")
        assert templates() == [[], []]
    finally:
        drop_indices(es, here)


def test_an_ad_bridging_two_clusters_merges_them_under_the_smaller_id(
    es: Any, settings: Settings
) -> None:
    """Two templates, two clusters; a later ad written from both joins them. Every ad
    ends in the cluster with the smaller id, every lead carries that template selector
    and none the other's, and a re-run changes nothing."""
    from lantern.jobs.linking import link_batch
    from leads.store import drop_indices, ensure_indices
    from leads.templates import signatures, similarity

    other = (
        "Warm welcome at the Sunrise spa, {name} and friends give deep tissue and hot "
        "stone sessions every afternoon; walk ins fine, parking behind. Ask for {phone}"
    )
    firsts = [TEMPLATE.format(name=n, age=a, city=c, phone=p) for n, a, c, p in MEMBERS[:2]]
    seconds = [other.format(name=n, phone=p) for n, _, _, p in MEMBERS[2:]]
    bridge = f"{firsts[0]} {seconds[0]}"  # one of each, end to end
    sig = signatures([*firsts, *seconds, bridge])
    assert similarity(sig[0], sig[2]) < 0.4  # two templates apart; the bridge near both
    assert min(similarity(sig[4], sig[0]), similarity(sig[4], sig[2])) >= 0.4
    here = settings.model_copy(update={"index_prefix": f"{settings.index_prefix}-bridge"})
    ensure_indices(es, here)
    try:
        batches = {"br-1": [*firsts, *seconds], "br-2": [bridge]}
        for batch, texts in batches.items():
            docs = [_raw(batch, i, t, batch) for i, t in enumerate(texts)]
            bulk_index(es, here, "raw", ((d.id, d.model_dump(mode="json")) for d in docs),
                       stage="test", refresh=True)  # fmt: skip
            score_batch(es, here, batch)
            result = link_batch(es, here, batch)
            clusters = _clusters(es, here)
            if batch == "br-1":
                assert len(set(clusters.values())) == 2
                before = set(clusters.values())
        assert result["templates"]["merged"] == 1
        (survivor,) = set(clusters.values())
        assert survivor == min(before)
        leads = list(scan(es, here, "leads", {"match_all": {}}))
        assert len(leads) == 5
        for lead in leads:
            assert [s for s in lead["selectors"] if s.startswith("template:")] == [
                f"template:{survivor}"
            ]
        assert link_batch(es, here, "br-2")["rescored_leads"] == 0
        assert _clusters(es, here) == clusters
    finally:
        drop_indices(es, here)


def test_band_keys_are_the_stored_keys() -> None:
    """Band keys are stored: new ones must be made exactly as every stored one was (a
    band's rows as 4-byte little-endian words, BLAKE2b of 8 bytes), or a new ad would
    never find its stored twins."""
    import hashlib

    from leads.templates import BANDS, ROWS, band_keys, signatures

    sigs = signatures([TEMPLATE, *UNRELATED]) + [[0] * 64, [(1 << 32) - 1] * 64]
    for sig in sigs:
        expected = [
            f"{b}:"
            + hashlib.blake2b(
                b"".join(v.to_bytes(4, "little") for v in sig[b * ROWS : (b + 1) * ROWS]),
                digest_size=8,
            ).hexdigest()
            for b in range(BANDS)
        ]
        assert band_keys(sig) == expected
    assert band_keys([0] * 64)[0] == "0:" + hashlib.blake2b(bytes(12), digest_size=8).hexdigest()


def test_clusters_a_batch_joins_across_groups_end_under_one_id(es: Any, settings: Settings) -> None:
    """Stored ads of one cluster are never compared with each other, so they can fall
    into different groups of a new batch: here cluster "c" (r1, r3) meets b1 through r1
    alone, and b2 through r3, while b2 also joins cluster "a" (r2). Every ad must end in
    "a", the smaller id, in the plan (which sets the leads' selectors) as in the index."""
    from leads.clustering import plan_clusters
    from leads.store import drop_indices, ensure_indices
    from leads.templates import band_keys

    # Signatures chosen by hand: equal halves share bands and estimate 0.5 similarity.
    r1, r2, r3 = [1] * 64, [2] * 64, [3] * 64
    made = {"b1 text": [1] * 32 + [11] * 32, "b2 text": [3] * 32 + [2] * 32}
    here = settings.model_copy(update={"index_prefix": f"{settings.index_prefix}-split"})
    ensure_indices(es, here)
    try:
        stored = {"r1": (r1, "c-cluster"), "r2": (r2, "a-cluster"), "r3": (r3, "c-cluster")}
        bulk_index(es, here, "templates", [
            (rid, {"id": rid, "bands": band_keys(sig), "signature": sig, "cluster_id": cid,
                   "batch_id": "old"}) for rid, (sig, cid) in stored.items()
        ], stage="test", refresh=True)  # fmt: skip
        docs = [_raw("split", i, text, "split") for i, text in enumerate(made)]
        bulk_index(es, here, "raw", ((d.id, d.model_dump(mode="json")) for d in docs),
                   stage="test", refresh=True)  # fmt: skip

        def sign(texts: Any) -> Any:
            return [(made[t], band_keys(made[t])) for t in texts]

        plan = plan_clusters(es, here, "split", {}, sign=sign)
        assert {d["cluster_id"] for d in plan.templates.values()} == {"a-cluster"}
        assert plan.merged == {"c-cluster": "a-cluster"}
        plan.write(es, here)
        assert set(_clusters(es, here).values()) == {"a-cluster"}
        assert len(_clusters(es, here)) == 5
    finally:
        drop_indices(es, here)
