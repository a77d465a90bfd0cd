"""Telegram: public channel previews (``t.me/s/<channel>``), paged with ``?before=ID``.

The preview is the page any browser shows without an account. A channel without one
redirects away from ``/s/``: recorded as "no public preview", never worked around.
Each channel keeps the highest post id it has stored; the next run stops at it.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, Literal
from urllib.parse import quote, urlsplit

import lxml.html
from lxml import etree
from pydantic import Field, field_validator

from crawlers.social.client import Fetched
from crawlers.social.collect import Context
from crawlers.social.posts import Post, PostError, html_to_text
from crawlers.social.registry import SourceBase, http_url

_MESSAGE = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message ')]"
    "[@data-post]"
)
_TEXT = ".//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_text ')]"
_DATE = ".//a[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_date ')]"
_MORE = "//a[contains(concat(' ', normalize-space(@class), ' '), ' tme_messages_more ')]"


class Source(SourceBase):
    """Public channel previews."""

    identities: ClassVar[tuple[str, ...]] = ("channels",)
    kind: Literal["telegram_preview"]
    base_url: str = "https://t.me"
    channels: list[str] = Field(min_length=1)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)


def collect(ctx: Context) -> None:
    channels = ctx.typed(Source).channels
    ctx.each(channels, lambda channel: f"channel:{channel}", partial(_channel, ctx))


def _channel(ctx: Context, client: Any, channel: str, key: str) -> str:
    since = ctx.state.get(ctx.source.id, key)
    last = int(since) if since and since.isdigit() else None
    newest = last
    base = ctx.typed(Source).base_url.rstrip("/")
    preview = f"{base}/s/{quote(channel, safe='')}"
    url: str | None = preview
    pages = 0
    while url and pages < ctx.source.max_pages:
        page = client.get(url)
        pages += 1
        if page.redirected and "/s/" not in urlsplit(page.final_url).path:
            return f"skipped: no public preview (redirected to {page.final_url})"
        if page.status != 200:
            ctx.sink.error(page.url, f"HTTP {page.status}")
            return f"error: HTTP {page.status}"
        warc = ctx.sink.page(page)
        try:
            root = lxml.html.document_fromstring(page.body)
        except (etree.ParserError, ValueError) as exc:
            ctx.sink.error(page.url, f"page cannot be parsed ({exc})")
            return "error: page cannot be parsed"
        messages = root.xpath(_MESSAGE)
        if not messages:
            if pages == 1:
                ctx.sink.error(page.url, "no tgme_widget_message markup on the preview page")
                return "error: preview page without message markup"
            break
        reached_known = False
        oldest: int | None = None
        for message in messages:
            try:
                post = message_post(message, channel, page)
            except PostError as exc:
                ctx.sink.error(f"{page.url}#{message.get('data-post', '?')}", str(exc))
                continue
            number = int(post.post_id)
            oldest = number if oldest is None else min(oldest, number)
            if last is not None and number <= last:
                reached_known = True
                continue
            post.warc = warc
            ctx.sink.add(post)
            newest = number if newest is None else max(newest, number)
        if reached_known:
            break
        # The "load more" link says older posts exist; the next page is always built
        # from this channel's preview URL (never a link taken from the page).
        more = root.xpath(_MORE)
        before = more[0].get("data-before") if more else None
        if not (before and before.isdigit()):
            before = str(oldest) if more and oldest is not None else None
        url = f"{preview}?before={before}" if before else None
    ctx.sink.flush()
    if newest is not None and newest != last:
        ctx.state.put(ctx.source.id, key, str(newest), ctx.sink.report.batch_id)
    return f"ok: {pages} page(s)"


def message_post(message: Any, channel: str, page: Fetched) -> Post:
    data_post = str(message.get("data-post") or "")
    name, _, number = data_post.rpartition("/")
    if not number.isdigit():
        raise PostError(f"data-post {data_post!r} has no post number")
    texts = message.xpath(_TEXT)
    if not texts:
        raise PostError("message has no text element (media-only post)")
    html = etree.tostring(texts[0], encoding="unicode", method="html")
    text = html_to_text(html)
    dates = message.xpath(_DATE)
    url = str(dates[0].get("href")) if dates and dates[0].get("href") else ""
    times = dates[0].xpath(".//time/@datetime") if dates else []
    return Post(
        platform="telegram",
        post_id=number,
        url=url or f"https://t.me/{name or channel}/{number}",
        text=text,
        author=name or channel,
        posted_at=str(times[0]) if times else None,
        raw=html.encode("utf-8"),
        page_url=page.final_url,
        fetched_at=page.fetched_at,
        http_status=page.status,
        content_type=page.content_type,
        fields={"channel": name or channel},
    )
