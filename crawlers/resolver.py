"""A DNS resolver that refuses forbidden answers (Scrapy's ``TWISTED_DNS_RESOLVER``).

The SSRF guard middleware checks a URL before the request goes out; the connection that
follows resolves the name again. A name that answers with a public address to the first
lookup and a private one to the second (DNS rebinding) would slip through. This
resolver applies the same rule to the answer the connection uses: a host not on the
allow-list that resolves to a non-public address fails to resolve, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawlers.netguard import allowed_hosts, is_forbidden_ip

logger = logging.getLogger(__name__)


class GuardedResolver(CachingThreadedResolver):
    allowed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allowed = allowed_hosts(crawler.settings.getlist("LANTERN_ALLOWED_PRIVATE_HOSTS"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        answer: Deferred[str] = super().getHostByName(name, timeout)
        return answer.addCallback(self._refuse_forbidden, name)

    def _refuse_forbidden(self, address: str, name: str) -> str:
        if is_forbidden_ip(address) and name.lower() not in self.allowed:
            reason = (
                f"ssrf-guard: refused {name}: it resolves to non-public address {address} "
                "at connection time (not in LANTERN_ALLOWED_PRIVATE_HOSTS)"
            )
            # Twisted reports a failed lookup as "no results": the reason is logged here.
            logger.warning(reason)
            raise DNSLookupError(reason)
        return address
