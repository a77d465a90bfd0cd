"""An offline Bluesky Jetstream: JSON events over a loopback WebSocket at ``/subscribe``.

The event shapes, ``wantedCollections``/``wantedDids`` filtering and ``cursor`` replay
follow bluesky-social/jetstream (see FORMATS.md). ``drop_after`` makes the next
connection die without a close handshake, to test a collector's resume-from-cursor.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from demo.replay.fixtures import (
    BSKY_ACTOR,
    CHATTER,
    fake_cid,
    fake_did,
    iso_ms,
    job_text,
    tid,
)

EVENT_COUNT = 300
# 2026-11-20T10:00:00Z; the stream is the 300 events after it.
FIRST_TIME_US = 1_795_168_800_000_000
USERS = [f"demo-user-{n:02d}.bsky.social" for n in range(30)] + [BSKY_ACTOR]


def _wanted(collection: str, wanted: list[str]) -> bool:
    """Jetstream matches full NSIDs and prefixes written as ``app.bsky.graph.*``."""
    if not wanted:
        return True
    for pattern in wanted:
        if pattern.endswith(".*"):
            if collection.startswith(pattern[:-1]):
                return True
        elif collection == pattern:
            return True
    return False


def _time(time_us: int) -> datetime:
    return datetime.fromtimestamp(time_us / 1_000_000, UTC)


def generate_events(seed: int = 7, count: int = EVENT_COUNT) -> list[dict[str, Any]]:
    """``count`` events, time_us strictly increasing: mostly post commits (about one in
    five with watch words), some likes, identity and account events."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    posts: list[tuple[str, str, str]] = []  # did, rkey, cid of posts made so far
    time_us = FIRST_TIME_US
    seq = 4_200_000_000
    for _ in range(count):
        time_us += rng.randrange(40_000, 3_000_000)
        handle = rng.choice(USERS)
        did = fake_did(handle)
        roll = rng.random()
        if roll < 0.04:
            seq += rng.randrange(1, 50)
            events.append(_identity(did, handle, time_us, seq))
        elif roll < 0.08:
            seq += rng.randrange(1, 50)
            events.append(_account(did, time_us, seq, active=rng.random() < 0.8))
        elif roll < 0.22 and posts:
            events.append(_like(did, time_us, rng.choice(posts), rng))
        else:
            if rng.random() < 0.2:
                spanish = rng.random() < 0.35
                text = job_text(rng, rng.random() < 0.7, spanish)
                text += " #trabajo" if spanish else " #hiring"
                langs = ["es"] if spanish else ["en"]
            else:
                text, lang = rng.choice(CHATTER)
                langs = [lang]
            event = _post(did, time_us, text, langs, rng.randrange(1024))
            commit = event["commit"]
            posts.append((did, commit["rkey"], commit["cid"]))
            events.append(event)
    return events


def _commit(did: str, time_us: int, commit: dict[str, Any]) -> dict[str, Any]:
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


def _post(did: str, time_us: int, text: str, langs: list[str], clock: int) -> dict[str, Any]:
    created = _time(time_us) - timedelta(milliseconds=300)
    record = {
        "$type": "app.bsky.feed.post",
        "createdAt": iso_ms(created),
        "langs": langs,
        "text": text,
    }
    return _commit(
        did,
        time_us,
        {
            "rev": tid(_time(time_us), clock),
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": tid(created, clock),
            "record": record,
            "cid": fake_cid(json.dumps(record, sort_keys=True) + did),
        },
    )


def _like(
    did: str, time_us: int, subject: tuple[str, str, str], rng: random.Random
) -> dict[str, Any]:
    created = _time(time_us) - timedelta(milliseconds=200)
    subject_did, subject_rkey, subject_cid = subject
    record = {
        "$type": "app.bsky.feed.like",
        "createdAt": iso_ms(created),
        "subject": {
            "cid": subject_cid,
            "uri": f"at://{subject_did}/app.bsky.feed.post/{subject_rkey}",
        },
    }
    clock = rng.randrange(1024)
    return _commit(
        did,
        time_us,
        {
            "rev": tid(_time(time_us), clock),
            "operation": "create",
            "collection": "app.bsky.feed.like",
            "rkey": tid(created, clock),
            "record": record,
            "cid": fake_cid(json.dumps(record, sort_keys=True) + did),
        },
    )


def _identity(did: str, handle: str, time_us: int, seq: int) -> dict[str, Any]:
    identity = {"did": did, "handle": handle, "seq": seq, "time": iso_ms(_time(time_us))}
    return {"did": did, "time_us": time_us, "kind": "identity", "identity": identity}


def _account(did: str, time_us: int, seq: int, active: bool) -> dict[str, Any]:
    account: dict[str, Any] = {"active": active, "did": did, "seq": seq}
    if not active:
        account["status"] = "deactivated"
    account["time"] = iso_ms(_time(time_us))
    return {"did": did, "time_us": time_us, "kind": "account", "account": account}


class JetstreamReplay:
    """Serves the seeded events at ``ws://127.0.0.1:<port>/subscribe`` from its own
    thread and event loop; after the last event a connection stays open and idle and
    receives whatever ``add_event`` appends, like a live stream."""

    def __init__(self, port: int = 0, seed: int = 7) -> None:
        self._requested_port = port
        self._events = generate_events(seed)
        self._times = [e["time_us"] for e in self._events]
        self._lock = threading.Lock()
        self._connections: list[dict[str, Any]] = []
        self._drop_next: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None
        self._new_data: asyncio.Event | None = None  # replaced after every wake-up
        self.port: int = 0

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> JetstreamReplay:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="jetstream", daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), loop)
        self.port = future.result(timeout=10)
        return self

    async def _serve(self) -> int:
        self._new_data = asyncio.Event()
        # No permessage-deflate: Jetstream sends plain JSON (its compression is zstd).
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            self._requested_port,
            process_request=self._check_request,
            compression=None,
        )
        return int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
        self._loop = self._thread = self._server = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def __enter__(self) -> JetstreamReplay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    # -- scripting and inspection ---------------------------------------------------

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event, oldest first (a copy, for assertions)."""
        with self._lock:
            return [json.loads(json.dumps(e)) for e in self._events]

    @property
    def connections(self) -> list[dict[str, Any]]:
        """One dict per connection: path, cursor (str or None), wanted_collections,
        sent (events so far), dropped (cut by drop_after), open."""
        with self._lock:
            return [dict(c) for c in self._connections]

    def drop_after(self, n: int) -> None:
        """The next connection is aborted (no close frame) after it has sent ``n`` events."""
        with self._lock:
            self._drop_next = n

    def add_event(self, text: str, handle: str = BSKY_ACTOR, lang: str = "en") -> dict[str, Any]:
        """Appends a post create by ``handle``; open connections receive it at once."""
        with self._lock:
            time_us = self._times[-1] + 1_000_000
            event = _post(fake_did(handle), time_us, text, [lang], len(self._events) % 1024)
            self._events.append(event)
            self._times.append(time_us)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake)
        return json.loads(json.dumps(event))

    def _wake(self) -> None:
        if self._new_data is not None:
            self._new_data.set()
        self._new_data = asyncio.Event()

    # -- serving --------------------------------------------------------------------

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        if parts.path != "/subscribe":
            return connection.respond(HTTPStatus.NOT_FOUND, "404 page not found\n")
        cursor = parse_qs(parts.query).get("cursor", [None])[0]
        if cursor is not None and not cursor.lstrip("-").isdigit():
            return connection.respond(HTTPStatus.BAD_REQUEST, "invalid cursor\n")
        return None

    async def _handler(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        wanted = query.get("wantedCollections", [])
        wanted_dids = set(query.get("wantedDids", []))
        cursor = query.get("cursor", [None])[0]
        with self._lock:
            drop_at, self._drop_next = self._drop_next, None
            start = bisect_left(self._times, int(cursor)) if cursor else 0
            log: dict[str, Any] = {
                "path": connection.request.path if connection.request else "",
                "cursor": cursor,
                "wanted_collections": list(wanted),
                "sent": 0,
                "dropped": False,
                "open": True,
                "closed": threading.Event(),  # set when the server side has finished
            }
            self._connections.append(log)
        # Drain what the client sends (Jetstream accepts options updates; we ignore
        # them), so close frames are processed while we wait for new events.
        reader = asyncio.create_task(self._drain(connection))
        index = start
        try:
            while not reader.done():
                waiter = self._new_data
                with self._lock:
                    pending = self._events[index:]
                index += len(pending)
                for event in pending:
                    if drop_at is not None and log["sent"] >= drop_at:
                        await self._abort(connection, log)
                        return
                    if not self._matches(event, wanted, wanted_dids):
                        continue
                    await connection.send(json.dumps(event, separators=(",", ":")))
                    with self._lock:
                        log["sent"] += 1
                if drop_at is not None and log["sent"] >= drop_at:
                    await self._abort(connection, log)
                    return
                if waiter is None:
                    return
                woken = asyncio.ensure_future(waiter.wait())
                await asyncio.wait([woken, reader], return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
        except Exception:  # the client went away mid-send: nothing left to serve
            pass
        finally:
            reader.cancel()
            with self._lock:
                log["open"] = False
            log["closed"].set()

    @staticmethod
    def _matches(event: dict[str, Any], wanted: list[str], dids: set[str]) -> bool:
        if dids and event["did"] not in dids:
            return False
        if event["kind"] != "commit":
            return True  # identity and account events ignore wantedCollections
        return _wanted(event["commit"]["collection"], wanted)

    @staticmethod
    async def _drain(connection: ServerConnection) -> None:
        try:
            async for _ in connection:
                pass
        except Exception:
            pass

    async def _abort(self, connection: ServerConnection, log: dict[str, Any]) -> None:
        # Let the sent frames leave the buffer first, then cut the TCP connection.
        transport = connection.transport
        for _ in range(200):
            if transport.get_write_buffer_size() == 0:
                break
            await asyncio.sleep(0.005)
        with self._lock:
            log["dropped"] = True
        transport.abort()
