"""Runs one crawl in this process. Airflow and the CLI call it as a subprocess, one per
crawl, because Twisted's reactor cannot be restarted inside one process.

    python -m crawlers.run PROFILE --batch-id B [--base-url URL] [--out FILE|-] [--no-index]
"""

from __future__ import annotations

import argparse
import sys

from crawlers.profiles import ProfileError, load_profile, resolve_profile
from leads.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run")
    parser.add_argument("profile")
    parser.add_argument("--batch-id", required=True)
    parser.add_argument("--base-url")
    parser.add_argument("--out")
    parser.add_argument("--no-index", action="store_true")
    parser.add_argument(
        "--extra-url", action="append", default=[], help="also fetch this URL as a detail page"
    )
    parser.add_argument("--only-extra", action="store_true", help="skip the profile's start pages")
    args = parser.parse_args(argv)

    settings = get_settings()
    try:
        profile = load_profile(resolve_profile(args.profile))
    except ProfileError as exc:
        print(f"crawl: {exc}", file=sys.stderr)
        return 2
    if not profile.enabled:
        print(f"crawl: profile {profile.id} is disabled in its registry entry", file=sys.stderr)
        return 2
    if profile.render and not settings.chromium_path.exists():
        print(
            f"crawl: profile {profile.id} needs JavaScript but Chromium is missing at "
            f"{settings.chromium_path} (apt-get install chromium, or set LANTERN_CHROMIUM_PATH)",
            file=sys.stderr,
        )
        return 2

    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import scrapy_settings
    from crawlers.spiders.profile_spider import ProfileSpider

    values = scrapy_settings(profile, settings, args.batch_id, args.out, not args.no_index)
    process = CrawlerProcess(values, install_root_handler=True)
    crawler = process.create_crawler(ProfileSpider)
    process.crawl(
        crawler,
        profile=profile,
        batch_id=args.batch_id,
        base_url=args.base_url,
        start_urls=args.extra_url,
        only_extra=args.only_extra,
    )
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("finish_reason") not in ("finished", None):
        print(f"crawl: finished abnormally ({stats.get('finish_reason')})", file=sys.stderr)
        return 1
    if "lantern" not in stats:
        print("crawl: the output pipeline never closed (see the log above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
