"""Scrapy settings for one crawl, built from Lantern's settings and the site profile.

Politeness is on by default: robots.txt obeyed, per-host concurrency and delay,
AutoThrottle, an identified User-Agent, size limits and timeouts.
"""

from __future__ import annotations

from typing import Any

from crawlers.profiles import SiteProfile
from leads.settings import Settings

CHROMIUM_ARGS = [
    # Root in a container has no user namespace sandbox; the page content is untrusted
    # but Chromium's renderer still runs without network access beyond what we route.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SSRF_GUARD_PRIORITY = 40
EVIDENCE_PRIORITY = 585
# Links longer than this are not followed; each one skipped is a dead letter.
URL_LENGTH_LIMIT = 2083

# Full-page screenshots of endless pages can grow huge; evidence beyond this is skipped
# (with a note on the document) rather than filling the disk.
SCREENSHOT_MAXSIZE = 20 * 1024 * 1024


def scrapy_settings(
    profile: SiteProfile, settings: Settings, batch_id: str, out: str | None, index: bool
) -> dict[str, Any]:
    polite = profile.politeness
    values: dict[str, Any] = {
        "BOT_NAME": "lantern",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "LanternBot",
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency_per_host,
        # One item at a time per response: a page yields one document, and the default
        # (100) makes every callback start a hundred asyncio tasks for nothing.
        "CONCURRENT_ITEMS": 1,
        "DOWNLOAD_DELAY": polite.download_delay,
        "AUTOTHROTTLE_ENABLED": polite.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(polite.download_delay, 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_MAXSIZE": settings.download_maxsize,
        "DOWNLOAD_WARNSIZE": settings.download_maxsize // 2,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,  # no sessions, no logins
        # No console into a process that reads hostile pages: neither Scrapy's telnet
        # console nor its HTTP remote control (on by default in recent Scrapy), which runs
        # the Python code it is sent.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
        # Scrapy's check for generator callbacks that return a value re-reads and parses
        # the callback's source for every response (its cache holds bound methods weakly,
        # and each request's dies with it). tests/test_guards_and_profiles.py checks our
        # callbacks once instead.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # Numbers of their own (Scrapy's built-ins sit at 50 Offsite, 100 RobotsTxt, …,
        # 580 MetaRefresh, 590 HttpCompression): ties would leave the order to chance.
        "DOWNLOADER_MIDDLEWARES": {
            # First on the way out, so every request and every redirect hop is checked.
            "crawlers.middlewares.ssrf_guard.SsrfGuardMiddleware": SSRF_GUARD_PRIORITY,
            # Under HttpCompression (590), over MetaRefresh (580): it sees the decoded
            # body of every response, before anything acts on it.
            "crawlers.middlewares.evidence.WarcEvidenceMiddleware": EVIDENCE_PRIORITY,
        },
        # The address a connection uses is checked too (DNS rebinding): crawlers.resolver.
        "TWISTED_DNS_RESOLVER": "crawlers.resolver.GuardedResolver",
        "URLLENGTH_LIMIT": URL_LENGTH_LIMIT,
        "ITEM_PIPELINES": {"crawlers.pipelines.OutputPipeline": 300},
        "LANTERN_ALLOWED_PRIVATE_HOSTS": settings.allowed_private_hosts,
        "LANTERN_EVIDENCE_DIR": str(settings.evidence_folder(batch_id)),
        "LANTERN_WARC_NAME": profile.id,
        "LANTERN_SCREENSHOT_MAXSIZE": SCREENSHOT_MAXSIZE,
        "LANTERN_BATCH_ID": batch_id,
        "LANTERN_OUT": out,
        "LANTERN_INDEX": index,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    if profile.render:
        values.update(
            {
                "DOWNLOAD_HANDLERS": {
                    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                },
                "PLAYWRIGHT_BROWSER_TYPE": "chromium",
                "PLAYWRIGHT_LAUNCH_OPTIONS": {
                    "executable_path": str(settings.chromium_path),
                    "headless": True,
                    "args": CHROMIUM_ARGS,
                },
                "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": polite.concurrency_per_host,
                "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settings.download_timeout * 1000,
                # Requests the page makes itself (scripts, images, XHR) pass the same guard.
                "PLAYWRIGHT_ABORT_REQUEST": "crawlers.browser_guard.abort_request",
            }
        )
    return values
