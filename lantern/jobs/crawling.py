"""Run one crawl the way every caller does: ``python -m crawlers.run`` in a subprocess
(Twisted's reactor runs once per process), with the profile's base-URL override from
the settings."""

from __future__ import annotations

import subprocess
import sys

from leads.settings import get_settings


class CrawlFailed(RuntimeError):
    pass


def crawl(profile_id: str, batch_id: str, *extra: str) -> None:
    """Raises :class:`CrawlFailed` when the crawl could use nothing (its exit status)."""
    cmd = [sys.executable, "-m", "crawlers.run", profile_id, "--batch-id", batch_id, *extra]
    base_url = get_settings().base_urls.get(profile_id)
    if base_url and "--base-url" not in extra:
        cmd += ["--base-url", base_url]
    result = subprocess.run(cmd, check=False)
    if result.returncode != 0:
        raise CrawlFailed(f"crawl of {profile_id} exited with {result.returncode}")
