"""A crawl whose URL check is fooled, as by DNS rebinding: the SSRF middleware is told
every name is public (the first, harmless answer), while the connection resolves the
name for real. Only the resolver that checks the connection's own answer stands between
the crawler and a loopback address.

    python -m tests.rebinding_crawl PROFILE BASE_URL BATCH_ID
"""

from __future__ import annotations

import sys

from crawlers.middlewares.ssrf_guard import SsrfGuardMiddleware


class FooledGuard(SsrfGuardMiddleware):
    resolver = staticmethod(lambda host, port: ["93.184.216.34"])


def main(profile_name: str, base_url: str, batch_id: str) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawlers.profiles import load_profile, resolve_profile
    from crawlers.run import outcome
    from crawlers.settings import scrapy_settings
    from crawlers.spiders.profile_spider import ProfileSpider
    from leads.settings import get_settings

    profile = load_profile(resolve_profile(profile_name))
    values = scrapy_settings(profile, get_settings(), batch_id, "-", False)
    middlewares = dict(values["DOWNLOADER_MIDDLEWARES"])
    priority = middlewares.pop("crawlers.middlewares.ssrf_guard.SsrfGuardMiddleware")
    middlewares["tests.rebinding_crawl.FooledGuard"] = priority
    values["DOWNLOADER_MIDDLEWARES"] = middlewares
    process = CrawlerProcess(values)
    crawler = process.create_crawler(ProfileSpider)
    process.crawl(crawler, profile=profile, batch_id=batch_id, base_url=base_url)
    process.start()
    return outcome(crawler.stats.get_stats() if crawler.stats else {})


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
