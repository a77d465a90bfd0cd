"""Refuses requests to private, loopback and link-local addresses (SSRF guard).

Runs on every request, including the new request a redirect produces, so a public page
cannot bounce the crawler into the internal network. ``host:port`` pairs on
``LANTERN_ALLOWED_PRIVATE_HOSTS`` are let through (the demo and the tests use loopback).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawlers.netguard import ForbiddenAddress, Resolver, check_url, resolve

logger = logging.getLogger(__name__)


class SsrfGuardMiddleware:
    # How names are resolved for the check (tests inject their own). The connection
    # resolves again; crawlers.resolver refuses a forbidden answer there too.
    resolver: Resolver = staticmethod(resolve)

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = allowed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        return cls(crawler.settings.getlist("LANTERN_ALLOWED_PRIVATE_HOSTS"))

    def process_request(self, request: Request) -> None:
        try:
            check_url(request.url, self.allowed, self.resolver)
        except ForbiddenAddress as exc:
            via = request.meta.get("redirect_urls")
            note = f" (redirected from {via[0]})" if via else ""
            logger.warning("ssrf-guard: %s%s", exc, note)
            raise IgnoreRequest(f"ssrf-guard: {exc}{note}") from None
