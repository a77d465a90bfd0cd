"""The generic spider: follows a profile's listing pages and parses its detail pages.

Yields :class:`RawDocument` items with full provenance, and :class:`DeadLetter` items
for pages that could not be fetched or parsed, so a skip is always on record.
Rendered detail pages are also screenshotted; the PNG is kept as evidence beside the
WARC record and referenced from ``provenance.screenshot``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawlers import CRAWLER_VERSION
from crawlers.middlewares.evidence import PNG_MAGIC, save_screenshot
from crawlers.profiles import SiteProfile
from crawlers.settings import SCREENSHOT_MAXSIZE, URL_LENGTH_LIMIT
from leads.deadletters import dead_letter
from leads.ids import document_id
from leads.models import (
    DeadLetter,
    ImageRef,
    Provenance,
    RawDocument,
    ScreenshotRef,
    WarcRef,
)
from leads.text import one_line


class ProfileSpider(scrapy.Spider):
    name = "profile"

    def __init__(
        self,
        profile: SiteProfile,
        batch_id: str,
        base_url: str | None = None,
        start_urls: list[str] | None = None,
        only_extra: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.profile = profile
        self.batch_id = batch_id
        self.base_url = base_url
        self.extra_start_urls = start_urls or []
        self.only_extra = only_extra
        self.pages = 0

    def _request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        if self.profile.render:
            meta["playwright"] = True
            if self.profile.screenshot and callback == self.parse_detail:
                # A fresh PageMethod per request: scrapy-playwright stores the result on it.
                meta["playwright_page_methods"] = {
                    "screenshot": PageMethod(_screenshot, full_page=True, type="png")
                }
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta)

    async def start(self) -> Any:  # Scrapy ≥ 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for url in [] if self.only_extra else self.profile.start_urls(self.base_url):
            yield self._request(url, self.parse_listing)
        for url in self.extra_start_urls:
            yield self._request(url, self.parse_detail)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield self._skip(response.url, f"listing is not text ({_ctype(response)})")
            return
        for href in response.css(self.profile.listing.item_links).getall():
            if self._budget():
                yield self._follow(response.urljoin(href), self.parse_detail)
        if self.profile.listing.next_page:
            nxt = response.css(self.profile.listing.next_page).get()
            if nxt and self._budget():
                yield self._follow(response.urljoin(nxt), self.parse_listing)

    def _follow(self, url: str, callback: Any) -> scrapy.Request | DeadLetter:
        """A request for a link, or a dead letter for one too long to follow (Scrapy
        would drop it with only a log line)."""
        limit = self.settings.getint("URLLENGTH_LIMIT", URL_LENGTH_LIMIT)
        if len(url) > limit:
            return self._skip(
                url[:500], f"link is {len(url):,} characters, over the {limit}-character URL limit"
            )
        return self._request(url, callback)

    def _budget(self) -> bool:
        self.pages += 1
        return self.pages <= self.profile.max_pages

    def parse_detail(self, response: Response) -> Iterator[Any]:
        url = (
            response.request.meta.get("redirect_urls", [response.url])[0]
            if response.request
            else response.url
        )
        if not isinstance(response, TextResponse):
            yield self._skip(url, f"not a text page ({_ctype(response)})")
            return
        notes: list[str] = []
        try:
            response.body.decode(response.encoding)
        except (UnicodeDecodeError, LookupError):
            notes.append(f"invalid {response.encoding} bytes replaced while decoding")
        fields = {}
        for name, selector in self.profile.detail.fields.items():
            value = " ".join(t.strip() for t in response.css(selector).getall() if t.strip())
            if value:
                fields[name] = value
        text = "\n".join(fields[f] for f in self.profile.detail.text_fields if f in fields)
        if not text.strip():
            yield self._skip(url, "no text at the profile's detail selectors")
            return
        warc = response.meta.get("warc")
        rendered = bool(response.meta.get("playwright"))
        screenshot = None
        if rendered and self.profile.screenshot:
            screenshot, problem = self._save_screenshot(response)
            if problem:
                self.logger.warning("%s (%s)", problem, url)
                notes.append(problem)
        doc = RawDocument(
            id=document_id(self.profile.id, url),
            title=fields.get("title"),
            text=text,
            posted_at=fields.get("posted_at"),
            location=fields.get("location"),
            fields=fields,
            notes=notes,
            provenance=Provenance(
                source_id=self.profile.id,
                url=url,
                final_url=response.url,
                fetched_at=datetime.now(UTC),
                sha256=hashlib.sha256(response.body).hexdigest(),
                batch_id=self.batch_id,
                crawler_version=CRAWLER_VERSION,
                http_status=response.status,
                content_type=_ctype(response),
                rendered=rendered,
                warc=WarcRef(**warc) if warc else None,
                screenshot=screenshot,
            ),
        )
        image_css = self.profile.detail.images
        urls = response.css(image_css).getall() if image_css else []
        urls = [response.urljoin(u) for u in urls][: self.profile.detail.max_images]
        # A picture that cannot be requested (an inline data: URL, a URL over the length
        # limit Scrapy drops silently) is a note on the ad, never the loss of the ad.
        limit = self.settings.getint("URLLENGTH_LIMIT", URL_LENGTH_LIMIT)
        skipped = [u for u in urls if len(u) > limit or not u.startswith(("http:", "https:"))]
        if skipped:
            doc.notes.extend(
                f"image not fetched: {u[:80]}… ({len(u):,} characters, not an http(s) URL "
                f"under {limit})"
                for u in skipped
            )
            urls = [u for u in urls if u not in skipped]
        if urls:
            yield self._image_request(doc, urls)
        else:
            yield doc

    def _save_screenshot(self, response: Response) -> tuple[ScreenshotRef | None, str | None]:
        """The page's screenshot saved as evidence, or why there is none (for the notes)."""
        methods = response.meta.get("playwright_page_methods")
        method = methods.get("screenshot") if isinstance(methods, dict) else None
        png = method.result if isinstance(method, PageMethod) else None
        if png is None:
            return None, "screenshot missing: the browser returned none"
        if isinstance(png, str):
            return None, f"screenshot failed: {png}"
        if not isinstance(png, bytes) or not png.startswith(PNG_MAGIC):
            return None, "screenshot not saved: not a PNG"
        cap = self.settings.getint("LANTERN_SCREENSHOT_MAXSIZE", SCREENSHOT_MAXSIZE)
        if len(png) > cap:
            return None, f"screenshot not saved: {len(png)} bytes, over the {cap}-byte cap"
        try:
            return save_screenshot(Path(self.settings["LANTERN_EVIDENCE_DIR"]), png), None
        except OSError as exc:
            return None, f"screenshot not saved: {exc}"

    def _image_request(self, doc: RawDocument, pending: list[str]) -> scrapy.Request:
        """Pictures are fetched one after another, then the document is emitted once."""
        return scrapy.Request(
            pending[0],
            callback=self.parse_image,
            errback=self.image_failed,
            cb_kwargs={"doc": doc, "pending": pending},
            # The same photo may appear in many ads; each ad must get its fingerprint.
            dont_filter=True,
            meta={"playwright": False},
        )

    def parse_image(
        self, response: Response, doc: RawDocument, pending: list[str]
    ) -> Iterator[Any]:
        # Imported with the first picture: a crawl of a board without any (or a
        # rendered one) never loads NumPy and Pillow.
        from crawlers.images import ImageError, fingerprint

        try:
            sha256, phash, width, height = fingerprint(response.body)
        except ImageError as exc:
            doc = doc.model_copy(update={"notes": [*doc.notes, f"image {pending[0]}: {exc}"]})
        else:
            ref = ImageRef(url=pending[0], sha256=sha256, phash=phash, width=width, height=height)
            doc = doc.model_copy(update={"images": [*doc.images, ref]})
        yield from self._next_image(doc, pending[1:])

    def image_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        doc, pending = kwargs["doc"], kwargs["pending"]
        reason = f"image {pending[0]} not fetched: {failure.getErrorMessage()}"
        self.logger.warning("%s (%s)", reason, doc.provenance.url)
        doc = doc.model_copy(update={"notes": [*doc.notes, reason]})
        yield from self._next_image(doc, pending[1:])

    def _next_image(self, doc: RawDocument, pending: list[str]) -> Iterator[Any]:
        if pending:
            yield self._image_request(doc, pending)
        else:
            yield doc

    def on_error(self, failure: Failure) -> Iterator[DeadLetter]:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        origin = (request.meta.get("redirect_urls") or [url])[0] if request is not None else url
        kind = failure.type.__name__ if failure.type else "Error"
        yield self._skip(origin, f"{kind}: {failure.getErrorMessage()}")

    def _skip(self, url: str, reason: str) -> DeadLetter:
        self.logger.warning("skipped %s: %s", one_line(url, 500), one_line(reason, 500))
        return dead_letter("crawl", url, reason, self.batch_id)


async def _screenshot(page: Any, **kwargs: Any) -> bytes | str:
    """``page.screenshot`` that reports a failure instead of raising: raised, it would fail
    the whole download and the page's text would be lost with the picture."""
    from playwright.async_api import Error as PlaywrightError

    try:
        png: bytes = await page.screenshot(**kwargs)
    except PlaywrightError as exc:  # TimeoutError is a subclass
        return f"{type(exc).__name__}: {exc.message}"
    return png


def _ctype(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
