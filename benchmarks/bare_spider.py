"""The yardstick of ``benchmarks/crawl.py``: a bare Scrapy spider that makes the same
fetches as Lantern's profile spider (robots.txt, the listing pages, every ad page and,
with ``--photos``, every ad's pictures) with the same selectors, concurrency and
politeness settings, and does nothing else: no provenance, no evidence, no fingerprints,
no pipeline, no store. Each ad becomes a plain dict that goes nowhere.

    .venv/bin/python -m benchmarks.bare_spider PROFILE.yaml BASE_URL [--photos] [--lean]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import scrapy
import yaml
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, profile: dict[str, Any], base_url: str, photos: bool, **kw: Any) -> None:
        super().__init__(**kw)
        self.listing = profile["listing"]
        self.detail = profile["detail"]
        self.start_url = base_url.rstrip("/") + "/" + profile["start_paths"][0].lstrip("/")
        self.photos = photos and bool(self.detail.get("images"))

    async def start(self) -> Any:
        yield scrapy.Request(self.start_url, callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css(self.listing["item_links"]).getall():
            yield response.follow(href, callback=self.parse_ad)
        nxt = response.css(self.listing["next_page"]).get()
        if nxt:
            yield response.follow(nxt, callback=self.parse_listing)

    def parse_ad(self, response: Response) -> Iterator[Any]:
        yield {
            name: " ".join(t.strip() for t in response.css(css).getall())
            for name, css in self.detail["fields"].items()
        }
        if self.photos:
            srcs = response.css(self.detail["images"]).getall()[: self.detail.get("max_images", 4)]
            for src in srcs:
                # Lantern fetches a picture for every ad that shows it, reposts included.
                yield response.follow(src, callback=self.parse_photo, dont_filter=True)

    def parse_photo(self, response: Response) -> None:
        return None


def settings(profile: dict[str, Any], user_agent: str, lean: bool) -> dict[str, Any]:
    """Scrapy's defaults, except what must equal Lantern's crawl of the same profile
    (crawlers/settings.py): concurrency, delay, AutoThrottle, robots.txt, the reactor.

    ``lean`` also takes Lantern's settings that save work without being features of
    Lantern's own (no cookies, no consoles, one item at a time, no per-response check of
    the callbacks' source): a yardstick leaner than Scrapy's defaults, against which the
    ratio counts only what Lantern adds (provenance, evidence, fingerprints, the store)."""
    polite = profile.get("politeness", {})
    values = {
        "USER_AGENT": user_agent,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.get("concurrency_per_host", 2),
        "DOWNLOAD_DELAY": polite.get("download_delay", 1.0),
        "AUTOTHROTTLE_ENABLED": polite.get("autothrottle", True),
        "LOG_LEVEL": "INFO",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    if lean:
        values.update(
            {
                "COOKIES_ENABLED": False,
                "TELNETCONSOLE_ENABLED": False,
                "REMOTE_CONTROL_ENABLED": False,
                "CONCURRENT_ITEMS": 1,
                "WARN_ON_GENERATOR_RETURN_VALUE": False,
            }
        )
    return values


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_spider")
    parser.add_argument("profile", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--lean", action="store_true", help="Lantern's housekeeping settings")
    parser.add_argument("--user-agent", default="LanternBot/0.1 (benchmark yardstick)")
    args = parser.parse_args()
    profile = yaml.safe_load(args.profile.read_text(encoding="utf-8"))
    process = CrawlerProcess(settings(profile, args.user_agent, args.lean))
    process.crawl(BareSpider, profile=profile, base_url=args.base_url, photos=args.photos)
    process.start()


if __name__ == "__main__":
    main()
