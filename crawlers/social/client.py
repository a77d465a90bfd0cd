"""A polite, guarded HTTP client for the social collectors (one per source and host).

Every request: the private-address guard (also on each redirect hop, and on the address
the connection is actually made to: :mod:`crawlers.social.transport`), robots.txt of
the origin, a minimum interval per host, an honest User-Agent, a size cap and one
deadline for the whole request (``timeout``: connect, headers and body together). The
platform's rate-limit answers are obeyed: ``X-RateLimit-Remaining: 0`` waits until
``X-RateLimit-Reset``; a 429 (or 503) waits ``Retry-After`` and tries again. A wait
longer than ``max_wait`` pauses the source instead (:class:`RateLimited`): the caller
keeps its cursor where it was, so the next run picks up and nothing is lost.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from crawlers.netguard import ForbiddenAddress, Resolver, check_url, resolve
from crawlers.social.transport import GuardedBackend, GuardedTransport


class FetchError(RuntimeError):
    """A page could not be fetched (refused, unreachable, too large, robots.txt)."""


class RateLimited(FetchError):
    """The platform asked for a pause longer than this run may wait."""


@dataclass
class Fetched:
    url: str  # what was asked for
    final_url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes
    fetched_at: datetime
    redirected: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def reset_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Mastodon's ``X-RateLimit-Reset`` (ISO 8601) as seconds from now."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteClient:
    def __init__(
        self,
        *,
        user_agent: str,
        allowed_private_hosts: Iterable[str] = (),
        min_interval: float = 1.0,
        max_wait: float = 900.0,
        max_bytes: int = 10 * 1024 * 1024,
        timeout: float = 30.0,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        resolver: Resolver = resolve,
    ) -> None:
        self.user_agent = user_agent
        self.allowed = list(allowed_private_hosts)
        self.min_interval = min_interval
        self.max_wait = max_wait
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.resolver = resolver
        self._backend = GuardedBackend(self.allowed, resolver)
        self._http = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "application/json, text/html;q=0.9"},
            timeout=timeout,
            follow_redirects=False,  # each hop goes through the address guard
            transport=GuardedTransport(self._backend),
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._next_at: dict[str, float] = {}  # host -> monotonic time of the next request
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, params: dict[str, str | int] | None = None) -> Fetched:
        """GET with redirects followed (at most 5, each one guarded)."""
        asked = str(httpx.URL(url, params=params)) if params else url
        current, redirected = asked, False
        for _ in range(6):
            response, body = self._fetch(current)
            if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                current = urljoin(current, response.headers["location"])
                redirected = True
                continue
            return Fetched(
                asked,
                current,
                response.status_code,
                response.headers,
                body,
                datetime.now(UTC),
                redirected,
            )
        raise FetchError(f"{asked}: more than 5 redirects")

    def _fetch(self, url: str) -> tuple[httpx.Response, bytes]:
        self._guard(url)
        self._check_robots(url)
        for attempt in range(self.max_retries + 1):
            self._pace(url)
            response, body = self._send(url)
            self._note_rate_headers(url, response)
            if response.status_code in (429, 503):
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if wait is None:
                    wait = min(60.0, 2.0**attempt)
                if wait > self.max_wait:
                    raise RateLimited(
                        f"{url}: {response.status_code}, Retry-After {wait:.0f}s is over the "
                        f"{self.max_wait:.0f}s this run may wait; source paused"
                    )
                self.sleep(wait)
                continue
            return response, body
        raise RateLimited(f"{url}: still {response.status_code} after {self.max_retries} retries")

    def _send(self, url: str) -> tuple[httpx.Response, bytes]:
        try:
            with self._backend.deadline(self.timeout), self._http.stream("GET", url) as response:
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(f"{url}: {declared} bytes is over the {self.max_bytes} cap")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(f"{url}: body over the {self.max_bytes} byte cap")
                    chunks.append(chunk)
                return response, b"".join(chunks)
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None

    def _guard(self, url: str) -> None:
        try:
            check_url(url, self.allowed, self.resolver)
        except ForbiddenAddress as exc:
            raise FetchError(str(exc)) from None

    def _host(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def _pace(self, url: str) -> None:
        host = self._host(url)
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next_at.get(host, now))
            self._next_at[host] = at + self.min_interval
        if at > now:
            self.sleep(at - now)

    def _note_rate_headers(self, url: str, response: httpx.Response) -> None:
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is None or not remaining.strip().isdigit() or int(remaining) > 0:
            return
        wait = reset_seconds(response.headers.get("x-ratelimit-reset"))
        if wait is None:
            return
        if wait > self.max_wait:
            raise RateLimited(f"{url}: rate limit used up; resets in {wait:.0f}s; source paused")
        with self._lock:
            host = self._host(url)
            self._next_at[host] = max(self._next_at.get(host, 0.0), time.monotonic() + wait)

    def _check_robots(self, url: str) -> None:
        origin = self._host(url)
        parser = self._robots.get(origin)
        if parser is None:
            parser = urllib.robotparser.RobotFileParser()
            robots_url = origin + "/robots.txt"
            self._guard(robots_url)
            self._pace(robots_url)
            try:
                response, body = self._send(robots_url)
            except FetchError:
                response, body = None, b""
            if response is None or response.status_code >= 500:
                # Unreachable robots.txt: assume the site does not want crawlers (RFC 9309).
                parser.parse(["User-agent: *", "Disallow: /"])
            elif response.status_code >= 400:
                parser.parse([])  # no robots.txt: everything allowed
            else:
                parser.parse(body.decode("utf-8", "replace").splitlines())
            self._robots[origin] = parser
        if not parser.can_fetch(self.user_agent, url):
            raise FetchError(f"{url}: disallowed by {origin}/robots.txt")
