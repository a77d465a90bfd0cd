"""Runs one crawl in this process. Airflow and the CLI call it as a subprocess, one per
crawl, because Twisted's reactor cannot be restarted inside one process.

    python -m crawlers.run PROFILE --batch-id B [--base-url URL] [--out FILE|-] [--no-index]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawlers.profiles import ProfileError, load_profile, resolve_profile
from leads.ids import check_batch_id
from leads.settings import get_settings
from leads.text import one_line


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
        check_batch_id(args.batch_id)
        profile = load_profile(resolve_profile(args.profile))
    except (ProfileError, ValueError) as exc:
        print(one_line(f"crawl: {exc}"), file=sys.stderr)
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

    base_url = args.base_url or settings.base_urls.get(profile.id)
    values = scrapy_settings(profile, settings, args.batch_id, args.out, not args.no_index)
    process = CrawlerProcess(values, install_root_handler=True)
    crawler = process.create_crawler(ProfileSpider)
    process.crawl(
        crawler,
        profile=profile,
        batch_id=args.batch_id,
        base_url=base_url,
        start_urls=args.extra_url,
        only_extra=args.only_extra,
    )
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return outcome(stats)


def outcome(stats: dict[str, Any]) -> int:
    """The exit status, and one last line saying why when it is not 0: a crawl that
    could use no page at all, or that lost Elasticsearch, did not do its job."""
    ours = stats.get("lantern")
    if ours is None:
        return _last_line("the output pipeline never closed (see the log above)")
    if ours.get("output_failure"):
        return _last_line(f"cannot write the output ({ours['output_failure']}); crawl stopped")
    if ours.get("store_failure"):
        unsent = ours.get("unsent", 0)
        return _last_line(
            f"{ours['store_failure']}. {ours['indexed']} of {ours['documents']} documents "
            f"indexed; the other {unsent} are in {ours.get('unsent_file')} "
            "(load them with `lantern index FILE --kind raw`, or re-run the crawl)"
        )
    if stats.get("finish_reason") not in ("finished", None):
        return _last_line(f"finished abnormally ({stats.get('finish_reason')})")
    if ours["documents"] == 0:
        return _last_line(
            f"no page could be used: 0 documents, {ours['dead_letters']} refused or failed "
            "requests (their reasons are in the dead letters)"
        )
    return 0


def _last_line(message: str) -> int:
    print(one_line(f"crawl: {message}"), file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
