"""The social client's connections: to the address that was checked, within a deadline.

- **The checked address is the connected address.** The transport resolves each host
  once, judges every answer with :func:`crawlers.netguard.is_forbidden_ip` (unless the
  ``host:port`` is allow-listed) and connects to that very IP. TLS still verifies the
  host name. A name that re-resolves to a private address (DNS rebinding) never gets a
  second lookup to exploit.
- **A request is bounded as a whole.** A server that sends one byte every few seconds
  resets a per-read timeout forever; here every connect, read and write gets only what
  is left of the request's deadline (:meth:`GuardedBackend.deadline`), and the request
  fails with a timeout when it is spent.

httpx takes no network backend of its own, so :class:`GuardedTransport` builds the
connection pool httpx would, with this backend.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from crawlers.netguard import ForbiddenAddress, Resolver, check_host, resolve


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, allowed: Iterable[str], resolver: Resolver = resolve) -> None:
        self.allowed = {a.lower() for a in allowed}
        self.resolver = resolver
        self._inner = httpcore.SyncBackend()
        self._local = threading.local()

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Every network step inside shares ``seconds`` in all."""
        self._local.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.deadline = None

    def remaining(self, timeout: float | None) -> float | None:
        """What a network step may take: ``timeout``, cut to what is left of the
        deadline; raises once it has passed."""
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the request's overall deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        target = host.strip("[]").lower()
        if f"{target}:{port}" in self.allowed:
            addresses = self.resolver(target, port)
        else:
            try:
                addresses = check_host(target, port, self.resolver)
            except ForbiddenAddress as exc:
                raise httpcore.ConnectError(str(exc)) from None
        if not addresses:
            raise httpcore.ConnectError(f"{host}: no address")
        failure: Exception | None = None
        for address in addresses:  # each one checked above; the first that answers
            try:
                stream = self._inner.connect_tcp(
                    address, port, self.remaining(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self)
        raise httpcore.ConnectError(f"{host}:{port}: no address answered ({failure})")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the collectors")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: GuardedBackend) -> None:
        self.inner = inner
        self.backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self.inner.read(max_bytes, self.backend.remaining(timeout))
        except httpcore.ReadTimeout:
            self.backend.remaining(None)  # says so when it was the overall deadline
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend.remaining(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wrapped = self.inner.start_tls(
            ssl_context, server_hostname, self.backend.remaining(timeout)
        )
        return _DeadlineStream(wrapped, self.backend)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over :class:`GuardedBackend` (no proxies: collectors use none)."""

    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(trust_env=False)
        # The pool HTTPTransport builds, with our backend (its constructor takes none).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=backend,
        )
