"""Posts from any platform, made into raw documents with the provenance crawled pages
carry, and platform HTML made into plain text safely.

A post's document id comes from its normalized text, so the same content seen twice
(a repost, a cross-post to another platform) is one document with two sightings.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.html
from lxml import etree

from crawlers import CRAWLER_VERSION
from leads.ids import stable_id
from leads.limits import MAX_TEXT_CHARS
from leads.models import Provenance, RawDocument, Sighting, WarcRef
from leads.text import clean_json, may_hold_surrogates

# A post longer than the text cap is an error or an attack, not an ad: recorded, not stored.
MAX_POST_CHARS = MAX_TEXT_CHARS
# Elements whose content is never text a person reads in the post.
_DROP = ("script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "head")
_BLOCKS = {"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}


class PostError(ValueError):
    """One post that cannot be used (malformed, missing fields, too large)."""


@dataclass
class Post:
    """One post as a collector saw it, before it becomes a document."""

    platform: str
    post_id: str
    url: str  # the post's own page
    text: str
    author: str | None
    posted_at: str | None
    raw: bytes  # the item as received (hashed for provenance)
    page_url: str  # the API or preview page it came in
    fetched_at: datetime
    http_status: int = 200
    content_type: str | None = None
    warc: WarcRef | None = None
    fields: dict[str, str] = field(default_factory=dict)


def load_json(body: str | bytes) -> Any:
    """A platform's JSON answer, with lone surrogates (``"\\ud800"``, legal in JSON but
    not in any text we can store) replaced by U+FFFD: the edge where posts come in.
    Raises ValueError (and RecursionError as ValueError) like ``json.loads``."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if may_hold_surrogates(body):
        data, _ = clean_json(data)
    return data


def html_to_text(fragment: str) -> str:
    """Visible text of untrusted post HTML: parsed (never rendered, so no script runs
    and nothing embedded is fetched), scripts and styles dropped, line breaks kept."""
    if len(fragment) > MAX_POST_CHARS * 2:
        raise PostError(
            f"post HTML is {len(fragment):,} characters, over the {MAX_POST_CHARS * 2:,} limit"
        )
    if not fragment.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError) as exc:
        raise PostError(f"post HTML cannot be parsed ({exc})") from None
    for element in list(root.iter(*_DROP)):
        element.drop_tree()
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    text = root.text_content()
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line).strip()


def content_key(text: str) -> str:
    """What makes two posts "the same content": case, width and spacing ignored."""
    normalized = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", normalized).strip()


def post_document(post: Post, source_id: str, batch_id: str) -> RawDocument:
    if not post.text.strip():
        raise PostError(f"{post.url}: post has no text")
    if len(post.text) > MAX_POST_CHARS:
        raise PostError(
            f"{post.url}: post text is {len(post.text):,} characters, over {MAX_POST_CHARS:,}"
        )
    sighting = Sighting(
        source_id=source_id,
        url=post.url,
        fetched_at=post.fetched_at,
        batch_id=batch_id,
        author=post.author,
        posted_at=post.posted_at,
    )
    return RawDocument(
        id=stable_id("post", content_key(post.text)),
        title=None,
        text=post.text,
        posted_at=post.posted_at,
        fields={"platform": post.platform, "post_id": post.post_id, **post.fields},
        provenance=Provenance(
            source_id=source_id,
            url=post.url,
            final_url=post.page_url,
            fetched_at=post.fetched_at,
            sha256=hashlib.sha256(post.raw).hexdigest(),
            batch_id=batch_id,
            crawler_version=CRAWLER_VERSION,
            http_status=post.http_status,
            content_type=post.content_type,
            warc=post.warc,
        ),
        sightings=[sighting],
    )


def merge_sightings(kept: RawDocument, other: RawDocument) -> bool:
    """Adds ``other``'s sightings to ``kept`` (first provenance stays); True if any new."""
    seen = {(s.source_id, s.url) for s in kept.sightings}
    new = [s for s in other.sightings if (s.source_id, s.url) not in seen]
    kept.sightings.extend(new)
    return bool(new)
