"""The workspace's pages, one function each, grouped as the task force works: leads and
their review, networks and employers, cases, deconfliction, holds, the audit trail."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elasticsearch import NotFoundError
from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from lantern.web.app import PAGE_SIZE, Context, check_csrf, marked
from leads.audit import record
from leads.feedback import FeedbackError, calibrate, judge, reasons, reliability_png, review_queue
from leads.scoring import score_version
from leads.taxonomy import CATEGORIES
from leads.text import one_line

SORTS = {
    "score": [{"score": "desc"}, {"id": "asc"}],
    "newest": [{"fetched_at": "desc"}, {"id": "asc"}],
}


def _source(ctx: Context, kind: str, doc_id: str) -> dict[str, Any] | None:
    with contextlib.suppress(NotFoundError):
        found: dict[str, Any] = ctx.es.get(index=ctx.settings.index(kind), id=doc_id)["_source"]
        return found
    return None


def register(app: FastAPI, ctx: Context) -> None:  # noqa: C901 - one route table
    settings, es = ctx.settings, ctx.es

    def case_action(
        request: Request, case_id: str, csrf: str, ability: str, act: Callable[[Any, str], object]
    ) -> Response:
        """A form on a case page: the role and the form's token checked, the case found,
        ``act(case, user)`` done; a refusal from the case rules is a 422 page."""
        session = ctx.need(request, ability)
        check_csrf(ctx, session, csrf)
        from leads.cases import CaseError, get_case

        try:
            found = get_case(es, settings, case_id)
            act(found, session.username)
        except CaseError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse(f"/cases/{found.id}", 303)

    # Leads and their review

    @app.get("/leads", response_class=HTMLResponse)
    def leads(
        request: Request,
        q: str = Query("", max_length=500),
        tier: str = Query("", max_length=20),
        category: str = Query("", max_length=60),
        state: str = Query("", max_length=60),
        source: str = Query("", max_length=200),
        since: str = Query("", max_length=30),
        until: str = Query("", max_length=30),
        sort: str = Query("score", max_length=10),
        page: int = Query(1, ge=1, le=200),
    ) -> HTMLResponse:
        session = ctx.need(request, "leads.read")
        filters: list[dict[str, Any]] = []
        for field, value in (("tier", tier), ("categories", category), ("source_id", source)):
            if value:
                filters.append({"term": {field: value}})
        if state:  # entities are nested: a place is a location entity with that value
            filters.append(
                {
                    "nested": {
                        "path": "entities",
                        "query": {
                            "bool": {
                                "filter": [
                                    {"term": {"entities.type": "location"}},
                                    {"term": {"entities.value": state}},
                                ]
                            }
                        },
                    }
                }
            )
        dates = {k: v for k, v in (("gte", since), ("lte", until)) if v}
        if dates:
            filters.append({"range": {"fetched_at": dates}})
        must = (
            [
                {
                    "simple_query_string": {
                        "query": q,
                        "fields": ["title", "snippet", "explanation"],
                        "default_operator": "and",
                    }
                }
            ]
            if q
            else []
        )
        try:
            found = es.search(
                index=settings.index("leads"),
                from_=(page - 1) * PAGE_SIZE,
                size=PAGE_SIZE,
                query={"bool": {"filter": filters, "must": must}},
                sort=SORTS.get(sort, SORTS["score"]),
                track_total_hits=True,
                source_excludes=["entities", "indicators"],
                aggs={"sources": {"terms": {"field": "source_id", "size": 50}}},
            )
        except Exception as exc:  # a malformed date or query: say so, keep the page
            ctx.viewed(session, "/leads", q=q, error=type(exc).__name__)
            return ctx.page(
                request,
                session,
                "leads.html",
                rows=[],
                total=0,
                error=str(exc)[:300],
                args=dict(request.query_params),
                categories=CATEGORIES,
                sources=[],
                page=page,
                pages=0,
            )
        total = found["hits"]["total"]["value"]
        ctx.viewed(
            session,
            "/leads",
            q=q,
            tier=tier,
            category=category,
            state=state,
            source=source,
            since=since,
            until=until,
            page=page,
            hits=total,
        )
        return ctx.page(
            request,
            session,
            "leads.html",
            rows=[h["_source"] for h in found["hits"]["hits"]],
            total=total,
            error=None,
            args=dict(request.query_params),
            categories=CATEGORIES,
            page=page,
            pages=min(200, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            sources=[b["key"] for b in found["aggregations"]["sources"]["buckets"]],
        )

    @app.get("/leads/{lead_id}", response_class=HTMLResponse)
    def lead(
        request: Request, lead_id: str, via: str = Query("search", max_length=30)
    ) -> HTMLResponse:
        session = ctx.need(request, "leads.read")
        found = _source(ctx, "leads", lead_id)
        if found is None:
            raise HTTPException(404, "no such lead")
        raw = _source(ctx, "raw", found.get("doc_id") or lead_id) or {}
        text = str(raw.get("text") or found.get("snippet") or "")
        spans = [
            (int(i["start"]), int(i["end"]), f"{i['category']} ({i['rule']})")
            for i in found.get("indicators") or []
            if "start" in i
        ]
        spans += [
            (int(e["start"]), int(e["end"]), e["type"])
            for e in found.get("entities") or []
            if "start" in e and e.get("type") != "location"
        ]
        judgements = [
            h["_source"]
            for h in es.search(
                index=settings.index("judgements"),
                size=50,
                query={"term": {"lead_id": lead_id}},
                sort=[{"at": "desc"}],
            )["hits"]["hits"]
        ]
        picture = None
        selectors = [s for s in found.get("selectors") or [] if not s.startswith("template:")]
        if selectors:
            from leads.linking import network
            from leads.report import network_svg

            net = network(es, settings, selectors[0], 60)
            docs = [
                d.model_dump(mode="json")
                | {"selectors": [e.selector for e in net.edges if e.doc_id == d.id]}
                for d in net.docs
            ]
            # Our own drawing, every value in it escaped by network_svg.
            picture = Markup(network_svg([s.selector for s in net.selectors if not s.hub], docs))
        ctx.viewed(session, f"/leads/{lead_id}")
        return ctx.page(
            request,
            session,
            "lead.html",
            lead=found,
            raw=raw,
            text=marked(text, spans),
            judgements=judgements,
            reasons=reasons(),
            via=via,
            can_judge=ctx_may(session, "leads.judge"),
            can_case=ctx_may(session, "cases.work"),
            picture=picture,
            cases=_open_cases(ctx) if ctx_may(session, "cases.work") else [],
        )

    @app.get("/leads/{lead_id}/screenshot")
    def screenshot(request: Request, lead_id: str) -> Response:
        """The page as Chromium rendered it when collected (evidence store only)."""
        session = ctx.need(request, "leads.read")
        from leads.retention import evidence_file

        found = _source(ctx, "leads", lead_id) or {}
        raw = _source(ctx, "raw", found.get("doc_id") or lead_id) or {}
        prov = raw.get("provenance") or {}
        shot = (prov.get("screenshot") or {}).get("path")
        path = evidence_file(settings, shot, prov.get("batch_id", "")) if shot else None
        store = settings.evidence_path.resolve()
        if path is None or store not in path.parents or not path.is_file():
            raise HTTPException(404, "no screenshot in the evidence store")
        ctx.viewed(session, f"/leads/{lead_id}/screenshot")
        return FileResponse(path, media_type="image/png")

    @app.post("/leads/{lead_id}/judge")
    def judge_lead(
        request: Request,
        lead_id: str,
        verdict: str = Form(max_length=20),
        reason: str = Form(max_length=60),
        note: str = Form("", max_length=2000),
        via: str = Form("", max_length=64),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "leads.judge")
        check_csrf(ctx, session, csrf)
        via = drawn_as(session, lead_id, via)
        found = _source(ctx, "leads", lead_id)
        if found is None:
            raise HTTPException(404, "no such lead")
        try:
            judge(es, settings, found, verdict, reason, session.username, note, via)
        except FeedbackError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse(f"/leads/{lead_id}", 303)

    @app.get("/review", response_class=HTMLResponse)
    def review(request: Request) -> HTMLResponse:
        session = ctx.need(request, "leads.judge")
        queue = review_queue(es, settings, PAGE_SIZE)
        ctx.viewed(session, "/review", leads=len(queue))
        # How each lead was drawn travels as an opaque token the server can check, so
        # the reviewer cannot see (or claim) which ones came from the random sample.
        tokens = [(lead, draw_token(session, lead["id"], via)) for lead, via in queue]
        return ctx.page(request, session, "review.html", queue=tokens)

    @app.get("/calibration", response_class=HTMLResponse)
    def calibration(request: Request) -> HTMLResponse:
        session = ctx.need(request, "calibration.read")
        report = calibrate(_judgements(ctx), score_version())
        ctx.viewed(session, "/calibration", judgements=report.judgements)
        return ctx.page(request, session, "calibration.html", report=report)

    @app.get("/calibration.png")
    def calibration_png(request: Request) -> Response:
        session = ctx.need(request, "calibration.read")
        ctx.viewed(session, "/calibration.png")
        return Response(
            reliability_png(calibrate(_judgements(ctx), score_version())), media_type="image/png"
        )

    # Networks and employers

    @app.get("/selectors/{selector:path}", response_class=HTMLResponse)
    def selector(request: Request, selector: str) -> HTMLResponse:
        session = ctx.need(request, "leads.read")
        from leads.entities import profile_id
        from leads.linking import network

        profile = _source(ctx, "entities", profile_id(selector))
        net = network(es, settings, selector, 200)
        ctx.viewed(session, f"/selectors/{selector}")
        return ctx.page(
            request,
            session,
            "selector.html",
            selector=selector,
            profile=profile,
            net=net,
            can_case=ctx_may(session, "cases.work"),
            cases=_open_cases(ctx) if ctx_may(session, "cases.work") else [],
        )

    @app.get("/employers", response_class=HTMLResponse)
    def employers(request: Request, page: int = Query(1, ge=1, le=200)) -> HTMLResponse:
        session = ctx.need(request, "employers.read")
        found = es.search(
            index=settings.index("gw-employers"),
            from_=(page - 1) * PAGE_SIZE,
            size=PAGE_SIZE,
            sort=[{"risk": "desc"}, {"id": "asc"}],
            source_excludes=["sources", "matches"],
            track_total_hits=True,
        )
        ctx.viewed(session, "/employers", page=page)
        return ctx.page(
            request,
            session,
            "employers.html",
            rows=[h["_source"] for h in found["hits"]["hits"]],
            total=found["hits"]["total"]["value"],
            page=page,
        )

    @app.get("/employers/{employer_id}", response_class=HTMLResponse)
    def employer(request: Request, employer_id: str) -> HTMLResponse:
        session = ctx.need(request, "employers.read")
        found = _source(ctx, "gw-employers", employer_id)
        if found is None:
            raise HTTPException(404, "no such employer")
        ids = sorted({s["record"] for s in found.get("sources") or [] if s.get("record")})[:200]
        records = (
            [
                d["_source"]
                for d in es.mget(index=settings.index("gw-records"), ids=ids)["docs"]
                if d.get("found")
            ]
            if ids
            else []
        )
        ctx.viewed(session, f"/employers/{employer_id}")
        return ctx.page(
            request,
            session,
            "employer.html",
            employer=found,
            records=records,
            can_case=ctx_may(session, "cases.work"),
            cases=_open_cases(ctx) if ctx_may(session, "cases.work") else [],
        )

    # Cases

    @app.get("/cases", response_class=HTMLResponse)
    def cases(request: Request) -> HTMLResponse:
        session = ctx.need(request, "cases.read")
        from leads.cases import list_cases

        ctx.viewed(session, "/cases")
        return ctx.page(request, session, "cases.html", cases=list_cases(es, settings))

    @app.post("/cases")
    def new_case(
        request: Request,
        title: str = Form(max_length=300),
        agency: str = Form(max_length=200),
        pull: str = Form("", max_length=500),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "cases.work")
        check_csrf(ctx, session, csrf)
        from leads.cases import CaseError, add
        from leads.cases import new_case as open_case
        from leads.cases import pull as pull_ref

        try:
            if pull:
                pull_ref(es, settings, pull)  # a pull that cannot work opens no empty case
            case = open_case(es, settings, title, agency, session.username)
            if pull:
                add(es, settings, case, pull, session.username, why="pulled in the workspace")
        except CaseError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse(f"/cases/{case.id}", 303)

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    def case(
        request: Request, case_id: str, verified: str = Query("", max_length=20)
    ) -> HTMLResponse:
        session = ctx.need(request, "cases.read")
        from leads.cases import CaseError, get_case, items

        try:
            found = get_case(es, settings, case_id)
        except CaseError as exc:
            raise HTTPException(404, str(exc)) from None
        held = items(es, settings, found)
        ctx.viewed(session, f"/cases/{found.id}")
        return ctx.page(
            request,
            session,
            "case.html",
            case=found,
            can_approve=ctx_may(session, "cases.approve"),
            subjects=[i for i in held if i.role == "subject"],
            holding=[i for i in held if i.role == "holding"],
            package=_package(ctx, found.id).exists(),
            exported=_last(ctx, found.id, "case.export"),
            verified=_last(ctx, found.id, "case.verify"),
        )

    @app.post("/cases/{case_id}/pull")
    def case_pull(
        request: Request,
        case_id: str,
        ref: str = Form(max_length=500),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        from leads.cases import add

        return case_action(
            request,
            case_id,
            csrf,
            "cases.work",
            lambda case, user: add(es, settings, case, ref, user, why="pulled in the workspace"),
        )

    @app.post("/cases/{case_id}/promote")
    def case_promote(
        request: Request,
        case_id: str,
        key: str = Form(max_length=500),
        note: str = Form(max_length=5000),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        from leads.cases import promote

        return case_action(
            request,
            case_id,
            csrf,
            "cases.work",
            lambda case, user: promote(es, settings, case, key, note, user),
        )

    @app.post("/cases/{case_id}/export")
    def case_export(
        request: Request, case_id: str, csrf: str = Form("", max_length=100)
    ) -> Response:
        session = ctx.need(request, "cases.export")
        check_csrf(ctx, session, csrf)
        from leads.cases import CaseError, get_case
        from leads.package import export_case

        try:
            found = get_case(es, settings, case_id)
        except CaseError as exc:
            raise HTTPException(404, str(exc)) from None
        out = _package(ctx, found.id)
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            export_case(es, settings, found, out, session.username)
        except (OSError, ValueError) as exc:  # on the audit trail as a failed export
            raise HTTPException(500, f"the export failed: {one_line(str(exc), 300)}") from None
        return RedirectResponse(f"/cases/{found.id}", 303)

    @app.post("/cases/{case_id}/verify")
    def case_verify(
        request: Request, case_id: str, csrf: str = Form("", max_length=100)
    ) -> Response:
        session = ctx.need(request, "cases.export")
        check_csrf(ctx, session, csrf)
        from leads.package import verify

        path = _package(ctx, case_id)
        problems = verify(path) if path.exists() else ["no package exported yet"]
        record(
            es,
            settings,
            "case.verify",
            case_id=case_id,
            user=session.username,
            outcome="ok" if not problems else "failed",
            reason="; ".join(problems)[:2000] or None,
        )
        return RedirectResponse(
            f"/cases/{case_id}?verified={'intact' if not problems else 'broken'}", 303
        )

    @app.get("/cases/{case_id}/package")
    def case_package(request: Request, case_id: str) -> Response:
        session = ctx.need(request, "cases.export")
        path = _package(ctx, case_id)
        if not path.exists():
            raise HTTPException(404, "no package exported yet")
        record(es, settings, "case.download", case_id=case_id, user=session.username)
        return FileResponse(path, media_type="application/zip", filename=path.name)

    @app.post("/cases/{case_id}/note")
    def case_note(
        request: Request,
        case_id: str,
        text: str = Form(max_length=5000),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        from leads.cases import add_note

        return case_action(
            request,
            case_id,
            csrf,
            "cases.work",
            lambda case, user: add_note(es, settings, case, text, user),
        )

    @app.post("/cases/{case_id}/approve")
    def case_approve(
        request: Request,
        case_id: str,
        key: str = Form(max_length=500),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        from leads.cases import approve

        return case_action(
            request,
            case_id,
            csrf,
            "cases.approve",
            lambda case, user: approve(es, settings, case, key, user),
        )

    # Deconfliction, holds, users, audit

    @app.get("/conflicts", response_class=HTMLResponse)
    def conflicts(request: Request) -> HTMLResponse:
        session = ctx.need(request, "conflicts.read")
        from lantern.hub.client import HubClient, HubUnavailable
        from lantern.jobs.deconfliction import open_conflicts

        rows: list[dict[str, Any]] = []
        error = None
        try:
            with HubClient(settings) as hub:
                rows = open_conflicts(es, settings, session.username, hub)
        except HubUnavailable as exc:
            error = str(exc)
        ctx.viewed(session, "/conflicts", conflicts=len(rows))
        return ctx.page(request, session, "conflicts.html", rows=rows, error=error)

    @app.get("/tips", response_class=HTMLResponse)
    def tips(request: Request, page: int = Query(1, ge=1, le=200)) -> HTMLResponse:
        session = ctx.need(request, "tips.read")
        found = es.options(ignore_status=404).search(
            index=settings.index("tips"),
            from_=(page - 1) * PAGE_SIZE,
            size=PAGE_SIZE,
            sort=[{"received_at": "desc"}, {"id": "asc"}],
            track_total_hits=True,
        )
        hits = found.get("hits", {"hits": [], "total": {"value": 0}})
        ctx.viewed(session, "/tips", page=page)
        return ctx.page(
            request,
            session,
            "tips.html",
            rows=[h["_source"] for h in hits["hits"]],
            total=hits["total"]["value"],
            page=page,
            more=page * PAGE_SIZE < hits["total"]["value"],
        )

    @app.get("/tips/{tip_id}", response_class=HTMLResponse)
    def tip(request: Request, tip_id: str) -> HTMLResponse:
        session = ctx.need(request, "tips.read")
        found = _source(ctx, "tips", tip_id)
        if found is None:
            raise HTTPException(404, "no such tip")
        ctx.viewed(session, f"/tips/{tip_id}")
        return ctx.page(request, session, "tip.html", tip=found)

    @app.get("/holds", response_class=HTMLResponse)
    def holds(request: Request) -> HTMLResponse:
        session = ctx.need(request, "holds.read")
        from leads.retention import list_holds

        ctx.viewed(session, "/holds")
        return ctx.page(
            request,
            session,
            "holds.html",
            holds=list_holds(es, settings),
            can_manage=ctx_may(session, "holds.manage"),
        )

    @app.post("/holds")
    def hold_add(
        request: Request,
        scope: str = Form(max_length=20),
        value: str = Form(max_length=500),
        authority: str = Form(max_length=1000),
        reason: str = Form(max_length=2000),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "holds.manage")
        check_csrf(ctx, session, csrf)
        from leads.retention import add_hold

        if (
            scope not in ("case", "selector", "batch")
            or not authority.strip()
            or not reason.strip()
        ):
            raise HTTPException(
                422, "a hold needs a scope (case, selector, batch), an authority and a reason"
            )
        try:
            add_hold(es, settings, scope, value, authority, reason, session.username)  # type: ignore[arg-type]
        except ValueError as exc:  # pydantic's too: a field too short or too long
            raise HTTPException(
                422, f"the hold cannot be placed: {one_line(str(exc), 300)}"
            ) from None
        return RedirectResponse("/holds", 303)

    @app.post("/holds/{hold_id}/release")
    def hold_release(
        request: Request,
        hold_id: str,
        reason: str = Form(max_length=2000),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "holds.manage")
        check_csrf(ctx, session, csrf)
        from leads.retention import release_hold

        try:
            release_hold(es, settings, hold_id, session.username, reason)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse("/holds", 303)

    @app.get("/users", response_class=HTMLResponse)
    def users(request: Request) -> HTMLResponse:
        session = ctx.need(request, "users.manage")
        from leads.store import scan
        from leads.users import User

        found = sorted(
            (User.model_validate(u) for u in scan(es, settings, "users", {"match_all": {}})),
            key=lambda u: u.username,
        )
        ctx.viewed(session, "/users")
        return ctx.page(request, session, "users.html", users=found)

    @app.post("/users")
    def user_add(
        request: Request,
        username: str = Form(max_length=60),
        role: str = Form(max_length=20),
        password: str = Form(max_length=1000),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "users.manage")
        check_csrf(ctx, session, csrf)
        from leads.users import UserError, add_user

        if role not in ("analyst", "investigator", "supervisor", "auditor"):
            raise HTTPException(422, "no such role")
        try:
            add_user(es, settings, username, role, password, session.username)  # type: ignore[arg-type]
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse("/users", 303)

    @app.post("/users/{username}/role")
    def user_role(
        request: Request,
        username: str,
        role: str = Form(max_length=20),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "users.manage")
        check_csrf(ctx, session, csrf)
        from leads.users import UserError, set_role

        try:
            set_role(es, settings, username, role, session.username)  # type: ignore[arg-type]
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse("/users", 303)

    @app.post("/users/{username}/{change}")
    def user_change(
        request: Request,
        username: str,
        change: str,
        password: str = Form("", max_length=1000),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        session = ctx.need(request, "users.manage")
        check_csrf(ctx, session, csrf)
        from leads.users import UserError, set_active, set_password

        try:
            if change in ("disable", "enable"):
                set_active(es, settings, username, change == "enable", session.username)
            elif change == "password":
                set_password(es, settings, username, password, session.username)
            else:
                raise HTTPException(404, "no such change")
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        return RedirectResponse("/users", 303)

    @app.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request,
        user: str = Query("", max_length=200),
        action: str = Query("", max_length=100),
        case: str = Query("", max_length=300),
        page: int = Query(1, ge=1, le=200),
    ) -> HTMLResponse:
        session = ctx.need(request, "audit.read")
        filters = [
            {"term": {f: v}}
            for f, v in (("user", user), ("action", action), ("case_id", case))
            if v
        ]
        ctx.viewed(session, "/audit", user=user, action=action, case=case, page=page)
        es.indices.refresh(index=settings.index("audit"))
        found = es.search(
            index=settings.index("audit"),
            from_=(page - 1) * PAGE_SIZE,
            size=PAGE_SIZE,
            query={"bool": {"filter": filters}},
            sort=[{"seq": "desc"}],
            track_total_hits=True,
        )
        return ctx.page(
            request,
            session,
            "audit.html",
            rows=[h["_source"] for h in found["hits"]["hits"]],
            total=found["hits"]["total"]["value"],
            args=dict(request.query_params),
            page=page,
        )


def ctx_may(session: Any, ability: str) -> bool:
    from leads.users import may

    return may(session.role, ability)


def _open_cases(ctx: Context) -> list[Any]:
    from leads.cases import list_cases

    return [c for c in list_cases(ctx.es, ctx.settings) if c.status == "open"]


def _judgements(ctx: Context) -> list[dict[str, Any]]:
    from leads.store import scan

    return list(scan(ctx.es, ctx.settings, "judgements", {"match_all": {}}))


def _last(ctx: Context, case_id: str, action: str) -> dict[str, Any] | None:
    """The case's latest event of ``action`` (what the page says comes from the record,
    never from the URL)."""
    ctx.es.indices.refresh(index=ctx.settings.index("audit"))
    query = {"bool": {"filter": [{"term": {"case_id": case_id}}, {"term": {"action": action}}]}}
    hits = ctx.es.search(
        index=ctx.settings.index("audit"), size=1, query=query, sort=[{"seq": "desc"}]
    )["hits"]["hits"]
    return hits[0]["_source"] if hits else None


DRAWS = ("top", "search", *(f"random:{t}" for t in ("high", "medium", "low", "none")))


def draw_token(session: Any, lead_id: str, via: str) -> str:
    import hashlib
    import hmac

    return hmac.new(session.csrf.encode(), f"{lead_id}|{via}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def drawn_as(session: Any, lead_id: str, token: str) -> str:
    """Which way the lead was drawn, from the token the review queue gave; "search"
    for anything else (a judgement cannot claim the random sample)."""
    import hmac

    for via in DRAWS:
        if hmac.compare_digest(draw_token(session, lead_id, via), token):
            return via
    return "search"


def _package(ctx: Context, case_id: str) -> Path:
    if len(case_id) > 200:
        raise HTTPException(404, "no such case")
    safe = "".join(c if c.isalnum() or c in "-." else "_" for c in case_id)
    return ctx.settings.data_dir / "cases" / f"{safe}.zip"
