"""Mastodon: hashtag timelines, account statuses and public timelines of a list of
instances, through each instance's public REST API.

Paging follows the ``Link`` header (``rel="next"`` goes to older statuses). Each
(instance, timeline) keeps the newest status id it has stored as ``since_id``: the next
run asks only for newer statuses and stops paging at the first one it already has.
Instances run side by side, each with its own client, so a rate-limit pause on one
instance holds up only that instance. An instance that answers 401/403 (timelines
need a login there) or not at all is recorded as skipped, not as a failure.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from urllib.parse import quote

from pydantic import Field, field_validator, model_validator

from crawlers.social.client import Fetched, FetchError, PoliteClient
from crawlers.social.collect import Context
from crawlers.social.posts import Post, PostError, html_to_text, load_json
from crawlers.social.registry import SourceBase, http_url

PAGE_LIMIT = 40  # the API's maximum


class Source(SourceBase):
    """Hashtag timelines, account statuses or the public timeline of some instances."""

    identities: ClassVar[tuple[str, ...]] = ("instances",)
    kind: Literal["mastodon"]
    instances: list[str] = Field(min_length=1)
    hashtags: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    public_timeline: bool = False

    @field_validator("instances")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [http_url(v) for v in value]

    @model_validator(mode="after")
    def _targets(self) -> Source:
        if not (self.hashtags or self.accounts or self.public_timeline):
            raise ValueError("a mastodon source needs 'hashtags', 'accounts' or 'public_timeline'")
        return self


_LINK = re.compile(r'<(?P<url>[^>]+)>\s*;\s*rel="?(?P<rel>[a-z]+)"?')


def next_link(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    for m in _LINK.finditer(link_header or ""):
        if m["rel"] == "next":
            return m["url"]
    return None


def id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings (snowflakes): compare by length, then text."""
    return (len(status_id), status_id)


def collect(ctx: Context) -> None:
    source = ctx.typed(Source)
    targets = [f"tag:{t.lstrip('#')}" for t in source.hashtags]
    targets += [f"account:{a.lstrip('@')}" for a in source.accounts]
    if source.public_timeline:
        targets.append("public")
    instances = [i.rstrip("/") for i in source.instances]
    with ThreadPoolExecutor(max_workers=min(4, len(instances)) or 1) as pool:
        list(pool.map(lambda instance: _instance(ctx, instance, targets), instances))


def _instance(ctx: Context, instance: str, targets: list[str]) -> None:
    ctx.each(
        targets,
        lambda target: f"{instance}|{target}",
        lambda client, target, key: _timeline(ctx, client, instance, target, key),
    )


def _timeline(ctx: Context, client: PoliteClient, instance: str, target: str, key: str) -> str:
    since = ctx.state.get(ctx.source.id, key)
    url = _start_url(client, instance, target)
    if url is None:
        return f"skipped: account {target.split(':', 1)[1]} not found on {instance}"
    params: dict[str, str | int] | None = {"limit": PAGE_LIMIT}
    if since:
        assert params is not None
        params["since_id"] = since
    newest = since
    pages = 0
    while url and pages < ctx.source.max_pages:
        page = client.get(url, params)
        params = None  # the Link URL carries its own parameters
        pages += 1
        if page.status in (401, 403):
            return f"skipped: {instance} answered {page.status} (timeline needs a login)"
        if page.status != 200:
            ctx.sink.error(page.url, f"HTTP {page.status}")
            return f"error: HTTP {page.status}"
        warc = ctx.sink.page(page)
        url = next_link(page.headers.get("link"))
        try:
            items = load_json(page.body)
        except ValueError as exc:
            ctx.sink.error(page.url, f"malformed JSON ({exc}); page skipped, paging goes on")
            continue
        if not isinstance(items, list):
            ctx.sink.error(page.url, "expected a JSON list of statuses")
            continue
        if not items:
            break
        reached_known = False
        for item in items:
            status_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            if since and status_id and id_key(status_id) <= id_key(since):
                reached_known = True
                continue
            try:
                post = status_post(item, page, instance)
            except PostError as exc:
                ctx.sink.error(f"{page.url}#{status_id or '?'}", str(exc))
                continue
            post.warc = warc
            ctx.sink.add(post)
            if newest is None or id_key(post.post_id) > id_key(newest):
                newest = post.post_id
        if reached_known:
            break
    ctx.sink.flush()  # stored before the cursor moves past them
    if newest and newest != since:
        ctx.state.put(ctx.source.id, key, newest, ctx.sink.report.batch_id)
    more = " (page limit reached)" if url and pages >= ctx.source.max_pages else ""
    return f"ok: {pages} page(s){more}"


def _start_url(client: PoliteClient, instance: str, target: str) -> str | None:
    if target == "public":
        return f"{instance}/api/v1/timelines/public"
    kind, _, name = target.partition(":")
    if kind == "tag":
        return f"{instance}/api/v1/timelines/tag/{quote(name, safe='')}"
    found = client.get(f"{instance}/api/v1/accounts/lookup", {"acct": name})
    if found.status == 404:
        return None
    if found.status in (401, 403):
        raise FetchError(f"{instance} answered {found.status} to an account lookup")
    try:
        account_id = str(load_json(found.body)["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"account lookup on {instance}: unusable answer ({exc})") from None
    return f"{instance}/api/v1/accounts/{quote(account_id, safe='')}/statuses"


def status_post(item: Any, page: Fetched, instance: str) -> Post:
    """A Mastodon Status entity as a post (boosts count as the boosted status)."""
    if not isinstance(item, dict):
        raise PostError("status is not a JSON object")
    reblog = item.get("reblog")
    status: dict[str, Any] = reblog if isinstance(reblog, dict) else item
    try:
        status_id = str(item["id"])
        content = status["content"]
        account = status["account"]
        url = status.get("url") or status["uri"]
    except (KeyError, TypeError) as exc:
        raise PostError(f"status misses field {exc}") from None
    if not isinstance(content, str) or not isinstance(account, dict):
        raise PostError("status content or account has the wrong type")
    text = html_to_text(content)
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n{text}"
    tags = [t.get("name", "") for t in status.get("tags") or [] if isinstance(t, dict)]
    fields = {
        "instance": instance,
        "language": str(status.get("language") or ""),
        "tags": " ".join(t for t in tags if t),
        "media": str(len(status.get("media_attachments") or [])),
    }
    if status is not item:
        fields["boosted_by"] = str((item.get("account") or {}).get("acct", ""))
    return Post(
        platform="mastodon",
        post_id=status_id,
        url=str(url),
        text=text,
        author=str(account.get("acct") or account.get("username") or "") or None,
        posted_at=str(status.get("created_at") or "") or None,
        raw=json.dumps(item, sort_keys=True).encode("utf-8"),
        page_url=page.final_url,
        fetched_at=page.fetched_at or datetime.now(UTC),
        http_status=page.status,
        content_type=page.content_type,
        fields={k: v for k, v in fields.items() if v},
    )
