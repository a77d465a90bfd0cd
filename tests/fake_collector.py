"""A whole new kind of social source, as a test writes one: its targets model and its
collector, nothing else (the registry gets one line and the kind's terms)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import Field

from crawlers.social.collect import Context
from crawlers.social.posts import Post
from crawlers.social.registry import SourceBase


class Source(SourceBase):
    identities: ClassVar[tuple[str, ...]] = ("boards",)
    kind: Literal["fake_kind"]
    boards: list[str] = Field(min_length=1)


def collect(ctx: Context) -> None:
    for board in ctx.typed(Source).boards:
        ctx.sink.add(
            Post(
                platform="fake",
                post_id="1",
                url=f"https://fake.example/{board}/1",
                text=f"Hiring on {board}: visa fee $900, call (702) 555-0190",
                author="fake",
                posted_at=None,
                raw=b"{}",
                page_url=f"https://fake.example/{board}",
                fetched_at=datetime.now(UTC),
            )
        )
        ctx.done(f"board:{board}", "ok: 1 post")
