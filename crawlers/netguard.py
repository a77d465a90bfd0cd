"""Which addresses a crawler may fetch: never private, loopback, link-local or reserved
ones (SSRF), unless ``host:port`` is on the operator's explicit allow-list."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


class ForbiddenAddress(ValueError):
    pass


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def is_forbidden_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_url(url: str, allowed: Iterable[str], resolver: Resolver = resolve) -> None:
    """Raises :class:`ForbiddenAddress` for a URL Lantern must not fetch."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ForbiddenAddress(f"refused {url}: scheme {parts.scheme!r} is not http(s)")
    host = (parts.hostname or "").lower()
    if not host:
        raise ForbiddenAddress(f"refused {url}: no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if f"{host}:{port}" in {a.lower() for a in allowed}:
        return
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise ForbiddenAddress(f"refused {url}: cannot resolve {host} ({exc})") from None
    bad = [a for a in addresses if is_forbidden_ip(a)]
    if bad:
        raise ForbiddenAddress(
            f"refused {url}: {host} resolves to non-public address {bad[0]} "
            f"and {host}:{port} is not in LANTERN_ALLOWED_PRIVATE_HOSTS"
        )
