"""Crawling the demo boards into the real Elasticsearch, politely and with evidence."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import urllib.request
from datetime import timedelta
from typing import Any

import imagehash
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from leads.models import RawDocument
from leads.settings import Settings
from leads.store import count, scan
from tests.conftest import CrawlResult, Demo, run_crawl


def _docs(es: Any, settings: Settings, source: str) -> list[RawDocument]:
    query = {"term": {"provenance.source_id": source}}
    return [RawDocument.model_validate(d) for d in scan(es, settings, "raw", query)]


def test_crawl_indexes_every_ad_exactly_once(
    classifieds_crawl: CrawlResult, demo: Demo, es: Any, settings: Settings
) -> None:
    expected = len(demo.boards.boards["classifieds"])
    assert classifieds_crawl.count_after_first == expected
    urls = [d.provenance.url for d in _docs(es, settings, "demo-classifieds")]
    assert len(urls) == len(set(urls)) == expected
    assert {u.rsplit("/", 1)[1] for u in urls} == {
        str(a.id) for a in demo.boards.boards["classifieds"]
    }


def test_second_crawl_leaves_counts_unchanged(classifieds_crawl: CrawlResult) -> None:
    assert classifieds_crawl.count_after_second == classifieds_crawl.count_after_first


def test_robots_disallowed_pages_are_never_fetched(
    classifieds_crawl: CrawlResult, demo: Demo, es: Any, settings: Settings
) -> None:
    assert classifieds_crawl.robots_fetches == 2  # once per crawl
    assert demo.hits("/private/staff-notes") == 0
    letters = list(scan(es, settings, "deadletters", {"term": {"stage": "crawl"}}))
    assert any("staff-notes" in d["record_id"] and "robots.txt" in d["reason"] for d in letters)


def test_documents_carry_full_provenance(
    classifieds_crawl: CrawlResult, es: Any, settings: Settings
) -> None:
    for doc in _docs(es, settings, "demo-classifieds"):
        p = doc.provenance
        assert p.batch_id == "test-batch-2"  # the re-crawl converged onto the same ids
        assert p.fetched_at.utcoffset() == timedelta(0)
        assert p.crawler_version.startswith("lantern-crawler/")
        assert p.url == p.final_url and p.http_status == 200
        assert p.warc is not None


def test_every_photo_an_ad_shows_is_fingerprinted_on_its_document(
    classifieds_crawl: CrawlResult, demo: Demo, es: Any, settings: Settings
) -> None:
    docs = {d.provenance.url.rsplit("/", 1)[1]: d for d in _docs(es, settings, "demo-classifieds")}
    shown = {a.id: a.photo for a in demo.boards.boards["classifieds"]}
    assert 0 < sum(1 for photo in shown.values() if photo) < len(shown)
    for ad_id, photo in shown.items():
        doc = docs[str(ad_id)]
        if photo is None:
            assert doc.images == []
            continue
        (ref,) = doc.images
        assert ref.url == demo.base_url + photo
        with urllib.request.urlopen(ref.url, timeout=10) as response:
            body = response.read()
        picture = Image.open(io.BytesIO(body))
        assert ref.sha256 == hashlib.sha256(body).hexdigest()
        assert ref.phash == str(imagehash.phash(picture))  # the reference implementation
        assert (ref.width, ref.height) == picture.size


def test_warc_payload_digests_match_recorded_sha256(
    classifieds_crawl: CrawlResult, es: Any, settings: Settings
) -> None:
    docs = _docs(es, settings, "demo-classifieds")
    by_record = {d.provenance.warc.record_id: d for d in docs if d.provenance.warc}
    checked = 0
    for warc_file in {d.provenance.warc.file for d in docs if d.provenance.warc}:
        with open(warc_file, "rb") as fh:
            for record in ArchiveIterator(fh):
                rid = record.rec_headers.get_header("WARC-Record-ID")
                if rid not in by_record:
                    continue
                body = record.content_stream().read()
                algo, value = record.rec_headers.get_header("WARC-Payload-Digest").split(":", 1)
                assert algo == "sha256"
                digest = base64.b32decode(value).hex()
                assert digest == hashlib.sha256(body).hexdigest()
                assert digest == by_record[rid].provenance.sha256
                checked += 1
    assert checked == len(docs)


def test_javascript_only_page_text_is_captured(
    jobs_crawl: Any, demo: Demo, es: Any, settings: Settings
) -> None:
    docs = _docs(es, settings, "demo-jobs")
    assert len(docs) == len(demo.boards.boards["jobs"])
    by_id = {d.provenance.url.rsplit("/", 1)[1]: d for d in docs}
    for ad in demo.boards.boards["jobs"][:10]:
        doc = by_id[str(ad.id)]
        assert doc.provenance.rendered
        assert ad.body in doc.text  # the body exists only after the page's script ran


def test_redirect_to_private_address_is_refused_and_logged(
    es: Any, settings: Settings, demo: Demo
) -> None:
    result = run_crawl(
        "demo-classifieds",
        "test-traps",
        demo,
        "--extra-url",
        f"{demo.base_url}/traps/redirect-private",
        "--only-extra",
        "--no-index",
        "--out",
        "-",
    )
    # Every request refused: nothing could be used, so the crawl says so and fails.
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        "crawl: no page could be used: 0 documents, 1 refused or failed requests "
        "(their reasons are in the dead letters)"
    )
    assert "ssrf-guard: refused http://127.0.0.2:" in result.stderr
    assert "redirected from" in result.stderr
    assert "/traps/redirect-private" not in result.stdout  # no document came of it
    # With --no-index the dead letter is kept in a file, not only printed.
    kept = settings.data_dir / "deadletters" / "test-traps.jsonl"
    (letter,) = [json.loads(line) for line in kept.read_text().splitlines()]
    assert letter["record_id"] == f"{demo.base_url}/traps/redirect-private"
    assert "ssrf-guard: refused http://127.0.0.2:" in letter["reason"]


def test_oversized_page_and_bad_encoding_are_recorded_not_fatal(
    es: Any, settings: Settings, demo: Demo
) -> None:
    result = run_crawl(
        "demo-classifieds",
        "test-bad-pages",
        demo,
        "--extra-url",
        f"{demo.base_url}/traps/big",
        "--extra-url",
        f"{demo.base_url}/traps/bad-encoding",
        "--only-extra",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    query = {"term": {"provenance.batch_id": "test-bad-pages"}}
    docs = [RawDocument.model_validate(d) for d in scan(es, settings, "raw", query)]
    assert len(docs) == 1
    broken = next(d for d in docs if d.provenance.url.endswith("/traps/bad-encoding"))
    assert "Café" not in broken.text and "555-0177" in broken.text
    assert broken.notes and "invalid" in broken.notes[0]
    letters = list(scan(es, settings, "deadletters", {"term": {"batch_id": "test-bad-pages"}}))
    big = [d for d in letters if d["record_id"].endswith("/traps/big")]
    assert big and "size" in big[0]["reason"].lower()
    assert count(es, settings, "raw", query) == len(docs)
