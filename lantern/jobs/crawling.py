"""Run one crawl the way every caller does: ``python -m crawlers.run`` in a subprocess
(Twisted's reactor runs once per process); the profile's base-URL override comes from
the settings there."""

from __future__ import annotations

import os
import subprocess
import sys


class CrawlFailed(RuntimeError):
    pass


def crawl(profile: str, batch_id: str, *extra: str, env: dict[str, str] | None = None) -> int:
    """The crawl's exit status (non-zero: it could use nothing, see its last line).
    ``env`` is added to this process's environment for the crawl."""
    cmd = [sys.executable, "-m", "crawlers.run", profile, "--batch-id", batch_id, *extra]
    return subprocess.run(cmd, check=False, env={**os.environ, **(env or {})}).returncode


def crawl_or_fail(profile: str, batch_id: str, env: dict[str, str] | None = None) -> None:
    """A crawl for a scheduled task: a crawl that could use nothing fails the task."""
    status = crawl(profile, batch_id, env=env)
    if status != 0:
        raise CrawlFailed(f"crawl of {profile} exited with {status}")
