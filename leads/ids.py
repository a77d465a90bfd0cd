"""Deterministic ids: the same input always lands on the same ``_id``, so re-runs converge."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, fragment dropped: one page, one id."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def stable_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def document_id(source_id: str, url: str) -> str:
    return stable_id("doc", source_id, canonical_url(url))
