"""Writes every response to a WARC file and tells the spider where the record is.

The payload digest is SHA-256 (WARC 1.1 allows any algorithm) so the WARC record and
the document's ``provenance.sha256`` can be checked against each other. The body is
stored as Scrapy saw it (content decoding already undone), so encoding headers are
dropped from the stored headers.

Screenshots of rendered pages are saved in the same evidence folder, named by their
SHA-256, so the file name itself can be checked against the document's reference.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leads.models import ScreenshotRef

_DROP = {"content-encoding", "transfer-encoding", "content-length"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def payload_digest(body: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode()


class WarcFile:
    """One WARC file per run and process, appended to by the crawler's middleware and
    the social collectors alike (thread-safe)."""

    def __init__(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{name}-{os.getpid()}.warc.gz"
        self._file: BinaryIO = self.path.open("ab")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._lock = threading.Lock()

    def write(
        self, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes
    ) -> tuple[str, int]:
        """Writes one response record; returns its record id and offset."""
        kept = [(k, v) for k, v in headers if k.lower() not in _DROP]
        kept.append(("Content-Length", str(len(body))))
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),  # a known length keeps our SHA-256 payload digest
            http_headers=StatusAndHeaders(str(status), kept, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Payload-Digest": payload_digest(body)},
        )
        with self._lock:
            offset = self._file.tell()
            self._writer.write_record(record)
            self._file.flush()
        return str(record.rec_headers.get_header("WARC-Record-ID")), offset

    def close(self) -> None:
        self._file.close()


class WarcEvidenceMiddleware:
    def __init__(self, folder: Path, name: str) -> None:
        self.warc = WarcFile(folder, name)
        self.path = self.warc.path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcEvidenceMiddleware:
        folder = Path(crawler.settings["LANTERN_EVIDENCE_DIR"])
        name = crawler.settings["LANTERN_WARC_NAME"]
        mw = cls(folder, name)
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
        ]
        record_id, offset = self.warc.write(response.url, response.status, headers, response.body)
        request.meta["warc"] = {"file": str(self.path), "record_id": record_id, "offset": offset}
        return response

    def close(self) -> None:
        self.warc.close()


def save_screenshot(folder: Path, png: bytes) -> ScreenshotRef:
    """Stores a PNG under ``folder/screenshots/<sha256>.png`` and returns its reference.

    Content-addressed, so the same picture is stored once; written to a temporary file
    and renamed, so a crash never leaves a truncated file under a valid-looking name.
    """
    sha256 = hashlib.sha256(png).hexdigest()
    relative = f"screenshots/{sha256}.png"
    target = folder / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".png.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(png)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return ScreenshotRef(path=relative, sha256=sha256, bytes=len(png))
