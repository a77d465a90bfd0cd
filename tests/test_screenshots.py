"""Screenshots of rendered pages: saved as evidence beside the WARC, hashed, referenced."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from scrapy_playwright.page import PageMethod

from crawlers.middlewares.evidence import PNG_MAGIC
from crawlers.profiles import SiteProfile, load_profile, resolve_profile
from crawlers.spiders.profile_spider import ProfileSpider
from leads.models import RawDocument
from leads.settings import Settings
from tests.conftest import Demo, run_crawl

JOB_PAGES = 3


def _read_docs(path: Path) -> list[RawDocument]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [RawDocument.model_validate_json(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def jobs_docs(
    test_env: dict[str, str], demo: Demo, tmp_path_factory: pytest.TempPathFactory
) -> list[RawDocument]:
    """The real listing -> detail flow through Chromium, kept fast by a page budget: a copy
    of the demo-jobs profile with a small max_pages."""
    tmp = tmp_path_factory.mktemp("shots")
    data = yaml.safe_load(resolve_profile("demo-jobs").read_text(encoding="utf-8"))
    data["max_pages"] = JOB_PAGES
    profile = tmp / "demo-jobs.yaml"
    profile.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp / "jobs.jsonl"
    result = run_crawl(str(profile), "test-shots-jobs", demo, "--no-index", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return _read_docs(out)


def test_every_rendered_document_references_its_screenshot(
    jobs_docs: list[RawDocument], settings: Settings
) -> None:
    assert len(jobs_docs) == JOB_PAGES
    evidence = settings.evidence_path / "test-shots-jobs"
    for doc in jobs_docs:
        shot = doc.provenance.screenshot
        assert doc.provenance.rendered and shot is not None, doc.notes
        assert shot.path == f"screenshots/{shot.sha256}.png"
        png = (evidence / shot.path).read_bytes()
        assert png.startswith(PNG_MAGIC)
        assert hashlib.sha256(png).hexdigest() == shot.sha256
        assert len(png) == shot.bytes
        assert not any("screenshot" in note for note in doc.notes)
        with Image.open(io.BytesIO(png)) as image:  # a whole, decodable picture
            image.verify()
    # Stored beside the WARC records, with no temporary files left behind.
    assert list(evidence.glob("*.warc.gz"))
    assert not list((evidence / "screenshots").glob(".*"))


def test_non_rendered_profile_gets_no_screenshot(
    test_env: dict[str, str], demo: Demo, settings: Settings, tmp_path: Path
) -> None:
    ad = demo.boards.boards["classifieds"][0]
    out = tmp_path / "classifieds.jsonl"
    result = run_crawl(
        "demo-classifieds",
        "test-shots-classifieds",
        demo,
        "--extra-url",
        f"{demo.base_url}/classifieds/ad/{ad.id}",
        "--only-extra",
        "--no-index",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    docs = _read_docs(out)
    assert len(docs) == 1
    assert not docs[0].provenance.rendered
    assert docs[0].provenance.screenshot is None
    assert not (settings.evidence_path / "test-shots-classifieds" / "screenshots").exists()


# The spider's handling of what the browser hands back, without a browser.

_JOB_HTML = b"<html><body><h1 class='title'>Cook</h1><div class='body'>Nights</div></body></html>"
_URL = "http://127.0.0.1:1/jobs/job/1"


def _spider(tmp_path: Path, profile: SiteProfile | None = None, **settings: Any) -> ProfileSpider:
    crawler = get_crawler(ProfileSpider, {"LANTERN_EVIDENCE_DIR": str(tmp_path), **settings})
    profile = profile or load_profile(resolve_profile("demo-jobs"))
    return ProfileSpider.from_crawler(crawler, profile=profile, batch_id="unit")


def _parse(spider: ProfileSpider, result: Any) -> RawDocument:
    request = spider._request(_URL, spider.parse_detail)
    request.meta["playwright_page_methods"]["screenshot"].result = result
    response = HtmlResponse(_URL, body=_JOB_HTML, encoding="utf-8", request=request)
    (doc,) = list(spider.parse_detail(response))
    assert isinstance(doc, RawDocument)
    return doc


def test_detail_requests_ask_for_a_full_page_png(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    listing = next(iter(spider.start_requests()))
    assert "playwright_page_methods" not in listing.meta  # listings are not evidence
    method = spider._request(_URL, spider.parse_detail).meta["playwright_page_methods"]
    assert isinstance(method["screenshot"], PageMethod)
    assert method["screenshot"].kwargs == {"full_page": True, "type": "png"}
    profile = load_profile(resolve_profile("demo-jobs")).model_copy(update={"screenshot": False})
    off = _spider(tmp_path, profile)
    request = off._request(_URL, off.parse_detail)
    assert request.meta["playwright"] and "playwright_page_methods" not in request.meta


def test_saved_screenshot_is_content_addressed(tmp_path: Path) -> None:
    png = PNG_MAGIC + b"pixels"
    doc = _parse(_spider(tmp_path), png)
    sha = hashlib.sha256(png).hexdigest()
    assert doc.provenance.screenshot is not None
    assert doc.provenance.screenshot.model_dump() == {
        "path": f"screenshots/{sha}.png",
        "sha256": sha,
        "bytes": len(png),
    }
    assert (tmp_path / "screenshots" / f"{sha}.png").read_bytes() == png
    assert [p.name for p in (tmp_path / "screenshots").iterdir()] == [f"{sha}.png"]


@pytest.mark.parametrize(
    ("result", "settings", "note"),
    [
        (None, {}, "screenshot missing"),
        ("TimeoutError: Timeout 30000ms exceeded.", {}, "screenshot failed: TimeoutError"),
        (b"GIF89a", {}, "not a PNG"),
        (PNG_MAGIC + b"x" * 100, {"LANTERN_SCREENSHOT_MAXSIZE": 50}, "over the 50-byte cap"),
    ],
)
def test_document_is_kept_with_a_note_when_there_is_no_screenshot(
    tmp_path: Path, result: Any, settings: dict[str, Any], note: str
) -> None:
    doc = _parse(_spider(tmp_path, **settings), result)
    assert doc.text and doc.provenance.screenshot is None
    assert any(note in n for n in doc.notes), doc.notes
    assert not (tmp_path / "screenshots").exists()


def test_a_browser_error_becomes_a_reason_not_a_lost_page() -> None:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    from crawlers.spiders.profile_spider import _screenshot

    class Page:
        async def screenshot(self, **kwargs: Any) -> bytes:
            raise PlaywrightTimeout("Timeout 30000ms exceeded.")

    assert asyncio.run(_screenshot(Page(), full_page=True)) == (
        "TimeoutError: Timeout 30000ms exceeded."
    )
