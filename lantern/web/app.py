"""The workspace (``lantern serve``): server-rendered pages over the same core as the
command line. Read top to bottom: sessions and roles, then one function per page.

- Every page needs a session (``/login`` makes one) and names the ability it needs
  (``leads/roles.yaml``); a role without it gets 403 and an audit event.
- Every form carries the session's CSRF token; a POST without it is refused (403).
- Every page view, search, judgement and export is an audit event through the same
  trail as the command line (``leads/audit.py``).
- Text from crawled pages is always text: templates autoescape, evidence spans are
  marked by splitting the text in Python, and no HTML from an ad is ever rendered.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from elasticsearch import Elasticsearch, NotFoundError
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from leads.audit import record
from leads.settings import Settings
from leads.store import connect, ensure_indices
from leads.text import one_line
from leads.users import Session, csrf_ok, end_session, may, new_session, session_of, sign_in

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["urlencode_page"] = lambda args, page: urlencode({**args, "page": page})
# A secret for tokens only this process can make (the sign-in form's, the review queue's);
# a restart invalidates open sign-in forms and queues, nothing else.
SERVER_SECRET = secrets.token_bytes(32)
PAGE_SIZE = 50


class Refused(Exception):
    """A page or action the session's role may not use (answered 403, audited)."""

    def __init__(self, ability: str) -> None:
        self.ability = ability


class Context:
    """What every page needs: the store, the settings and whether cookies are Secure."""

    def __init__(self, settings: Settings, secure: bool) -> None:
        self.settings = settings
        self.es: Elasticsearch = connect(settings)
        ensure_indices(self.es, settings)
        self.secure = secure

    @property
    def cookie(self) -> str:
        # Behind TLS, "__Host-" cookies: no other port or subdomain on the host can plant
        # or overwrite them.
        return "__Host-lantern_session" if self.secure else "lantern_session"

    @property
    def login_cookie(self) -> str:
        return "__Host-lantern_login" if self.secure else "lantern_login"

    def session(self, request: Request) -> Session | None:
        return session_of(self.es, self.settings, request.cookies.get(self.cookie))

    def need(self, request: Request, ability: str) -> Session:
        """The session, if its role has ``ability``; else 403 (audited) or a sign-in."""
        session = self.session(request)
        if session is None:
            where = urlencode({"next": request.url.path})
            raise HTTPException(303, headers={"Location": f"/login?{where}"})
        if not may(session.role, ability):
            record(
                self.es,
                self.settings,
                "web.refused",
                target=request.url.path[:300],
                user=session.username,
                outcome="refused",
                reason=f"role {session.role} lacks {ability}",
            )
            raise Refused(ability)
        return session

    def viewed(self, session: Session, path: str, **details: Any) -> None:
        record(
            self.es,
            self.settings,
            "web.view",
            target=path[:300],
            user=session.username,
            details={k: v for k, v in details.items() if v not in (None, "", [])},
        )

    def page(
        self, request: Request, session: Session | None, template: str, **values: Any
    ) -> HTMLResponse:
        nav = [
            (path, label) for path, label, ability in NAV if session and may(session.role, ability)
        ]
        return TEMPLATES.TemplateResponse(
            request, template, {"session": session, "nav": nav, **values}
        )


NAV = (
    ("/leads", "Leads", "leads.read"),
    ("/review", "Review queue", "leads.judge"),
    ("/calibration", "Calibration", "calibration.read"),
    ("/employers", "Guest-worker employers", "employers.read"),
    ("/cases", "Cases", "cases.read"),
    ("/conflicts", "Deconfliction", "conflicts.read"),
    ("/tips", "Tips", "tips.read"),
    ("/holds", "Holds", "holds.read"),
    ("/audit", "Audit trail", "audit.read"),
    ("/users", "Users", "users.manage"),
)


def create_app(settings: Settings, secure: bool = False) -> FastAPI:
    """The workspace. ``secure``: cookies only over TLS (set when served behind TLS)."""
    from lantern.web import pages

    ctx = Context(settings, secure)
    app = FastAPI(title="Lantern workspace", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        """Refusals and errors as a page in a line (redirects pass through)."""
        if exc.status_code in (301, 302, 303, 307, 308):
            return Response(status_code=exc.status_code, headers=exc.headers)
        titles = {403: "Refused", 404: "Not found", 422: "Not possible", 500: "Failed"}
        response = ctx.page(
            request,
            ctx.session(request),
            "error.html",
            status=exc.status_code,
            title=titles.get(exc.status_code, "Error"),
            detail=one_line(str(exc.detail), 500),
        )
        response.status_code = exc.status_code
        return response

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "the request"
        response = ctx.page(
            request,
            ctx.session(request),
            "error.html",
            status=422,
            title="Not possible",
            detail=f"{where}: {first.get('msg', 'not valid')}",
        )
        response.status_code = 422
        return response

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> HTMLResponse:
        session = ctx.session(request)
        response = ctx.page(request, session, "refused.html", ability=exc.ability)
        response.status_code = 403
        return response

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        # Nothing from elsewhere: no scripts but our own, no frames, no sniffing.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    def login_page(request: Request, next: str, error: str | None, status: int) -> HTMLResponse:
        # Sign-in is a form too: a double-submit token (cookie and field) before any
        # session exists, so another site cannot sign a browser in as someone else.
        token = secrets.token_urlsafe(24)
        page = ctx.page(
            request,
            None,
            "login.html",
            next=_local(next),
            error=error,
            login_csrf=_login_mac(token),
        )
        page.status_code = status
        page.set_cookie(
            ctx.login_cookie,
            token,
            httponly=True,
            samesite="strict",
            secure=ctx.secure,
            max_age=3600,
            path="/",
        )
        return page

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return login_page(request, next, None, 200)

    @app.post("/login")
    def login(
        request: Request,
        username: str = Form(max_length=100),
        password: str = Form(max_length=1000),
        next: str = Form("/", max_length=300),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        # The form's token is the cookie's, keyed with a secret only this server holds: a
        # page elsewhere on the host that plants a cookie cannot make the matching token.
        planted = request.cookies.get(ctx.login_cookie, "")
        if not (planted and csrf and hmac.compare_digest(_login_mac(planted), csrf)):
            return login_page(request, next, "the sign-in form expired: sign in again", 403)
        done = sign_in(ctx.es, settings, username, password)
        if done.user is None:
            return login_page(request, next, done.refusal, 401)
        token, _ = new_session(ctx.es, settings, done.user)
        response = RedirectResponse(_local(next), 303)
        response.set_cookie(
            ctx.cookie,
            token,
            httponly=True,
            samesite="strict",
            secure=ctx.secure,
            max_age=int(settings.session_hours * 3600),
            path="/",
        )
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("", max_length=100)) -> Response:
        # Signing out ends the session with or without the form's token: the worst a
        # forged sign-out does is end a session, and a kept one would outlive the click.
        session = ctx.session(request)
        if session is not None:
            with contextlib.suppress(NotFoundError):
                end_session(ctx.es, settings, request.cookies.get(ctx.cookie, ""))
            record(
                ctx.es,
                settings,
                "user.sign-out",
                user=session.username,
                details={"form_token": csrf_ok(session, csrf)},
            )
        response = RedirectResponse("/login", 303)
        response.delete_cookie(ctx.cookie, path="/", secure=ctx.secure)
        return response

    @app.get("/")
    def home(request: Request) -> Response:
        session = ctx.session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        first = next((p for p, _, a in NAV if may(session.role, a)), "/login")
        return RedirectResponse(first, 303)

    pages.register(app, ctx)
    return app


def _login_mac(token: str) -> str:
    import hashlib

    return hmac.new(SERVER_SECRET, token.encode(), hashlib.sha256).hexdigest()


def check_csrf(ctx: Context, session: Session, sent: str) -> None:
    if not csrf_ok(session, sent):
        record(
            ctx.es,
            ctx.settings,
            "web.csrf",
            user=session.username,
            outcome="refused",
            reason="a form posted without its CSRF token",
        )
        raise HTTPException(403, "this form has expired or did not come from the workspace")


def _local(path: str) -> str:
    """Only a path on this site to go on to after signing in (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def marked(text: str, spans: list[tuple[int, int, str]]) -> Markup:
    """``text`` with the evidence spans marked: the text is escaped piece by piece, so an
    ad's markup is shown as characters, never rendered."""
    from markupsafe import escape

    out, at = [], 0
    for start, end, title in sorted(spans):
        if start < at or end <= start or end > len(text):
            continue  # overlapping or out of range: the first span wins
        out.append(str(escape(text[at:start])))
        out.append(f'<mark title="{escape(title)}">{escape(text[start:end])}</mark>')
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))
