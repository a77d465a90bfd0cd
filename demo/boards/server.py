"""The demo boards' HTTP server (loopback only), with the misbehaving pages tests need.

Routes: ``/robots.txt`` (disallows ``/private/``), ``/classifieds/?page=N`` and
``/classifieds/ad/ID``, ``/jobs/?page=N`` and ``/jobs/job/ID`` (content rendered by
JavaScript only), ``/private/…`` (must never be fetched), ``/traps/redirect-private``
(302 to a loopback address that is not allow-listed), ``/traps/big`` (50 MB),
``/traps/bad-encoding`` (invalid UTF-8), ``/traps/hostile/`` (an attacker's listing
and ad: over-long link, markup and escape sequences, an over-long field), ``/__hits``
(hit counts per path, JSON).

    python -m demo.boards.server --port 8765 --seed 7 [--classifieds 240 --jobs 80]

Port 0 picks a free port; the first line printed names the address.
"""

from __future__ import annotations

import argparse
import html
import json
import threading
from collections import Counter
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from demo.boards.generator import Ad, generate
from demo.boards.photos import render_photo

PAGE_SIZE = 20
BIG_PAGE_BYTES = 50 * 1024 * 1024
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    ).encode()


class DemoBoards:
    """The generated content and the hit counter shared by all request threads."""

    def __init__(self, seed: int = 7, n_classifieds: int = 240, n_jobs: int = 80) -> None:
        ads = generate(seed, n_classifieds, n_jobs)
        self.boards: dict[str, list[Ad]] = {
            "classifieds": [a for a in ads if a.board == "classifieds"],
            "jobs": [a for a in ads if a.board == "jobs"],
        }
        # By id: a board of thousands of ads must not cost a scan per request.
        self.by_id = {(a.board, a.id): a for a in ads}
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def hit(self, path: str) -> None:
        with self.lock:
            self.hits[path] += 1

    def listing(self, board: str, page: int) -> bytes | None:
        ads = self.boards[board]
        chunk = ads[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        if page < 1 or not chunk:
            return None
        item = "ad" if board == "classifieds" else "job"
        links = "".join(
            f"<li class='listing'><a class='ad-link' href='/{board}/{item}/{a.id}'>"
            f"{html.escape(a.title)}</a> <span class='city'>{a.city}</span></li>"
            for a in chunk
        )
        nav = ""
        if page * PAGE_SIZE < len(ads):
            nav = f"<a class='next' rel='next' href='/{board}/?page={page + 1}'>Next</a>"
        staff = "<p><a class='ad-link' href='/private/staff-notes'>staff notes</a></p>"
        return _page(f"{board} page {page}", f"<h1>{board}</h1><ul>{links}</ul>{nav}{staff}")

    def classified(self, ad_id: int) -> bytes | None:
        ad = self._find("classifieds", ad_id)
        if ad is None:
            return None
        return _page(
            ad.title,
            f"<article lang='{ad.lang}'><h1 class='title'>{html.escape(ad.title)}</h1>"
            f"<time class='posted' datetime='{ad.posted}'>{ad.posted}</time>"
            f"<span class='location'>{ad.city}, {ad.state}</span>"
            f"<div class='body'>{html.escape(ad.body)}</div>"
            f"<span class='phone'>{html.escape(ad.phone_display)}</span>"
            + (f"<img class='photo' alt='photo' src='{html.escape(ad.photo)}'>" if ad.photo else "")
            + "</article>",
        )

    def job(self, ad_id: int) -> bytes | None:
        ad = self._find("jobs", ad_id)
        if ad is None:
            return None
        # The job board renders its content client-side: without JavaScript the page is
        # an empty shell, which is what the Playwright path exists for.
        data = json.dumps(
            {
                "title": ad.title,
                "body": ad.body,
                "location": f"{ad.city}, {ad.state}",
                "posted": ad.posted,
                "lang": ad.lang,
            }
        ).replace("</", "<\\/")
        script = (
            f"<script>const job = {data};"
            "const el = document.getElementById('app');"
            'el.innerHTML = \'<article><h1 class="title"></h1><time class="posted"></time>'
            '<span class="location"></span><div class="body"></div></article>\';'
            "el.querySelector('.title').textContent = job.title;"
            "el.querySelector('.posted').textContent = job.posted;"
            "el.querySelector('.location').textContent = job.location;"
            "el.querySelector('.body').textContent = job.body;"
            "el.querySelector('article').lang = job.lang;</script>"
        )
        return _page("Job", f"<div id='app'>Loading…</div>{script}")

    def _find(self, board: str, ad_id: int) -> Ad | None:
        return self.by_id.get((board, ad_id))


# The same key, width and format always give the same picture: each is drawn once, so a
# crawl of a large board measures the crawler rather than this server's drawing.
_photo = lru_cache(maxsize=4096)(render_photo)


def make_handler(boards: DemoBoards) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "LanternDemo/0.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet by default
            pass

        def _send(
            self,
            status: int,
            body: bytes,
            ctype: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            path = parts.path
            if path != "/__hits":
                boards.hit(path)
            query = parse_qs(parts.query)
            body: bytes | None = None
            if path == "/robots.txt":
                return self._send(200, ROBOTS.encode(), "text/plain")
            if path == "/__hits":
                with boards.lock:
                    return self._send(200, json.dumps(boards.hits).encode(), "application/json")
            if path == "/":
                body = _page(
                    "Demo boards",
                    "<a href='/classifieds/'>Classifieds</a> <a href='/jobs/'>Jobs</a>",
                )
            elif path in ("/classifieds/", "/jobs/"):
                page = int(query.get("page", ["1"])[0] or 1)
                body = boards.listing(path.strip("/"), page)
            elif path.startswith("/classifieds/ad/") and path.rsplit("/", 1)[1].isdigit():
                body = boards.classified(int(path.rsplit("/", 1)[1]))
            elif path.startswith("/jobs/job/") and path.rsplit("/", 1)[1].isdigit():
                body = boards.job(int(path.rsplit("/", 1)[1]))
            elif path.startswith("/img/") and path.count(".") == 1:
                name, fmt = path[len("/img/") :].rsplit(".", 1)
                width = max(32, min(int(query.get("w", ["320"])[0] or 320), 1280))
                ctype = "image/jpeg" if fmt == "jpg" else "image/png"
                return self._send(200, _photo(name, width, fmt), ctype)
            elif path.startswith("/private/"):
                body = _page(
                    "Private", "<div class='body'>Staff only. Robots must not read this.</div>"
                )
            elif path == "/traps/redirect-private":
                port = int(self.server.server_address[1])  # type: ignore[index]
                return self._send(302, b"", headers={"Location": f"http://127.0.0.2:{port}/"})
            elif path == "/traps/big":
                return self._big()
            elif path == "/traps/hostile/":
                body = _page("Hostile listing", HOSTILE_LISTING)
            elif path == "/traps/hostile/ad":
                body = _page("Hostile ad", HOSTILE_AD)
            elif path == "/traps/bad-encoding":
                raw = b"<html><head><meta charset='utf-8'><title>bad</title></head><body>"
                raw += b"<h1 class='title'>Broken \xff\xfe encoding</h1><div class='body'>"
                raw += b"Caf\xe9 job, call (702) 555-0177 \x80\x81</div></body></html>"
                return self._send(200, raw)
            if body is None:
                return self._send(404, _page("Not found", "<p>Not found</p>"))
            self._send(200, body)

        def _big(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(BIG_PAGE_BYTES))
            self.end_headers()
            chunk = b"<p>" + b"lorem ipsum " * 8000 + b"</p>"
            sent = 0
            try:
                while sent < BIG_PAGE_BYTES:
                    piece = chunk[: BIG_PAGE_BYTES - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up at its size limit, as it should

    return Handler


# A listing and an ad written by an attacker (tests only): a link too long to follow, a
# title with Rich markup, ANSI colours and an OSC-8 hyperlink, a script, and a location
# longer than any keyword field takes. Each may cost this ad's fields, never the ad.
HOSTILE_LISTING = (
    "<a class='ad-link' href='/traps/hostile/ad'>ad</a>"
    f"<a class='ad-link' href='/traps/hostile/ad?pad={'x' * 3000}'>too long</a>"
)
HOSTILE_TITLE = (
    "[bold red]URGENT[/bold red] [/x] \x1b[31mred\x1b[0m "
    "\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07 \u202eevil"
)
HOSTILE_AD = (
    f"<h1 class='title'>{html.escape(HOSTILE_TITLE)}</h1>"
    "<div class='body'>New girls, 100% real, discreet. <script>alert(1)</script>"
    "Call (702) 555-0106 anytime.</div>"
    f"<span class='location'>{'Las Vegas, NV ' * 3000}</span>"
    f"<img class='photo' src='/img/hostile.png?pad={'x' * 3000}'>"
    "<img class='photo' src='data:image/png;base64,iVBORw0KGgo='>"
    "<span class='phone'>(702) 555-0106</span>"
)


class BoardServer(ThreadingHTTPServer):
    """The standard threading server with a listen backlog a crawl cannot overflow: with
    the default of 5, connections beyond it wait a second to retry, and a crawl measures
    that queue instead of Lantern."""

    request_queue_size = 1024
    daemon_threads = True


def serve(
    port: int = 0, seed: int = 7, n_classifieds: int = 240, n_jobs: int = 80
) -> tuple[ThreadingHTTPServer, DemoBoards]:
    """A started server on 127.0.0.1 (port 0 picks a free one), running in a thread."""
    boards = DemoBoards(seed, n_classifieds, n_jobs)
    server = BoardServer(("127.0.0.1", port), make_handler(boards))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, boards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--classifieds", type=int, default=240, help="ads on the classifieds")
    parser.add_argument("--jobs", type=int, default=80, help="ads on the job board")
    args = parser.parse_args()
    boards = DemoBoards(args.seed, args.classifieds, args.jobs)
    server = BoardServer(("127.0.0.1", args.port), make_handler(boards))
    print(f"demo boards on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
