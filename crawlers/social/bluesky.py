"""Bluesky: the posts of watched accounts through the public AppView's
``app.bsky.feed.getAuthorFeed`` (no login), paged by ``cursor``.

The feed is newest first; each actor keeps the sort time of the newest item it has
stored (``indexedAt``, or the repost's own time for a repost), and the next run stops
paging at the first item at or before it.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from crawlers.social.client import Fetched
from crawlers.social.collect import Context
from crawlers.social.posts import Post, PostError, load_json
from crawlers.social.registry import SourceBase, http_url

PAGE_LIMIT = 100  # the lexicon's maximum
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"


class Source(SourceBase):
    """The posts of watched accounts on a public AppView."""

    identities: ClassVar[tuple[str, ...]] = ("actors",)
    kind: Literal["bluesky_appview"]
    appview: str = "https://public.api.bsky.app"
    actors: list[str] = Field(min_length=1)

    @field_validator("appview")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)


def collect(ctx: Context) -> None:
    ctx.each(ctx.typed(Source).actors, lambda actor: f"actor:{actor}", partial(_actor, ctx))


def _actor(ctx: Context, client: Any, actor: str, key: str) -> str:
    since = ctx.state.get(ctx.source.id, key)
    newest = since
    url = ctx.typed(Source).appview.rstrip("/") + FEED
    cursor: str | None = None
    pages = 0
    while pages < ctx.source.max_pages:
        params: dict[str, str | int] = {"actor": actor, "limit": PAGE_LIMIT}
        if cursor:
            params["cursor"] = cursor
        page = client.get(url, params)
        pages += 1
        if page.status in (401, 403):
            return f"skipped: the AppView answered {page.status}"
        try:
            body = load_json(page.body)
        except ValueError as exc:
            ctx.sink.error(page.url, f"malformed JSON ({exc})")
            return "error: malformed JSON, paging cannot go on without the cursor"
        if page.status != 200:
            message = body.get("message") if isinstance(body, dict) else None
            ctx.sink.error(page.url, f"HTTP {page.status}: {message or 'error'}")
            return f"skipped: {message or f'HTTP {page.status}'}"
        warc = ctx.sink.page(page)
        feed = body.get("feed") if isinstance(body, dict) else None
        if not isinstance(feed, list):
            ctx.sink.error(page.url, "answer has no 'feed' list")
            return "error: answer has no 'feed' list"
        reached_known = False
        for index, item in enumerate(feed):
            sort_time = _sort_time(item)
            if since and sort_time and sort_time <= since:
                reached_known = True
                continue
            try:
                post = feed_post(item, page)
            except PostError as exc:
                ctx.sink.error(f"{page.url}#{index}", str(exc))
                continue
            post.warc = warc
            ctx.sink.add(post)
            if sort_time and (newest is None or sort_time > newest):
                newest = sort_time
        cursor = body.get("cursor")
        if reached_known or not cursor or not feed:
            break
    ctx.sink.flush()
    if newest and newest != since:
        ctx.state.put(ctx.source.id, key, newest, ctx.sink.report.batch_id)
    return f"ok: {pages} page(s)"


def _sort_time(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    reason = item.get("reason")
    if isinstance(reason, dict) and isinstance(reason.get("indexedAt"), str):
        return str(reason["indexedAt"])
    post = item.get("post")
    if isinstance(post, dict) and isinstance(post.get("indexedAt"), str):
        return str(post["indexedAt"])
    return None


def post_url(uri: str, handle: str) -> str:
    """``at://did/app.bsky.feed.post/rkey`` as its bsky.app page."""
    rkey = uri.rstrip("/").rsplit("/", 1)[-1]
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def feed_post(item: Any, page: Fetched) -> Post:
    """One ``feedViewPost`` (a post, or a repost of one) as a post."""
    try:
        view = item["post"]
        uri = str(view["uri"])
        author = view["author"]
        record = view["record"]
        text = record["text"]
    except (KeyError, TypeError) as exc:
        raise PostError(f"feed item misses field {exc}") from None
    if not isinstance(text, str):
        raise PostError("post text is not a string")
    handle = str(author.get("handle") or author.get("did") or "")
    fields = {
        "did": str(author.get("did") or ""),
        "uri": uri,
        "langs": " ".join(record.get("langs") or []),
    }
    reason = item.get("reason")
    if isinstance(reason, dict) and isinstance(reason.get("by"), dict):
        fields["reposted_by"] = str(reason["by"].get("handle") or "")
    return Post(
        platform="bluesky",
        post_id=uri,
        url=post_url(uri, handle),
        text=text,
        author=handle or None,
        posted_at=str(record.get("createdAt") or "") or None,
        raw=json.dumps(item, sort_keys=True).encode("utf-8"),
        page_url=page.final_url,
        fetched_at=page.fetched_at,
        http_status=page.status,
        content_type=page.content_type,
        fields={k: v for k, v in fields.items() if v},
    )
