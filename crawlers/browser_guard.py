"""The SSRF guard for requests a rendered page makes by itself (Playwright routes them
here): a page's script must not reach what the crawler itself may not."""

from __future__ import annotations

import logging
from typing import Any

from crawlers.netguard import ForbiddenAddress, check_url
from leads.settings import get_settings

logger = logging.getLogger(__name__)


def abort_request(request: Any) -> bool:
    if request.url.startswith(("data:", "blob:", "about:")):
        return False
    try:
        check_url(request.url, get_settings().allowed_private_hosts)
    except ForbiddenAddress as exc:
        logger.warning("ssrf-guard (browser): %s", exc)
        return True
    return False
