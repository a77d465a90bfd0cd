"""RFC 3161 timestamps of package manifests, from the configured timestamp authority.

A token proves the manifest's bytes existed by the time the authority signed; verifying
it needs the authority's root certificate (``--tsa-ca``): a token is only as good as the
trust in its signer.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from cryptography import x509
from rfc3161_client import (
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)


class TimestampError(RuntimeError):
    """The authority could not be reached or did not grant a timestamp."""


def request_timestamp(url: str, data: bytes, timeout: float = 30.0) -> bytes:
    """The authority's DER timestamp response over ``data`` (SHA-256 imprint)."""
    query = TimestampRequestBuilder().data(data).build()
    try:
        reply = httpx.post(
            url,
            content=query.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise TimestampError(f"timestamp authority {url}: {exc}") from None
    if reply.status_code != 200:
        raise TimestampError(f"timestamp authority {url}: HTTP {reply.status_code}")
    try:
        response = decode_timestamp_response(reply.content)
    except ValueError as exc:
        raise TimestampError(
            f"timestamp authority {url}: not a timestamp response ({exc})"
        ) from None
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"timestamp authority {url}: status {response.status}")
    return reply.content


def load_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def check_timestamp(token: bytes, data: bytes, roots: list[x509.Certificate]) -> str | None:
    """None when ``token`` is a valid timestamp of ``data`` under ``roots``; else why not."""
    try:
        response = decode_timestamp_response(token)
    except ValueError as exc:
        return f"not a timestamp response ({exc})"
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, data)
    except VerificationError as exc:
        return f"does not verify ({exc})"
    except ValueError as exc:
        return f"cannot be checked ({exc})"
    return None
