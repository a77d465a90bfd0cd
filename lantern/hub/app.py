"""The hub's HTTP API (``lantern hub serve``). Every route but ``/healthz`` needs an
agency's API key (``Authorization: Bearer lh1_…``); every action is audited in the
hub's own trail, refusals included.

    GET  /v1/key                   the OPRF suite and the hub's public key
    POST /v1/evaluate              blinded elements -> evaluated elements with proofs
    POST /v1/pointers              pseudonyms of a case -> deconfliction number, conflicts
    POST /v1/pointers/withdraw     a case's pointers gone (and their conflicts)
    POST /v1/operations            an operation (geohash cell, window) -> conflicts
    POST /v1/operations/withdraw   a case's operations gone
    GET  /v1/conflicts             the calling agency's open conflicts

Request bodies are parsed into strict models (unknown fields refused); a body over
:data:`MAX_BODY` is refused before it is read. Nothing here logs a request body.
"""

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from fastapi import BackgroundTasks, Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field, StrictInt
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lantern.hub import store
from leads.audit import Outcome, record
from leads.deconfliction import MAX_BATCH, OperationIn, plain
from leads.oprf import MODE, SUITE, OprfError, b64, unb64
from leads.settings import Settings
from leads.store import connect
from leads.validation import Strict

_log = logging.getLogger("lantern.hub")
MAX_BODY = 1_000_000
Pseudonym = Annotated[str, Field(pattern=r"^[0-9a-f]{128}$")]
Element = Annotated[str, Field(min_length=1, max_length=100)]
CaseId = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(plain)]


class EvaluateIn(Strict):
    elements: list[Element] = Field(min_length=1, max_length=MAX_BATCH)


class PointersIn(Strict):
    case_id: CaseId
    pseudonyms: list[Pseudonym] = Field(min_length=1, max_length=MAX_BATCH)
    contact: Annotated[str, AfterValidator(plain), Field(max_length=500)] | None = None
    expires_days: StrictInt | None = None


class WithdrawIn(Strict):
    case_id: CaseId
    pseudonyms: list[Pseudonym] | None = Field(default=None, max_length=MAX_BATCH)


def create_app(settings: Settings) -> FastAPI:
    hub = settings.hub_side()
    es = connect(hub)
    store.ensure(es, hub)
    key = store.oprf_key(es, hub)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=_purge_loop, args=(es, hub, stop), daemon=True)
        thread.start()
        yield
        stop.set()

    app = FastAPI(
        title="Lantern deconfliction hub",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.exception_handler(RequestValidationError)
    def refused(_: Request, exc: RequestValidationError) -> JSONResponse:
        """One line naming the first field and why, never the value sent back (it may
        be NaN, a lone surrogate or megabytes)."""
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "body"
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'not valid')}"[:500]}, 422)

    @app.exception_handler(store.HubBusy)
    def busy(_: Request, exc: store.HubBusy) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 503, {"Retry-After": "30"})

    def agency(authorization: Annotated[str | None, Header()] = None) -> store.Agency:
        token = None
        if authorization and authorization.startswith("Bearer ") and len(authorization) < 300:
            token = authorization.removeprefix("Bearer ").strip()
        found = store.authenticate(es, hub, token)
        if found is None:
            raise HTTPException(401, "missing or wrong API key", {"WWW-Authenticate": "Bearer"})
        return found

    Caller = Annotated[store.Agency, Depends(agency)]

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/key")
    def public_key(caller: Caller) -> dict[str, str]:
        return {"suite": SUITE, "mode": MODE, "public_key": key.public_key.hex()}

    def allowance(caller: store.Agency, count: int, what: str) -> None:
        if not store.take_evaluations(es, hub, caller.id, count):
            record(
                es,
                hub,
                what,
                user=caller.id,
                outcome="refused",
                reason="hourly evaluation limit reached",
                details={"elements": count},
            )
            raise HTTPException(
                429,
                f"{caller.id} has used its {hub.hub_evaluations_per_hour} evaluations this "
                "hour; the hub's operator can tell you when the limit resets",
                {"Retry-After": "3600"},
            )

    @app.post("/v1/evaluate")
    def evaluate(body: EvaluateIn, caller: Caller) -> dict[str, Any]:
        count = len(body.elements)
        allowance(caller, count, "hub.evaluate")
        try:
            answers = key.evaluate([unb64(e) for e in body.elements])
        except OprfError as exc:
            record(
                es,
                hub,
                "hub.evaluate",
                user=caller.id,
                outcome="refused",
                reason=str(exc),
                details={"elements": count},
            )
            raise HTTPException(422, str(exc)) from None
        record(es, hub, "hub.evaluate", user=caller.id, details={"elements": count})
        return {"evaluated": [b64(a) for a in answers]}

    @app.post("/v1/pointers")
    def pointers(body: PointersIn, caller: Caller, tasks: BackgroundTasks) -> dict[str, Any]:
        try:
            number, expires, found = store.submit_pointers(
                es, hub, caller, body.case_id, body.pseudonyms, body.contact, body.expires_days
            )
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        _notify(tasks, es, hub, found)
        return {
            "deconfliction_number": number,
            "expires_at": expires,
            "stored": len(set(body.pseudonyms)),
            "conflicts": [store.view(f.conflict, caller.id) for f in found],
        }

    @app.post("/v1/pointers/withdraw")
    def withdraw_pointers(body: WithdrawIn, caller: Caller) -> dict[str, int]:
        count = store.withdraw(es, hub, caller, body.case_id, "pointers", body.pseudonyms)
        return {"withdrawn": count}

    @app.post("/v1/operations")
    def operations(body: OperationIn, caller: Caller, tasks: BackgroundTasks) -> dict[str, Any]:
        # Each operation costs one evaluation: sweeping areas and months is bounded too.
        allowance(caller, 1, "hub.operation.submit")
        number, found = store.submit_operation(es, hub, caller, body)
        _notify(tasks, es, hub, found)
        return {
            "deconfliction_number": number,
            "conflicts": [store.view(f.conflict, caller.id) for f in found],
        }

    @app.post("/v1/operations/withdraw")
    def withdraw_operations(body: WithdrawIn, caller: Caller) -> dict[str, int]:
        return {"withdrawn": store.withdraw(es, hub, caller, body.case_id, "operations")}

    @app.get("/v1/conflicts")
    def conflicts(caller: Caller) -> dict[str, Any]:
        return {"conflicts": store.conflicts_for(es, hub, caller)}

    return app


class _TooLarge(BaseException):  # noqa: N818 - not an Exception: FastAPI turns those into 400s
    pass


class BodyLimit:
    """Refuses a request body over ``limit`` bytes, counted as it arrives (a chunked
    body states no length), before any route reads it whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        stated = headers.get(b"content-length", b"0")
        if not stated.isdigit() or int(stated) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse({"detail": f"a request body is at most {self.limit} bytes"}, 413)
        await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})


def _notify(tasks: BackgroundTasks, es: Any, hub: Settings, found: list[store.Found]) -> None:
    """Tells the other agency of each new conflict through its webhook, if it has one.
    The message names the conflict only; the agency pulls the rest with its key."""
    new = [f.conflict for f in found if f.new]
    if not new:
        return
    holders = {a.id: a for a in store.agencies(es, hub)}
    for conflict in new:
        for agency_id in conflict["agencies"]:
            agency = holders.get(agency_id)
            if agency is not None and agency.webhook:
                tasks.add_task(_post_webhook, es, hub, agency, conflict["id"])


def _post_webhook(es: Any, hub: Settings, agency: store.Agency, conflict_id: str) -> None:
    assert agency.webhook is not None
    outcome: Outcome = "ok"
    reason = None
    try:
        response = httpx.post(
            agency.webhook,
            json={"event": "conflict", "conflict_id": conflict_id},
            timeout=10.0,
            follow_redirects=False,
        )
        if response.status_code >= 300:
            outcome, reason = "failed", f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        outcome, reason = "failed", f"{type(exc).__name__}: {exc}"
    record(
        es, hub, "hub.webhook", target=conflict_id, user=agency.id, outcome=outcome, reason=reason
    )


def _purge_loop(es: Any, hub: Settings, stop: threading.Event) -> None:
    """Purges expired pointers on the hub's schedule, first at start-up."""
    while not stop.is_set():
        try:
            store.purge(es, hub)
        except Exception as exc:  # retried next round; said, never silent
            _log.warning(
                "purge failed, retried in %ss: %s: %s",
                hub.hub_purge_seconds,
                type(exc).__name__,
                exc,
            )
        stop.wait(hub.hub_purge_seconds)
