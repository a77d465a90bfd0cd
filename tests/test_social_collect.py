"""Social collectors against the local replay servers (real wire formats, scripted
failures): paging, cursors in Elasticsearch, rate limits, dropped WebSockets, refusals,
bad items, safe HTML, and one document per content with every sighting."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlers.social import bluesky
from crawlers.social.client import FetchError, PoliteClient, RateLimited
from crawlers.social.collect import collect_source
from crawlers.social.jetstream import keyword_pattern
from crawlers.social.posts import content_key
from crawlers.social.registry import Source, parse_source
from crawlers.social.sink import Report
from crawlers.social.state import EsState, MemoryState
from demo.replay import CROSS_POST_TEXT, JetstreamReplay, SocialReplay
from leads.ids import stable_id
from leads.settings import Settings
from tests.conftest import Demo


@pytest.fixture(scope="module")
def replay() -> Iterator[SocialReplay]:
    with SocialReplay() as server:
        yield server


@pytest.fixture
def jet() -> Iterator[JetstreamReplay]:
    with JetstreamReplay() as server:
        yield server


def _host(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0]


@pytest.fixture(scope="module")
def social_settings(settings: Settings, replay: SocialReplay) -> Settings:
    hosts = [*settings.allowed_private_hosts, _host(replay.base_url)]
    return settings.model_copy(update={"allowed_private_hosts": hosts})


def source(kind: str, **targets: Any) -> Source:
    """A registered-looking source with a fresh id (so cursors start empty)."""
    return parse_source(
        {
            "id": f"t-{kind.replace('_', '-')}-{uuid.uuid4().hex[:8]}",
            "kind": kind,
            "name": "test source",
            "terms": "Replay of fictional posts on loopback.",
            "legal_basis": "Fictional test data.",
            **targets,
        }
    )


def run(src: Source, settings: Settings, es: Any = None, **kw: Any) -> tuple[Report, list[dict]]:
    out = io.StringIO()
    report = collect_source(
        src, f"b-{uuid.uuid4().hex[:6]}", es=es, out=out, settings=settings, min_interval=0, **kw
    )
    return report, [json.loads(line) for line in out.getvalue().splitlines()]


def requests_since(replay: SocialReplay, start: int, prefix: str) -> list[Any]:
    return [r for r in replay.requests[start:] if r.path.startswith(prefix)]


def test_mastodon_pages_by_link_header_and_the_next_run_fetches_only_newer(
    es: Any, social_settings: Settings, replay: SocialReplay
) -> None:
    alpha = replay.mastodon_url("alpha")
    src = source("mastodon", instances=[alpha], hashtags=["hiring"])
    start = len(replay.requests)
    report, docs = run(src, social_settings, es)
    pages = requests_since(replay, start, "/mastodon/alpha/api/v1/timelines/tag/hiring")
    assert len(pages) >= 3
    assert report.posts == 95 and len(docs) == 95
    assert report.targets[f"{alpha}|tag:hiring"].startswith("ok")
    assert all(d["provenance"]["url"].startswith(f"{alpha}/@") for d in docs)
    assert all(d["provenance"]["warc"] for d in docs)
    # The cursor lives in Elasticsearch, where any worker finds it.
    cursor = EsState(es, social_settings).get(src.id, f"{alpha}|tag:hiring")
    assert cursor == max((d["fields"]["post_id"] for d in docs), key=lambda i: (len(i), i))

    new = replay.world.add_status("alpha", "<p>Nuevo: pago de la visa $900, llame 702-555-0142</p>")
    start = len(replay.requests)
    report, docs = run(src, social_settings, es)
    assert [d["fields"]["post_id"] for d in docs] == [str(new["id"])]
    first = requests_since(replay, start, "/mastodon/alpha/api/v1/timelines/tag/hiring")[0]
    assert first.query.get("since_id") == [cursor]


def test_a_429_pauses_that_instance_only_and_nothing_is_lost(
    social_settings: Settings, replay: SocialReplay
) -> None:
    alpha, broken = replay.mastodon_url("alpha"), replay.mastodon_url("broken")
    replay.fail_next(
        "/mastodon/alpha/api/v1/timelines/tag/hiring",
        429,
        headers={"Retry-After": "2"},
        body=b'{"error":"Too many requests"}',
    )
    src = source("mastodon", instances=[alpha, broken], hashtags=["hiring"])
    start = len(replay.requests)
    waits: list[float] = []
    broken_went_on = threading.Event()

    def pause(seconds: float) -> None:
        """Alpha's pause (no wall clock): it ends once the broken instance has been
        asked for its second page, which happens only if alpha holds nothing up."""
        waits.append(seconds)
        for _ in range(400):  # at most ~20 s, then the assertion below says why
            pages = requests_since(replay, start, "/mastodon/broken/api/v1/timelines/tag/")
            if len(pages) >= 2:
                broken_went_on.set()
                return
            broken_went_on.wait(0.05)

    report, docs = run(src, social_settings, sleep=pause)
    assert waits == [2.0]  # Retry-After honoured, once
    assert broken_went_on.is_set()
    alpha_reqs = requests_since(replay, start, "/mastodon/alpha/")
    limited = next(r for r in alpha_reqs if r.status == 429)
    assert alpha_reqs[alpha_reqs.index(limited) + 1].path == limited.path  # asked again
    alpha_ids = {d["fields"]["post_id"] for d in docs if d["fields"]["instance"] == alpha}
    assert len(alpha_ids) == len(replay.world.statuses("alpha", "hiring"))


def test_401_instance_is_skipped_and_recorded(
    es: Any, social_settings: Settings, replay: SocialReplay
) -> None:
    closed = replay.mastodon_url("closed")
    src = source("mastodon", instances=[closed], hashtags=["hiring"], accounts=["recruiter_demo"])
    report, docs = run(src, social_settings, es)
    assert docs == [] and report.errors == 0
    outcome = report.targets[f"{closed}|tag:hiring"]
    assert outcome.startswith("skipped") and "401" in outcome
    status = es.get(index=social_settings.index("state"), id=_state_id(src.id, closed))
    assert status["_source"]["status"] == "skipped"


def _state_id(source_id: str, instance: str) -> str:
    return stable_id("state", source_id, f"status:{instance}|tag:hiring")


def test_malformed_page_and_huge_post_are_recorded_and_the_rest_collected(
    es: Any, social_settings: Settings, replay: SocialReplay, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = replay.mastodon_url("broken")
    src = source("mastodon", instances=[broken], hashtags=["hiring"])
    report, docs = run(src, social_settings, es)
    err = capsys.readouterr().err
    assert "malformed JSON" in err and "characters, over the" in err
    assert report.errors == 2
    # Page 2 (20 statuses) is lost to its bad body, the huge status is refused: the rest
    # of the 60 arrive, paging continued past the bad page.
    assert len(docs) == 60 - 40 // 2 - 1
    letters = es.search(
        index=social_settings.index("deadletters"),
        query={"term": {"stage": "collect-mastodon"}},
        size=50,
    )["hits"]["hits"]
    reasons = " ".join(h["_source"]["reason"] for h in letters)
    assert "malformed JSON" in reasons and "characters, over the" in reasons


def test_post_html_becomes_text_without_running_or_fetching_anything(
    social_settings: Settings, replay: SocialReplay
) -> None:
    src = source("mastodon", instances=[replay.mastodon_url("alpha")], hashtags=["hiring"])
    _, docs = run(src, social_settings)
    texts = "\n".join(d["text"] for d in docs)
    assert "alert(1)" not in texts and "<script" not in texts and "<p>" not in texts
    assert not [r for r in replay.requests if r.path == "/tracker.png"]


def test_bluesky_author_feed_pages_by_cursor_and_resumes(
    social_settings: Settings, replay: SocialReplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bluesky, "PAGE_LIMIT", 50)  # 120 posts: three pages
    actor = "demo-recruiter.bsky.social"
    src = source("bluesky_appview", appview=replay.bsky_url, actors=[actor])
    state = MemoryState()
    start = len(replay.requests)
    report, docs = run(src, social_settings, state=state)
    feed = requests_since(replay, start, "/bsky/xrpc/app.bsky.feed.getAuthorFeed")
    did = replay.world.bsky_actor(actor).did  # type: ignore[union-attr]
    assert len(feed) == 3 and report.posts == len(replay.world.feed(did))  # posts and reposts
    assert all(d["provenance"]["url"].startswith("https://bsky.app/profile/") for d in docs)
    replay.world.add_bluesky_post(actor, "Se busca personal, sin papeles, pago semanal 555-0177")
    report, docs = run(src, social_settings, state=state)
    assert report.posts == 1 and "sin papeles" in docs[0]["text"]


def test_telegram_preview_pages_with_before_and_a_channel_without_preview_is_skipped(
    social_settings: Settings, replay: SocialReplay
) -> None:
    state = MemoryState()
    src = source(
        "telegram_preview",
        base_url=replay.telegram_url,
        channels=["demo_jobs_board", "private_group"],
    )
    start = len(replay.requests)
    report, docs = run(src, social_settings, state=state)
    pages = requests_since(replay, start, "/telegram/s/demo_jobs_board")
    assert len(pages) >= 3 and any("before" in r.query for r in pages)
    assert report.posts == 55
    assert docs[0]["provenance"]["url"].startswith("https://t.me/demo_jobs_board/")
    assert report.targets["channel:private_group"].startswith("skipped: no public preview")
    replay.world.add_telegram_post(
        "demo_jobs_board", "Trabajo en el campo, cuota de inscripción $300"
    )
    report, docs = run(src, social_settings, state=state)
    assert report.posts == 1 and "cuota de inscripción" in docs[0]["text"]


def test_telegram_page_without_markup_is_an_error_not_a_crash(
    social_settings: Settings, replay: SocialReplay
) -> None:
    src = source("telegram_preview", base_url=replay.telegram_url, channels=["broken_markup"])
    report, docs = run(src, social_settings)
    assert docs == [] and report.errors == 1
    assert report.targets["channel:broken_markup"].startswith("error")


def test_jetstream_resumes_after_a_dropped_connection_every_event_once(
    es: Any, social_settings: Settings, jet: JetstreamReplay
) -> None:
    settings = social_settings.model_copy(
        update={"allowed_private_hosts": [*social_settings.allowed_private_hosts, _host(jet.url)]}
    )
    keywords = ["visa", "placement fee", "hiring", "trabajo"]
    src = source("bluesky_jetstream", endpoint=jet.url, keywords=keywords, window_seconds=3)
    jet.drop_after(60)
    report, docs = run(src, settings, es)
    assert len(jet.connections) >= 2
    assert jet.connections[0]["sent"] == 60
    uris = [d["fields"]["uri"] for d in docs]
    assert len(uris) == len(set(uris))  # none twice
    pattern = keyword_pattern(keywords)
    wanted = {
        f"at://{e['did']}/app.bsky.feed.post/{e['commit']['rkey']}"
        for e in jet.events
        if e.get("kind") == "commit"
        and e["commit"].get("collection") == "app.bsky.feed.post"
        and pattern.search(e["commit"]["record"]["text"].casefold())
    }
    assert wanted and set(uris) == wanted  # every one once
    last = max(e["time_us"] for e in jet.events)
    assert EsState(es, settings).get(src.id, "time_us") == str(last)

    # The next window starts at the stored cursor and sees only what is new.
    jet.add_event("Hiring now: placement fee required, call 555-0163")
    report, docs = run(src.model_copy(update={"window_seconds": 1.5}), settings, es)
    assert [d["text"] for d in docs] == ["Hiring now: placement fee required, call 555-0163"]


def test_a_cross_post_is_one_document_with_every_sighting(
    es: Any, social_settings: Settings, replay: SocialReplay
) -> None:
    sources = [
        source("mastodon", instances=[replay.mastodon_url("alpha")], hashtags=["hiring"]),
        source("bluesky_appview", appview=replay.bsky_url, actors=["demo-recruiter.bsky.social"]),
        source("telegram_preview", base_url=replay.telegram_url, channels=["demo_jobs_board"]),
    ]
    for src in sources:
        run(src, social_settings, es)
    doc_id = stable_id("post", content_key(CROSS_POST_TEXT))
    stored = es.get(index=social_settings.index("raw"), id=doc_id)["_source"]
    # (Earlier tests may have stored it too, from their own sources.)
    ours = [s for s in stored["sightings"] if s["source_id"] in {src.id for src in sources}]
    assert {s["source_id"] for s in ours} == {src.id for src in sources}
    hosts = {s["url"].split("/")[2] for s in ours}
    assert len(ours) == 3 and {"bsky.app", "t.me"} <= hosts
    # Collecting the same posts again adds no sighting twice.
    run(
        sources[2],
        social_settings,
        es,
        state=MemoryState(),
    )
    again = es.get(index=social_settings.index("raw"), id=doc_id)["_source"]
    assert len(again["sightings"]) == len(stored["sightings"])


def test_cli_writes_one_raw_document_per_post_and_refuses_forbidden_sources(
    test_env: dict[str, str], replay: SocialReplay
) -> None:
    env = {
        **os.environ,
        **test_env,
        "LANTERN_ALLOWED_PRIVATE_HOSTS": _host(replay.base_url),
    }
    cmd = [sys.executable, "-m", "lantern.cli", "collect", "telegram", "--channel"]
    result = subprocess.run(
        [*cmd, "demo_jobs_board", "--base-url", replay.telegram_url, "--out", "-", "--no-index"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(replay.world.telegram_posts("demo_jobs_board"))
    assert all(line["provenance"]["url"].startswith("https://t.me/") for line in lines)
    assert all(line["text"] for line in lines)

    refused = subprocess.run(
        [sys.executable, "-m", "lantern.cli", "collect", "source", "reddit-example", "--no-index"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "reddit-example is disabled in the registry" in refused.stderr


def client(settings: Settings, **kw: Any) -> PoliteClient:
    return PoliteClient(
        user_agent=settings.user_agent,
        allowed_private_hosts=settings.allowed_private_hosts,
        min_interval=0,
        **kw,
    )


def test_client_obeys_robots_txt_and_the_address_guard_on_every_hop(
    social_settings: Settings, demo: Demo
) -> None:
    with client(social_settings) as http:
        with pytest.raises(FetchError, match="disallowed by .*robots.txt"):
            http.get(f"{demo.base_url}/private/secret")
        # A redirect to a loopback address nobody allow-listed is refused at that hop.
        with pytest.raises(FetchError, match="not in LANTERN_ALLOWED_PRIVATE_HOSTS"):
            http.get(f"{demo.base_url}/traps/redirect-private")
    assert demo.hits("/private/secret") == 0
    with client(social_settings, max_bytes=1024 * 1024) as http, pytest.raises(FetchError):
        http.get(f"{demo.base_url}/traps/big")


def test_client_waits_for_the_rate_limit_reset_when_none_remain(
    social_settings: Settings, replay: SocialReplay
) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=2)).isoformat().replace("+00:00", "Z")
    url = replay.mastodon_url("quiet") + "/api/v1/timelines/public"
    replay.fail_next(
        "/mastodon/quiet/api/v1/timelines/public",
        200,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        body=b"[]",
    )
    waits: list[float] = []
    with client(social_settings, sleep=waits.append) as http:
        http.get(url)
        second = http.get(url)
    assert second.status == 200 and len(waits) == 1 and 1.0 < waits[0] <= 2.0
    # A reset further away than the run may wait pauses the source instead.
    far = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    replay.fail_next(
        "/mastodon/quiet/api/v1/timelines/public",
        200,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": far},
        body=b"[]",
    )
    with client(social_settings, max_wait=60) as http, pytest.raises(RateLimited):
        http.get(url)


def test_an_empty_instance_is_fine_and_a_dead_one_is_skipped(
    social_settings: Settings, replay: SocialReplay
) -> None:
    quiet = replay.mastodon_url("quiet")
    dead = "http://127.0.0.1:9/mastodon"  # nothing listens on the discard port
    settings = social_settings.model_copy(
        update={"allowed_private_hosts": [*social_settings.allowed_private_hosts, "127.0.0.1:9"]}
    )
    report, docs = run(source("mastodon", instances=[quiet, dead], hashtags=["hiring"]), settings)
    assert docs == [] and report.errors == 0
    assert report.targets[f"{quiet}|tag:hiring"].startswith("ok")
    assert report.targets[f"{dead}|tag:hiring"].startswith("skipped: no usable answer")
