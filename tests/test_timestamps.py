"""RFC 3161 timestamps from a real local TSA (openssl ts) with a test CA made here."""

from __future__ import annotations

from leads.timestamps import check_timestamp, load_certificates, request_timestamp
from tests.tsa import local_tsa


def test_a_token_verifies_for_its_bytes_and_root_only() -> None:
    with local_tsa() as tsa:
        manifest = b'{"files": {"report.pdf": "abc"}}\n'
        token = request_timestamp(tsa.url, manifest)
        roots = load_certificates(tsa.root)
        assert check_timestamp(token, manifest, roots) is None
        other_bytes = check_timestamp(token, manifest + b" ", roots)
        assert other_bytes is not None and "verify" in other_bytes
        assert check_timestamp(token, manifest, load_certificates(tsa.other_root)) is not None
        assert check_timestamp(b"not a token", manifest, roots) is not None
