"""An offline stand-in for the public social-media APIs Lantern's collectors call.

One loopback HTTP server imitates, in their real wire formats (see FORMATS.md):

* Mastodon REST under ``/mastodon/<instance>/api/v1/...`` (tag/public timelines, account
  lookup and statuses, Link-header paging, X-RateLimit-* headers);
* the Bluesky AppView under ``/bsky/xrpc/app.bsky.feed.getAuthorFeed``;
* Telegram's public channel previews under ``/telegram/s/<channel>``;

plus ``/robots.txt`` and ``/tracker.png`` (which a safe collector never requests).
``fail_next`` scripts failures (429 with Retry-After, 5xx...) for the next N requests.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from demo.replay.fixtures import (
    MastodonAccount,
    MastodonInstance,
    MastodonStatus,
    TelegramChannel,
    TelegramPost,
    World,
    iso_ms,
)

ROBOTS = "User-agent: *\nAllow: /\n"
TRACKER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"

MASTODON_DEFAULT_LIMIT, MASTODON_MAX_LIMIT = 20, 40
RATE_LIMIT, RATE_WINDOW_S = 300, 300  # Mastodon's default: 300 requests per 5 minutes
BSKY_DEFAULT_LIMIT, BSKY_MAX_LIMIT = 50, 100
BSKY_FILTERS = (
    "posts_with_replies",
    "posts_no_replies",
    "posts_with_media",
    "posts_and_author_threads",
    "posts_with_video",
)
TELEGRAM_PAGE = 20
PAGING_PARAMS = ("max_id", "since_id", "min_id")

Query = dict[str, list[str]]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (``time`` is ``time.monotonic()``)."""

    time: float
    method: str
    path: str
    query: Query
    status: int


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Failure:
    prefix: str
    status: int
    headers: dict[str, str]
    body: bytes
    remaining: int


def _json(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", JSON), *(headers or [])])


def _html(status: int, text: str) -> Response:
    return Response(status, text.encode(), [("Content-Type", HTML)])


def _first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _int(query: Query, name: str) -> int | None:
    value = _first(query, name)
    return int(value) if value is not None and value.strip().isdigit() else None


class SocialReplay:
    """The replay HTTP server. Binds at construction (so ``base_url`` is known before
    ``start()``) and serves from a daemon thread; usable as a context manager."""

    def __init__(self, port: int = 0, seed: int = 7) -> None:
        # Loopback only: the fixtures must never be reachable from another machine.
        self._httpd = _Server(("127.0.0.1", port), _Handler, self)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.world = World(seed=seed, base_url=self.base_url)
        self._lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._failures: list[_Failure] = []
        self._rate: dict[str, tuple[int, float]] = {}  # instance -> remaining, reset (epoch)
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> SocialReplay:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="social-replay", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> SocialReplay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------

    def mastodon_url(self, name: str) -> str:
        return f"{self.base_url}/mastodon/{name}"

    @property
    def bsky_url(self) -> str:
        return f"{self.base_url}/bsky"

    @property
    def telegram_url(self) -> str:
        return f"{self.base_url}/telegram"

    # -- scripting and inspection ---------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def requested(self, path_prefix: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        times: int = 1,
    ) -> None:
        """The next ``times`` requests whose path starts with ``path_prefix`` get this
        response instead of the real one (e.g. 429 with ``{"Retry-After": "2"}``)."""
        with self._lock:
            self._failures.append(_Failure(path_prefix, status, dict(headers or {}), body, times))

    # -- request handling -----------------------------------------------------------

    def handle(self, method: str, target: str) -> Response:
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        response = self._injected(path) or self._route(path, query)
        with self._lock:
            record = RequestRecord(time.monotonic(), method, path, query, response.status)
            self._requests.append(record)
        return response

    def _injected(self, path: str) -> Response | None:
        with self._lock:
            for failure in self._failures:
                if path.startswith(failure.prefix) and failure.remaining > 0:
                    failure.remaining -= 1
                    if failure.remaining == 0:
                        self._failures.remove(failure)
                    headers = list(failure.headers.items())
                    if not any(k.lower() == "content-type" for k, _ in headers):
                        headers.append(
                            ("Content-Type", JSON if failure.body[:1] in b"{[" else HTML)
                        )
                    return Response(failure.status, failure.body, headers)
        return None

    def _route(self, path: str, query: Query) -> Response:
        if path == "/robots.txt":
            return Response(200, ROBOTS.encode(), [("Content-Type", "text/plain; charset=utf-8")])
        if path == "/tracker.png":
            return Response(200, TRACKER_PNG, [("Content-Type", "image/png")])
        if match := re.fullmatch(r"/mastodon/([^/]+)(/.*)?", path):
            return self._mastodon(match.group(1), match.group(2) or "/", query)
        if match := re.fullmatch(r"/bsky/xrpc/([A-Za-z0-9.]+)", path):
            return self._bsky(match.group(1), query)
        # t.me/s pages link to "/s/<channel>?before=..." (site-root relative), so the same
        # pages are also served at the root, as t.me itself would.
        if match := re.fullmatch(r"(?:/telegram)?/s/([A-Za-z0-9_]+)/?", path):
            return self._telegram_preview(match.group(1), query)
        if match := re.fullmatch(r"/telegram/([A-Za-z0-9_]+)/?", path):
            return self._telegram_page(match.group(1))
        return Response(404, b"Not Found\n", [("Content-Type", "text/plain; charset=utf-8")])

    # -- Mastodon -------------------------------------------------------------------

    def _rate_headers(self, instance: str) -> list[tuple[str, str]]:
        """Per-instance counter in fixed 5-minute windows; floors at 1 so it never
        signals exhaustion by itself (script a 429 with fail_next instead)."""
        now = time.time()
        with self._lock:
            remaining, reset = self._rate.get(instance, (RATE_LIMIT, 0.0))
            if now >= reset:
                remaining, reset = RATE_LIMIT, (now // RATE_WINDOW_S + 1) * RATE_WINDOW_S
            remaining = max(1, remaining - 1)
            self._rate[instance] = (remaining, reset)
        reset_iso = iso_ms(datetime.fromtimestamp(reset, UTC))
        return [
            ("X-RateLimit-Limit", str(RATE_LIMIT)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", reset_iso),
        ]

    def _mastodon(self, name: str, rest: str, query: Query) -> Response:
        inst = self.world.mastodon.get(name)
        if inst is None:
            return Response(404, b"Not Found\n", [("Content-Type", "text/plain; charset=utf-8")])
        headers = self._rate_headers(name)
        if rest.startswith("/api/") and inst.mode == "closed":
            return _json(401, {"error": "This method requires an authenticated user"}, headers)
        base = self.mastodon_url(name)
        if match := re.fullmatch(r"/api/v1/timelines/tag/([^/]+)", rest):
            tag = unquote(match.group(1)).lower()
            statuses = self.world.statuses(name, tag=tag)
            endpoint = f"{base}/api/v1/timelines/tag/{match.group(1)}"
            return self._timeline(inst, statuses, query, endpoint, headers, tag=tag)
        if rest == "/api/v1/timelines/public":
            statuses = self.world.statuses(name)
            return self._timeline(inst, statuses, query, f"{base}/api/v1/timelines/public", headers)
        if rest == "/api/v1/accounts/lookup":
            account = self._lookup(inst, _first(query, "acct") or "")
            if account is None:
                return _json(404, {"error": "Record not found"}, headers)
            return _json(200, self.world.account_json(inst, account), headers)
        if match := re.fullmatch(r"/api/v1/accounts/(\d+)(/statuses)?", rest):
            with self.world.lock:  # add_status may create accounts meanwhile
                accounts = list(inst.accounts.values())
            account = next((a for a in accounts if a.id == match.group(1)), None)
            if account is None:
                return _json(404, {"error": "Record not found"}, headers)
            if not match.group(2):
                return _json(200, self.world.account_json(inst, account), headers)
            return self._account_statuses(inst, account, query, headers)
        return _json(404, {"error": "Record not found"}, headers)

    def _lookup(self, inst: MastodonInstance, acct: str) -> MastodonAccount | None:
        # Local accounts answer to "name" and "name@<this host>", as on a real instance.
        username, _, domain = acct.lstrip("@").partition("@")
        if domain and domain.lower() != urlsplit(self.base_url).netloc:
            return None
        with self.world.lock:
            return inst.accounts.get(username)

    @staticmethod
    def _page(statuses: list[MastodonStatus], query: Query) -> list[MastodonStatus]:
        """Mastodon's paginate_by_max_id / paginate_by_min_id over ids ascending;
        returns newest first. min_id wins over since_id, as in Mastodon."""
        limit = _int(query, "limit")
        limit = MASTODON_DEFAULT_LIMIT if limit is None else max(1, min(limit, MASTODON_MAX_LIMIT))
        max_id, since_id, min_id = (_int(query, p) for p in PAGING_PARAMS)
        lower = min_id if min_id is not None else since_id
        pool = [
            s
            for s in statuses
            if (max_id is None or s.id < max_id) and (lower is None or s.id > lower)
        ]
        page = pool[:limit] if min_id is not None else pool[-limit:]
        return page[::-1]

    def _links(
        self, endpoint: str, query: Query, page: list[MastodonStatus], with_next: bool
    ) -> list[tuple[str, str]]:
        if not page:
            return []
        kept = [(k, v) for k, vs in query.items() if k not in PAGING_PARAMS for v in vs]
        links = []
        if with_next:
            links.append(f'<{endpoint}?{urlencode([*kept, ("max_id", page[-1].id)])}>; rel="next"')
        links.append(f'<{endpoint}?{urlencode([*kept, ("min_id", page[0].id)])}>; rel="prev"')
        return [("Link", ", ".join(links))]

    def _timeline(
        self,
        inst: MastodonInstance,
        statuses: list[MastodonStatus],
        query: Query,
        endpoint: str,
        headers: list[tuple[str, str]],
        tag: str | None = None,
    ) -> Response:
        if inst.mode == "quiet":
            return _json(200, [], headers)
        page = self._page(statuses, query)
        payload = [self.world.status_json(inst, s) for s in page]
        response = _json(200, payload, headers + self._links(endpoint, query, page, True))
        if inst.mode == "broken" and tag == "hiring" and self._is_second_page(statuses, query):
            # The page a client reaches by following rel="next" once: headers intact,
            # body cut in half (what a proxy timeout mid-transfer leaves behind).
            response.body = response.body[: len(response.body) // 2]
        return response

    @staticmethod
    def _is_second_page(statuses: list[MastodonStatus], query: Query) -> bool:
        max_id = _int(query, "max_id")
        if max_id is None or _first(query, "since_id") or _first(query, "min_id"):
            return False
        limit = _int(query, "limit")
        limit = MASTODON_DEFAULT_LIMIT if limit is None else max(1, min(limit, MASTODON_MAX_LIMIT))
        return sum(1 for s in statuses if s.id >= max_id) == limit

    def _account_statuses(
        self,
        inst: MastodonInstance,
        account: MastodonAccount,
        query: Query,
        headers: list[tuple[str, str]],
    ) -> Response:
        tagged = _first(query, "tagged")
        statuses = self.world.statuses(inst.name, account=account.username, tag=tagged)
        if _first(query, "pinned") == "true" or inst.mode == "quiet":
            statuses = []
        page = self._page(statuses, query)
        limit = _int(query, "limit")
        limit = MASTODON_DEFAULT_LIMIT if limit is None else max(1, min(limit, MASTODON_MAX_LIMIT))
        endpoint = f"{self.mastodon_url(inst.name)}/api/v1/accounts/{account.id}/statuses"
        # Unlike timelines, Mastodon only offers rel="next" here after a full page.
        links = self._links(endpoint, query, page, with_next=len(page) == limit)
        return _json(200, [self.world.status_json(inst, s) for s in page], headers + links)

    # -- Bluesky --------------------------------------------------------------------

    def _bsky(self, method: str, query: Query) -> Response:
        if method != "app.bsky.feed.getAuthorFeed":
            return _json(
                501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
            )
        actor_param = _first(query, "actor")
        if not actor_param:
            return _bsky_error('Error: Params must have the property "actor"')
        limit_raw = _first(query, "limit")
        limit = BSKY_DEFAULT_LIMIT
        if limit_raw is not None:
            try:
                limit = int(limit_raw)
            except ValueError:
                return _bsky_error("Error: limit must be an integer")
            if limit < 1:
                return _bsky_error("Error: limit must be >= 1")
            if limit > BSKY_MAX_LIMIT:
                return _bsky_error(f"Error: limit must be <= {BSKY_MAX_LIMIT}")
        feed_filter = _first(query, "filter") or "posts_with_replies"
        if feed_filter not in BSKY_FILTERS:
            return _bsky_error(f"Error: filter must be one of ({', '.join(BSKY_FILTERS)})")
        actor = self.world.bsky_actor(actor_param)
        if actor is None:
            return _bsky_error("Profile not found")
        items = self.world.feed(actor.did)[::-1]  # newest first
        if feed_filter in ("posts_with_media", "posts_with_video"):
            items = []  # no fixture post has an embed
        cursor = _first(query, "cursor")
        if cursor:
            try:
                before = datetime.fromisoformat(cursor.replace("Z", "+00:00"))
            except ValueError:
                return _bsky_error("Malformed cursor")
            items = [i for i in items if i.sort_at < before]
        page = items[:limit]
        payload: dict[str, Any] = {"feed": [self.world.feed_item_json(actor, i) for i in page]}
        if len(items) > limit:
            payload["cursor"] = iso_ms(page[-1].sort_at)
        now = int(time.time())
        headers = [
            ("RateLimit-Limit", "3000"),
            ("RateLimit-Remaining", "2999"),
            ("RateLimit-Reset", str(now - now % 300 + 300)),
            ("RateLimit-Policy", "3000;w=300"),
        ]
        return _json(200, payload, headers)

    # -- Telegram -------------------------------------------------------------------

    def _telegram_preview(self, name: str, query: Query) -> Response:
        channel = self.world.telegram.get(name)
        if channel is None or channel.mode == "private":
            # t.me/s/<name> without a public preview redirects to the plain page.
            return Response(302, b"", [("Location", f"/telegram/{name}")])
        if channel.mode == "broken":
            return _html(200, _broken_markup_page(channel, self.world.telegram_posts(name)))
        posts = self.world.telegram_posts(name)
        before, after = _int(query, "before"), _int(query, "after")
        if before is not None:
            older = [p for p in posts if p.id < before]
            page = older[-TELEGRAM_PAGE:]
        elif after is not None:
            page = [p for p in posts if p.id > after][:TELEGRAM_PAGE]
        else:
            page = posts[-TELEGRAM_PAGE:]
        has_older = bool(page) and page[0].id > posts[0].id
        return _html(200, _telegram_page(channel, page, has_older))

    def _telegram_page(self, name: str) -> Response:
        channel = self.world.telegram.get(name)
        title = channel.title if channel else "Telegram Messenger"
        extra = "1 234 members" if channel else "If you have Telegram, you can contact us."
        body = (
            '<div class="tgme_page"><div class="tgme_page_photo"></div>'
            f'<div class="tgme_page_title"><span dir="auto">{html.escape(title)}</span></div>'
            f'<div class="tgme_page_extra">{html.escape(extra)}</div>'
            '<div class="tgme_page_action"><a class="tgme_action_button_new" '
            f'href="tg://resolve?domain={name}">Open in Telegram</a></div></div>'
        )
        return _html(200, _telegram_doc(title, body, "tgme_page_wrap"))


def _bsky_error(message: str) -> Response:
    return _json(400, {"error": "InvalidRequest", "message": message})


def _telegram_doc(title: str, body: str, body_class: str) -> str:
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} – Telegram</title>\n"
        f'<meta property="og:title" content="{html.escape(title)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'</head>\n<body class="{body_class}">\n{body}\n</body>\n</html>\n'
    )


def _views(n: int) -> str:
    return f"{n / 1000:.1f}K" if n >= 1000 else str(n)


def _telegram_message(channel: TelegramChannel, post: TelegramPost) -> str:
    name = channel.name
    stamp = post.date.astimezone(UTC)
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        '<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
        f'data-post="{name}/{post.id}" data-view="demo{post.id}">'
        '<div class="tgme_widget_message_user">'
        f'<a href="https://t.me/{name}"><i class="tgme_widget_message_user_photo bgcolor0" '
        f'data-content="{html.escape(channel.title[:1])}"></i></a></div>'
        '<div class="tgme_widget_message_bubble">'
        '<div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="https://t.me/{name}">'
        f'<span dir="auto">{html.escape(channel.title)}</span></a></div>'
        f'<div class="tgme_widget_message_text js-message_text" dir="auto">{post.html}</div>'
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        f'<span class="tgme_widget_message_views">{_views(post.views)}</span>'
        '<span class="copyonly"> views</span><span class="tgme_widget_message_meta">'
        f'<a class="tgme_widget_message_date" href="https://t.me/{name}/{post.id}">'
        f'<time datetime="{stamp.isoformat()}" class="time">{stamp:%H:%M}</time></a>'
        "</span></div></div></div></div></div>"
    )


def _telegram_page(channel: TelegramChannel, page: list[TelegramPost], has_older: bool) -> str:
    """A t.me/s/<channel> page: posts oldest to newest, "load more" (older) at the top."""
    name = channel.name
    more = ""
    if has_older:
        oldest = page[0].id
        more = (
            '<div class="tgme_widget_message_centered js-messages_more_wrap">'
            f'<a class="tme_messages_more js-messages_more" data-before="{oldest}" '
            f'href="/s/{name}?before={oldest}"></a></div>'
        )
    messages = "\n".join(_telegram_message(channel, p) for p in page)
    body = (
        '<header class="tgme_header search_collapsed"><div class="tgme_header_info">'
        f'<div class="tgme_channel_info_header_title"><span dir="auto">'
        f"{html.escape(channel.title)}</span></div>"
        f'<div class="tgme_channel_info_header_username"><a href="https://t.me/{name}">'
        f"@{name}</a></div></div></header>\n"
        '<main class="tgme_main"><section class="tgme_channel_history js-message_history">\n'
        f"{more}\n{messages}\n</section></main>"
    )
    return _telegram_doc(channel.title, body, "widget_frame_base tgme_webpage tgme_channel_webpage")


def _broken_markup_page(channel: TelegramChannel, posts: list[TelegramPost]) -> str:
    """A 200 page whose layout changed: content is there, tgme_widget_message is not."""
    articles = "\n".join(
        f'<article class="msg-v2" id="m{p.id}"><div class="msg-v2__body">{p.html}</div>'
        f'<span class="msg-v2__date">{p.date:%Y-%m-%d %H:%M}</span></article>'
        for p in posts
    )
    body = f'<main class="app-root"><h1>{html.escape(channel.title)}</h1>\n{articles}\n</main>'
    return _telegram_doc(channel.title, body, "app-v2")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], replay: SocialReplay
    ) -> None:
        self.replay = replay
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def close_connections(self) -> None:
        """Ends keep-alive connections still open, so stop() leaves nothing serving."""
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "replay"
    timeout = 30  # idle keep-alive connections end on their own
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        response = self.server.replay.handle("GET", self.path)
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is SocialReplay.requests
