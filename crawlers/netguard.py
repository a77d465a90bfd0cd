"""Which addresses a crawler may fetch: never private, loopback, link-local or reserved
ones (SSRF), unless ``host:port`` is on the operator's explicit allow-list.

IPv6 forms that carry an IPv4 address inside (IPv4-mapped ``::ffff:a.b.c.d``,
IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by
the IPv4 address they reach. The check must hold for the address actually connected to:
the crawler's DNS resolver (:mod:`crawlers.resolver`), the social client's transport
(:mod:`crawlers.social.transport`) and the Jetstream consumer apply
:func:`is_forbidden_ip` to the very answer they connect with, so a name that re-resolves
to a private address (DNS rebinding) is refused. Chromium, for rendered pages, resolves
names itself: :mod:`crawlers.browser_guard` checks each request's URL, but an answer
that changes between that check and Chromium's own lookup is not caught there.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class ForbiddenAddress(ValueError):
    pass


def resolve(host: str, port: int) -> list[str]:
    """Every address of ``host``, in the resolver's order of preference."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, for the forms that carry one."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_forbidden_ip(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo:  # tunnels to an address we cannot judge from here
            return True
        inner = embedded_ipv4(ip)
        if inner is not None:
            ip = inner
    return not ip.is_global or ip.is_multicast


def allowed_hosts(allowed: Iterable[str]) -> set[str]:
    """The host names of the ``host:port`` allow-list (for checks that see no port)."""
    return {a.lower().rsplit(":", 1)[0].strip("[]") for a in allowed}


def check_url(url: str, allowed: Iterable[str], resolver: Resolver = resolve) -> None:
    """Raises :class:`ForbiddenAddress` for a URL Lantern must not fetch."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ForbiddenAddress(f"refused {url}: scheme {parts.scheme!r} is not http(s)")
    host = (parts.hostname or "").lower()
    if not host:
        raise ForbiddenAddress(f"refused {url}: no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ForbiddenAddress(f"refused {url}: bad port") from None
    if f"{host}:{port}" in {a.lower() for a in allowed}:
        return
    check_host(host, port, resolver, url)


def check_host(host: str, port: int, resolver: Resolver = resolve, what: str = "") -> list[str]:
    """The addresses ``host`` resolves to, all public, or :class:`ForbiddenAddress`."""
    what = what or f"{host}:{port}"
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise ForbiddenAddress(f"refused {what}: cannot resolve {host} ({exc})") from None
    if not addresses:
        raise ForbiddenAddress(f"refused {what}: {host} resolves to no address")
    bad = [a for a in addresses if is_forbidden_ip(a)]
    if bad:
        raise ForbiddenAddress(
            f"refused {what}: {host} resolves to non-public address {bad[0]} "
            f"and {host}:{port} is not in LANTERN_ALLOWED_PRIVATE_HOSTS"
        )
    return addresses
