"""Real local servers that misbehave on purpose, for the hostile-input tests: a TCP proxy
to Elasticsearch that can be cut mid-run, an HTTP server that drips one byte at a time,
and a one-route JSON server for a platform answer written by an attacker."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to an upstream address byte for byte; once ``pattern``
    has gone out more than ``cut_after`` times (bulk requests, or the action lines of
    one index), it closes every connection and stops listening before forwarding more:
    to its clients, Elasticsearch has gone away mid-run."""

    def __init__(self, upstream: str, cut_after: int, pattern: bytes = b"/_bulk") -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 9200)
        self.cut_after = cut_after
        self.pattern = pattern
        self.seen = 0
        self.cut = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> CuttableProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.cut.set()
        with self._lock:
            for sock in [self._listener, *self._sockets]:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self) -> None:
        while not self.cut.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, outbound: bool) -> None:
        try:
            while not self.cut.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if outbound:
                    with self._lock:
                        self.seen += data.count(self.pattern)
                        over = self.seen > self.cut_after
                    if over:
                        self.close()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 running ``handler_class``; counts hits."""

    def __init__(self, handler: Callable[[BaseHTTPRequestHandler], None]) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(_Quiet):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                handler(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"

    def __enter__(self) -> LocalServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def drip(every: float, total: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that answers robots.txt at once, then sends one body byte every
    ``every`` seconds: each read succeeds, the whole answer takes ``every * total``."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        if request.path == "/robots.txt":
            request.send_response(404)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(total))
        request.end_headers()
        try:
            for _ in range(total):
                request.wfile.write(b" ")
                request.wfile.flush()
                time.sleep(every)
        except OSError:
            pass  # the client gave up, as it should

    return handler


def json_answer(routes: dict[str, bytes]) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler serving fixed JSON bodies by path prefix (404 for anything else)."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        body = next((b for prefix, b in routes.items() if request.path.startswith(prefix)), None)
        request.send_response(200 if body is not None else 404)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body or b"")))
        request.end_headers()
        request.wfile.write(body or b"")

    return handler
