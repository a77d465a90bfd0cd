"""Bluesky keyword watch: a bounded-window consumer of Jetstream (the public firehose as
JSON over WebSocket), which is where Bluesky points bulk readers (``searchPosts``
often refuses anonymous calls).

The consumer reads ``app.bsky.feed.post`` create events for ``window_seconds``, keeps
the posts that contain a watched keyword, and persists the ``time_us`` cursor of the
last event it handled (every few hundred events and at the end). After a dropped
connection it reconnects from a little before that cursor and skips every event at or
before it: no event is lost and none is handled twice.
"""

from __future__ import annotations

import re
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from pydantic import Field, field_validator
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from crawlers.netguard import ForbiddenAddress, Resolver, check_host, check_url
from crawlers.social.bluesky import post_url
from crawlers.social.collect import Context
from crawlers.social.posts import Post, load_json
from crawlers.social.registry import SourceBase

COLLECTION = "app.bsky.feed.post"
# Reconnect this far before the cursor (Jetstream's advice for gapless replay); the
# events at or before the cursor are skipped, so the overlap costs nothing.
REWIND_US = 2_000_000
SAVE_EVERY = 200
MAX_RECONNECTS = 20
MAX_MESSAGE_BYTES = 1024 * 1024


class Source(SourceBase):
    """A bounded-window keyword watch on a Jetstream endpoint."""

    identities: ClassVar[tuple[str, ...]] = ("endpoint",)
    kind: Literal["bluesky_jetstream"]
    endpoint: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    keywords: list[str] = Field(min_length=1)
    window_seconds: float = Field(default=60, gt=0, le=3600)

    @field_validator("endpoint")
    @classmethod
    def _ws(cls, value: str) -> str:
        if not re.match(r"^wss?://[^/\s]+", value):
            raise ValueError(f"endpoint {value!r} is not a ws(s) URL")
        return value


def collect(ctx: Context) -> None:
    source = ctx.typed(Source)
    key = "time_us"
    stored = ctx.state.get(ctx.source.id, key)
    cursor = int(stored) if stored and stored.isdigit() else None
    pattern = keyword_pattern(source.keywords)
    deadline = time.monotonic() + source.window_seconds
    reconnects = events = 0
    outcome = "ok"
    try:
        _guard(source.endpoint, ctx.settings.allowed_private_hosts, ctx.resolver)
    except OSError as exc:
        ctx.done("jetstream", f"skipped: {exc}")
        return
    while time.monotonic() < deadline:
        url = subscribe_url(source.endpoint, cursor)
        try:
            sock = _checked_socket(
                source.endpoint, ctx.settings.allowed_private_hosts, ctx.resolver
            )
            with connect(
                url,
                sock=sock,
                open_timeout=10,
                max_size=MAX_MESSAGE_BYTES,
                user_agent_header=ctx.settings.user_agent,
            ) as ws:
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        message = ws.recv(timeout=remaining)
                    except TimeoutError:
                        break
                    handled = _handle(ctx, message, cursor, pattern)
                    if handled is not None:
                        cursor = handled
                        events += 1
                        if events % SAVE_EVERY == 0:
                            _save(ctx, key, cursor)
            break  # the window ended
        except (ConnectionClosed, OSError, InvalidHandshake, InvalidURI) as exc:
            reconnects += 1
            if reconnects > MAX_RECONNECTS:
                outcome = f"error: gave up after {MAX_RECONNECTS} reconnects ({exc})"
                break
            print(
                f"collect {ctx.source.id}: connection lost ({type(exc).__name__}); "
                f"resuming from cursor {cursor}",
                file=sys.stderr,
                flush=True,
            )
            ctx.sleep(min(5.0, 0.2 * reconnects))
    if cursor is not None:
        _save(ctx, key, cursor)
    ctx.done("jetstream", f"{outcome}: {events} events, {reconnects} reconnect(s)")


def _save(ctx: Context, key: str, cursor: int) -> None:
    ctx.sink.flush()  # posts up to the cursor are stored before it moves
    ctx.state.put(ctx.source.id, key, str(cursor), ctx.sink.report.batch_id)


def _guard(url: str, allowed: list[str], resolver: Resolver) -> None:
    parts = urlsplit(url)
    http = urlunsplit(("https" if parts.scheme == "wss" else "http", *parts[1:]))
    try:
        check_url(http, allowed, resolver)
    except ForbiddenAddress as exc:
        raise OSError(str(exc)) from None


def _checked_socket(url: str, allowed: list[str], resolver: Resolver) -> socket.socket:
    """A TCP connection to an address that passed the guard: the name is resolved once,
    here, so it cannot answer differently for the connection (DNS rebinding)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    if f"{host}:{port}" in {a.lower() for a in allowed}:
        addresses = resolver(host, port)
    else:
        try:
            addresses = check_host(host, port, resolver)
        except ForbiddenAddress as exc:
            raise OSError(str(exc)) from None
    failure: OSError = OSError(f"{host}: no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=10)
        except OSError as exc:
            failure = exc
    raise failure


def subscribe_url(endpoint: str, cursor: int | None) -> str:
    params: list[tuple[str, str]] = [("wantedCollections", COLLECTION)]
    if cursor is not None:
        params.append(("cursor", str(max(0, cursor - REWIND_US))))
    joiner = "&" if "?" in endpoint else "?"
    return endpoint + joiner + urlencode(params)


def keyword_pattern(keywords: list[str]) -> re.Pattern[str]:
    words = sorted({k.strip().casefold() for k in keywords if k.strip()}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def _handle(ctx: Context, message: str | bytes, cursor: int | None, pattern: Any) -> int | None:
    """Handles one event; returns its time_us, or None when it was already handled."""
    try:
        event = load_json(message)
        time_us = int(event["time_us"])
    except (ValueError, KeyError, TypeError) as exc:
        ctx.sink.error("jetstream", f"unusable event ({exc})", payload=str(message)[:2000])
        return None
    if cursor is not None and time_us <= cursor:
        return None  # replayed after a reconnect: handled before
    commit = event.get("commit")
    if event.get("kind") != "commit" or not isinstance(commit, dict):
        return time_us
    if commit.get("collection") != COLLECTION or commit.get("operation") != "create":
        return time_us
    record = commit.get("record") or {}
    text = record.get("text") if isinstance(record, dict) else None
    if not isinstance(text, str) or not pattern.search(text.casefold()):
        return time_us
    did = str(event.get("did", ""))
    uri = f"at://{did}/{COLLECTION}/{commit.get('rkey', '')}"
    raw = message if isinstance(message, bytes) else message.encode("utf-8")
    ctx.sink.add(
        Post(
            platform="bluesky",
            post_id=uri,
            url=post_url(uri, did),
            text=text,
            author=did or None,
            posted_at=str(record.get("createdAt") or "") or None,
            raw=raw,
            page_url=ctx.typed(Source).endpoint,
            fetched_at=datetime.now(UTC),
            content_type="application/json",
            fields={"did": did, "uri": uri, "time_us": str(time_us), "via": "jetstream"},
        )
    )
    return time_us
