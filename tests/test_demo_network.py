"""The demo's planted network, end to end: crawled, scored, clustered, linked, re-scored."""

from __future__ import annotations

from typing import Any

from demo.boards.generator import PLANTED_PHONE
from lantern.jobs.scoring import score_batch
from leads.clustering import cluster_batch
from leads.linking import link, network, rescore
from leads.settings import Settings
from leads.store import scan
from tests.conftest import CrawlResult, Demo


def test_the_planted_network_is_found_exactly_and_ranked_above_comparable_ads(
    classifieds_crawl: CrawlResult, demo: Demo, es: Any, settings: Settings
) -> None:
    query = {"term": {"provenance.source_id": "demo-classifieds"}}
    raws = scan(es, settings, "raw", query, source=["provenance.batch_id"])
    batches = {d["provenance"]["batch_id"] for d in raws}
    for batch in batches:
        score_batch(es, settings, batch)
        cluster_batch(es, settings, batch)
        link(es, settings, batch)
        rescore(es, settings, batch)

    ads = demo.boards.boards["classifieds"]
    planted = {f"{demo.base_url}/classifieds/ad/{a.id}" for a in ads if a.kind == "planted"}
    comparable = {f"{demo.base_url}/classifieds/ad/{a.id}" for a in ads if a.kind == "comparable"}
    net = network(es, settings, f"phone:+1{PLANTED_PHONE}")
    assert {d.url for d in net.docs} == planted  # all of it, and nothing unrelated
    assert net.features["states"] == 5 and net.features["stated_ages"] == 6
    assert net.features["days"] == 10  # from the ads' own posting dates, not our crawl
    # Shared wording never joins an ad; ads that only copy it are listed apart.
    assert not any(e.selector.startswith("template:") for e in net.edges)
    assert not {d.url for d in net.similar} & planted
    # The reposted photo links them too, as one perceptual hash.
    photos = {e.selector for e in net.edges if e.selector.startswith("image:")}
    assert len(photos) == 1
    assert {e.doc_id for e in net.edges if e.selector in photos} == {d.id for d in net.docs}

    leads = scan(es, settings, "leads", {"match_all": {}}, source=["url", "score"])
    scores = {d["url"]: d["score"] for d in leads}
    assert min(scores[u] for u in planted) > max(scores[u] for u in comparable)
