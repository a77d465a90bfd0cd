"""The replay servers speak the real wire formats: Mastodon Link-header paging and id
bounds, Bluesky cursors, t.me/s ``before=`` pages, Jetstream cursors and dropped sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import html as lxml_html
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from demo.replay import CROSS_POST_TEXT, JetstreamReplay, SocialReplay

ACTOR = "demo-recruiter.bsky.social"


@pytest.fixture(scope="module")
def replay() -> Iterator[SocialReplay]:
    with SocialReplay() as server:
        yield server


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, follow_redirects=False) as c:
        yield c


@pytest.fixture
def jet() -> Iterator[JetstreamReplay]:
    with JetstreamReplay() as server:
        yield server


def _tag_url(replay: SocialReplay, instance: str = "alpha") -> str:
    return f"{replay.mastodon_url(instance)}/api/v1/timelines/tag/hiring"


def _all_hiring_ids(replay: SocialReplay) -> list[int]:
    return [s.id for s in replay.world.statuses("alpha", "hiring")]  # ascending


def test_mastodon_link_next_covers_all_hiring_statuses_in_three_pages(
    replay: SocialReplay, client: httpx.Client
) -> None:
    url: str | None = f"{_tag_url(replay)}?limit=40"
    pages: list[list[dict[str, Any]]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "300"
        assert response.headers["X-RateLimit-Reset"].endswith(".000Z")
        pages.append(response.json())
        if pages[-1]:
            assert 'rel="prev"' in response.headers["Link"]
            assert "limit=40" in response.links["next"]["url"]
        else:  # an empty page ends the walk: no Link header at all
            assert "Link" not in response.headers
        url = response.links.get("next", {}).get("url")
    assert [len(p) for p in pages] == [40, 40, 15, 0]
    ids = [s["id"] for page in pages for s in page]
    assert len(set(ids)) == 95
    assert [int(i) for i in ids] == sorted((int(i) for i in ids), reverse=True)
    status, alpha = pages[0][0], replay.mastodon_url("alpha")
    assert status["url"] == f"{alpha}/@{status['account']['username']}/{status['id']}"
    assert status["created_at"].endswith("Z") and status["content"].startswith("<p>")
    assert {"name": "hiring", "url": f"{alpha}/tags/hiring"} in status["tags"]


def test_mastodon_since_id_gives_newest_and_min_id_gives_adjacent(
    replay: SocialReplay, client: httpx.Client
) -> None:
    ids = _all_hiring_ids(replay)
    pivot = ids[10]
    since = client.get(_tag_url(replay), params={"since_id": pivot, "limit": 5}).json()
    assert [int(s["id"]) for s in since] == ids[-5:][::-1]
    after = client.get(_tag_url(replay), params={"min_id": pivot, "limit": 5}).json()
    assert [int(s["id"]) for s in after] == ids[11:16][::-1]
    below = client.get(_tag_url(replay), params={"max_id": pivot, "limit": 40}).json()
    assert [int(s["id"]) for s in below] == ids[:10][::-1]


def test_mastodon_account_lookup_and_statuses(replay: SocialReplay, client: httpx.Client) -> None:
    base = replay.mastodon_url("alpha")
    account = client.get(f"{base}/api/v1/accounts/lookup", params={"acct": "recruiter_demo"})
    assert account.status_code == 200
    missing = client.get(f"{base}/api/v1/accounts/lookup", params={"acct": "nobody_here"})
    assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    url: str | None = f"{base}/api/v1/accounts/{account.json()['id']}/statuses?limit=40"
    seen: list[str] = []
    while url:
        response = client.get(url)
        seen += [s["id"] for s in response.json()]
        url = response.links.get("next", {}).get("url")
    assert len(set(seen)) == 50


def test_closed_quiet_and_injected_429(replay: SocialReplay, client: httpx.Client) -> None:
    closed = client.get(_tag_url(replay, "closed"))
    assert closed.status_code == 401
    assert closed.json() == {"error": "This method requires an authenticated user"}
    assert client.get(f"{replay.mastodon_url('quiet')}/api/v1/timelines/public").json() == []

    replay.fail_next(
        "/mastodon/alpha/", 429, {"Retry-After": "2"}, b'{"error":"Too many requests"}'
    )
    limited = client.get(_tag_url(replay))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert client.get(_tag_url(replay)).status_code == 200
    assert [r.status for r in replay.requested("/mastodon/alpha/")][-2:] == [429, 200]


def test_broken_instance_truncates_page_two_and_has_a_huge_status(
    replay: SocialReplay, client: httpx.Client
) -> None:
    first = client.get(_tag_url(replay, "broken"))
    assert any(len(s["content"]) > 2_000_000 for s in first.json())
    second = client.get(first.links["next"]["url"])
    assert second.status_code == 200 and "next" in second.links
    with pytest.raises(json.JSONDecodeError):
        json.loads(second.content)
    third = client.get(second.links["next"]["url"])
    assert len(third.json()) == 20


def test_xss_status_is_served_and_tracker_untouched(
    replay: SocialReplay, client: httpx.Client
) -> None:
    page = client.get(_tag_url(replay)).json()
    planted = next(s for s in page if s["id"] == replay.world.xss_status_id)
    assert "<script>alert(1)</script>" in planted["content"]
    assert f'<img src="{replay.base_url}/tracker.png"' in planted["content"]
    assert not replay.requested("/tracker.png")  # the server itself fetches nothing


def test_bluesky_cursor_paging_covers_every_post(
    replay: SocialReplay, client: httpx.Client
) -> None:
    url = f"{replay.bsky_url}/xrpc/app.bsky.feed.getAuthorFeed"
    params: dict[str, Any] = {"actor": ACTOR, "limit": 50}
    feed: list[dict[str, Any]] = []
    pages = 0
    while True:
        body = client.get(url, params=params).json()
        pages += 1
        feed += body["feed"]
        if "cursor" not in body:
            break
        params["cursor"] = body["cursor"]
    assert pages == 3
    own = [i for i in feed if "reason" not in i]
    reposts = [i for i in feed if "reason" in i]
    assert len({i["post"]["uri"] for i in own}) == 120 and len(reposts) == 2
    assert all(i["post"]["author"]["handle"] == ACTOR for i in own)
    assert reposts[0]["reason"]["$type"] == "app.bsky.feed.defs#reasonRepost"
    post = own[0]["post"]
    assert post["uri"].startswith(f"at://{post['author']['did']}/app.bsky.feed.post/")
    assert post["record"]["$type"] == "app.bsky.feed.post" and post["cid"].startswith("bafyrei")
    bad = client.get(url, params={"actor": ACTOR, "limit": 101})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidRequest"
    unknown = client.get(url, params={"actor": "nobody.bsky.social"})
    assert unknown.json() == {"error": "InvalidRequest", "message": "Profile not found"}


def _telegram_posts(page: str) -> list[tuple[str, str]]:
    tree = lxml_html.fromstring(page)
    return [
        (node.get("data-post"), node.xpath("string(.//div[contains(@class,'js-message_text')])"))
        for node in tree.xpath("//div[contains(@class,'js-widget_message') and @data-post]")
    ]


def test_telegram_before_paging_and_channels_without_preview(
    replay: SocialReplay, client: httpx.Client
) -> None:
    url: str | None = f"{replay.telegram_url}/s/demo_jobs_board"
    seen: list[str] = []
    while url:
        page = client.get(url)
        posts = _telegram_posts(page.text)
        ids = [int(p.split("/")[1]) for p, _ in posts]
        assert ids == sorted(ids)  # oldest to newest within a page, like t.me
        seen += [p for p, _ in posts]
        more = lxml_html.fromstring(page.text).xpath("//a[contains(@class,'js-messages_more')]")
        before = more[0].get("data-before") if more else None
        url = f"{replay.telegram_url}/s/demo_jobs_board?before={before}" if before else None
    assert len(set(seen)) == 55
    private = client.get(f"{replay.telegram_url}/s/private_group")
    assert private.status_code == 302
    assert private.headers["Location"] == "/telegram/private_group"
    broken = client.get(f"{replay.telegram_url}/s/broken_markup")
    assert broken.status_code == 200 and "tgme_widget_message" not in broken.text


def test_cross_post_appears_on_all_three_networks(
    replay: SocialReplay, client: httpx.Client
) -> None:
    alpha = [s.content for s in replay.world.statuses("alpha", "hiring")]
    texts = [lxml_html.fromstring(c).text_content() for c in alpha]
    assert texts.count(CROSS_POST_TEXT) == 1
    feed = replay.world.feed(replay.world.bsky_actor(ACTOR).did)  # type: ignore[union-attr]
    assert [i.post.text for i in feed].count(CROSS_POST_TEXT) == 1
    board = client.get(f"{replay.telegram_url}/s/demo_jobs_board").text
    assert [t for _, t in _telegram_posts(board)].count(CROSS_POST_TEXT) == 1


def test_added_items_are_newest(replay: SocialReplay, client: httpx.Client) -> None:
    newest = _all_hiring_ids(replay)[-1]
    added = replay.world.add_status("alpha", "<p>Pago de la visa $900, llame 702-555-0142</p>")
    assert int(added["id"]) > newest
    after = client.get(_tag_url(replay), params={"since_id": newest}).json()
    assert [s["id"] for s in after] == [added["id"]]
    post = replay.world.add_bluesky_post(ACTOR, "Cuota de inscripción $300, tel 305-555-0111")
    url = f"{replay.bsky_url}/xrpc/app.bsky.feed.getAuthorFeed"
    top = client.get(url, params={"actor": ACTOR, "limit": 1}).json()["feed"][0]["post"]
    assert top["uri"] == post["uri"]
    tg = replay.world.add_telegram_post("demo_jobs_board", "No days off, (713) 555-0166")
    last = _telegram_posts(client.get(f"{replay.telegram_url}/s/demo_jobs_board").text)[-1]
    assert last == (f"demo_jobs_board/{tg['id']}", "No days off, (713) 555-0166")


def _receive_until_idle(url: str, idle: float = 0.5) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    with connect(url) as ws:
        try:
            while True:
                got.append(json.loads(ws.recv(timeout=idle)))
        except TimeoutError:  # caught up: the stream stays open, idle
            pass
    return got


def test_jetstream_replays_filters_and_resumes_from_cursor(jet: JetstreamReplay) -> None:
    events = jet.events
    assert len(events) == 300
    times = [e["time_us"] for e in events]
    assert times == sorted(set(times))
    assert _receive_until_idle(jet.url) == events
    posts_only = _receive_until_idle(f"{jet.url}?wantedCollections=app.bsky.feed.post")
    assert {e["kind"] for e in posts_only} == {"commit", "identity", "account"}
    assert {e["commit"]["collection"] for e in posts_only if e["kind"] == "commit"} == {
        "app.bsky.feed.post"
    }
    resumed = _receive_until_idle(f"{jet.url}?cursor={events[250]['time_us']}")
    assert resumed == events[250:]
    assert jet.connections[-1]["cursor"] == str(events[250]["time_us"])


def test_jetstream_drop_after_cuts_without_close_frame(jet: JetstreamReplay) -> None:
    jet.drop_after(7)
    got: list[dict[str, Any]] = []
    with connect(jet.url) as ws, pytest.raises(ConnectionClosedError) as closed:
        while True:
            got.append(json.loads(ws.recv(timeout=5)))
    assert closed.value.rcvd is None  # no close handshake: the socket was aborted
    assert got == jet.events[:7]
    assert jet.connections[-1]["closed"].wait(10)  # the server side has finished
    assert jet.connections[-1]["sent"] == 7 and jet.connections[-1]["dropped"]
    # The next connection is whole again, and a live addition reaches an idle client.
    with connect(f"{jet.url}?cursor={jet.events[-1]['time_us']}") as ws:
        assert json.loads(ws.recv(timeout=5)) == jet.events[-1]
        added = jet.add_event("Hiring now, placement fee $400, call (702) 555-0163")
        assert json.loads(ws.recv(timeout=5)) == added
