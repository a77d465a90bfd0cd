"""The social collection DAG through real Airflow, against the local replay servers:
mapped over the registered, enabled sources, one pool per kind, cursors in
Elasticsearch, posts scored into leads like crawled pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.social import registry
from demo.replay import JetstreamReplay, SocialReplay
from lantern.local.airflow import airflow_env, pools, prepare, run_dag, social_pool
from leads.settings import Settings
from leads.store import scan
from nlp.pipeline import extract
from tests.conftest import Demo

REGISTRY = """
- id: dag-mastodon
  kind: mastodon
  name: demo instances
  terms: Replay of fictional public statuses on loopback.
  legal_basis: Fictional test data.
  instances: ["{mastodon_alpha}", "{mastodon_closed}"]
  hashtags: [hiring]
- id: dag-bluesky
  kind: bluesky_appview
  name: demo actor
  terms: Replay of fictional public posts on loopback.
  legal_basis: Fictional test data.
  appview: "{bsky}"
  actors: [demo-recruiter.bsky.social]
- id: dag-jetstream
  kind: bluesky_jetstream
  name: demo keyword watch
  terms: Replay of fictional Jetstream events on loopback.
  legal_basis: Fictional test data.
  endpoint: "{jetstream}"
  keywords: [visa, placement fee]
  window_seconds: 2
- id: dag-telegram
  kind: telegram_preview
  name: demo channel
  terms: Replay of a fictional public channel on loopback.
  legal_basis: Fictional test data.
  base_url: "{telegram}"
  channels: [demo_jobs_board, private_group]
- id: dag-telegram-off
  kind: telegram_preview
  name: switched off
  enabled: false
  terms: Replay of a fictional public channel on loopback.
  legal_basis: Fictional test data.
  base_url: "{telegram}"
  channels: [demo_jobs_board]
- id: dag-reddit
  kind: reddit
  name: forbidden kind
  terms: Reddit public content terms.
  legal_basis: None recorded.
  subreddits: [example]
"""


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[SocialReplay, JetstreamReplay]]:
    # Another seed than the other tests' replays: content already stored by them would
    # only gain a sighting here (one document per content), not be collected anew.
    with SocialReplay(seed=11) as http, JetstreamReplay(seed=11) as ws:
        yield http, ws


def _host(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0]


def test_pools_cover_every_kind_of_social_source() -> None:
    by_name = {p["name"]: p for p in pools()}
    kinds = registry.load_kinds()
    for kind in registry.COLLECTABLE:
        assert by_name[social_pool(kind)]["slots"] == kinds[kind].pool_slots


def test_social_dag_collects_registered_sources_and_scores_them(
    es: Any,
    settings: Settings,
    demo: Demo,
    servers: tuple[SocialReplay, JetstreamReplay],
    tmp_path: Path,
) -> None:
    http, ws = servers
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "social.yaml").write_text(
        REGISTRY.format(
            mastodon_alpha=http.mastodon_url("alpha"),
            mastodon_closed=http.mastodon_url("closed"),
            bsky=http.bsky_url,
            jetstream=ws.url,
            telegram=http.telegram_url,
        )
    )
    env = airflow_env(settings, tmp_path / "airflow")
    env["LANTERN_SOURCES_DIR"] = str(folder)
    env["LANTERN_ALLOWED_PRIVATE_HOSTS"] = ",".join(
        [demo.host, _host(http.base_url), _host(ws.url)]
    )
    prepare(env)
    result = run_dag("lantern_collect_social", env)
    out = result.stdout or ""
    assert result.returncode == 0, out[-4000:]
    assert "not collecting dag-telegram-off: source dag-telegram-off is disabled" in out
    assert "not collecting dag-reddit" in out and "terms of kind reddit forbid" in out
    assert "lantern social summary" in out

    es.indices.refresh(index=settings.index("raw"))
    seen = {
        b["key"]: b["doc_count"]
        for b in es.search(
            index=settings.index("raw"),
            size=0,
            query={"prefix": {"sightings.batch_id": "social__"}},
            aggs={"by": {"terms": {"field": "sightings.source_id", "size": 50}}},
        )["aggregations"]["by"]["buckets"]
    }
    # Every post of the registered, enabled sources; none of the refused ones.
    assert seen == {"dag-mastodon": 95, "dag-bluesky": 114, "dag-telegram": 55, "dag-jetstream": 14}
    first_seen = es.count(
        index=settings.index("raw"), query={"prefix": {"provenance.batch_id": "social__"}}
    )["count"]

    es.indices.refresh(index=settings.index("leads"))
    leads = es.search(
        index=settings.index("leads"),
        size=5,
        query={"prefix": {"batch_id": "social__"}},
        sort=[{"score": "desc"}],
    )["hits"]
    # 278 posts seen; the cross-post is one document with three sightings.
    assert (first_seen, leads["total"]["value"]) == (275, 275)
    top = leads["hits"][0]["_source"]
    raws = scan(es, settings, "raw", {"prefix": {"provenance.batch_id": "social__"}}, ["text"])
    assert top["score"] == max(extract(d["text"]).score for d in raws)
    assert "recruitment_fees" in top["categories"]

    # Cursors and per-target outcomes are in Elasticsearch for the next worker.
    es.indices.refresh(index=settings.index("state"))
    state = es.search(
        index=settings.index("state"),
        size=100,
        query={"prefix": {"source_id": "dag-"}},
    )["hits"]["hits"]
    keys = {(h["_source"]["source_id"], h["_source"]["key"]) for h in state}
    assert ("dag-jetstream", "time_us") in keys
    assert ("dag-telegram", "channel:demo_jobs_board") in keys
    skipped = {h["_source"]["key"] for h in state if h["_source"].get("status") == "skipped"}
    assert "status:channel:private_group" in skipped
    assert f"status:{http.mastodon_url('closed')}|tag:hiring" in skipped
