"""Deterministic ids: the same input always lands on the same ``_id``, so re-runs converge.

Also the rules for ids that come from outside: a document id must fit Elasticsearch's
512-byte ``_id``; a batch id names folders, so it is a plain name (no ``/``, no ``..``).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from leads.limits import MAX_ID_BYTES

# Airflow run ids are made into this shape by dags/common.py; the CLI makes its own.
BATCH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, fragment dropped: one page, one id."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def stable_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:32]


def document_id(source_id: str, url: str) -> str:
    return stable_id("doc", source_id, canonical_url(url))


def check_record_id(value: str) -> str:
    """A record id Elasticsearch can store as ``_id``: not empty, at most 512 bytes."""
    if not value:
        raise ValueError("id is empty")
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_ID_BYTES:
        raise ValueError(f"id is {size:,} bytes; Elasticsearch takes at most {MAX_ID_BYTES}")
    return value


def check_batch_id(value: str) -> str:
    """A batch id: letters, digits and ``_ . + -``, at most 128, never ``..``: it names
    the batch's evidence folder, which must stay inside the evidence store."""
    if not BATCH_ID.fullmatch(value) or ".." in value:
        raise ValueError(
            f"batch id {value!r} must be 1-128 letters, digits or '_.+-', "
            "start with a letter or digit, and hold no '..'"
        )
    return value


def safe_name(value: str) -> str:
    """``value`` as one file or folder name: other characters become '-', never a path."""
    name = re.sub(r"[^A-Za-z0-9_.+-]", "-", value).strip(".")[:128]
    return name or "unnamed"
