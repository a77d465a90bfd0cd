"""``lantern serve``, ``lantern users …`` and ``lantern calibration``: the workspace
(lantern/web/), its accounts (leads/users.py) and what analysts' judgements say about
the score (leads/feedback.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lantern.cli.options import elasticsearch, fail, get_settings

users = typer.Typer(help="Workspace accounts and their roles.")
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from standard input")
]


def _password(from_stdin: bool) -> str:
    """The password from standard input's first line, or asked for twice, unseen."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("calibration")(calibration)
    app.command("kibana")(kibana)


def kibana(
    prefix: Annotated[
        str | None, typer.Option(help="index prefix (default: LANTERN_INDEX_PREFIX)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="write here (default: standard output)")] = None,
) -> None:
    """Kibana saved objects (data views, dashboards, the threat map) as NDJSON for the
    saved-objects import API."""
    from lantern.kibana import ndjson

    text = ndjson(prefix or get_settings().index_prefix)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def serve(
    host: Annotated[str | None, typer.Option(help="default: LANTERN_WORKSPACE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: LANTERN_WORKSPACE_PORT (8800)")] = None,
    secure: Annotated[
        bool, typer.Option("--secure", help="cookies over TLS only (behind a TLS proxy)")
    ] = False,
) -> None:
    """Run the workspace (until stopped)."""
    import uvicorn

    from lantern.web.app import create_app

    settings = get_settings()
    elasticsearch(settings)  # one clear line if Elasticsearch is not there
    uvicorn.run(
        create_app(settings, secure),
        host=host or settings.workspace_host,
        port=port or settings.workspace_port,
        log_level="info",
        server_header=False,
    )


@users.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name: lower-case letters, digits, '._-'")],
    role: Annotated[str, typer.Option(help="analyst, investigator, supervisor or auditor")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a workspace account (the password is asked for, or read from stdin)."""
    from leads.audit import current_user
    from leads.users import UserError, add_user

    password = _password(password_stdin)
    settings = get_settings()
    es = elasticsearch(settings)
    try:
        user = add_user(es, settings, name, role, password, current_user(settings))  # type: ignore[arg-type]
    except UserError as exc:
        fail(str(exc), 2)
    print(f"{user.username}: {user.role}")


@users.command("role")
def role(
    name: Annotated[str, typer.Argument(help="the user")],
    to: Annotated[str, typer.Option("--to", help="the new role")],
) -> None:
    """Change a user's role (their sessions end)."""
    from leads.audit import current_user
    from leads.users import UserError, set_role

    settings = get_settings()
    try:
        set_role(elasticsearch(settings), settings, name, to, current_user(settings))  # type: ignore[arg-type]
    except UserError as exc:
        fail(str(exc), 2)
    print(f"{name}: {to}")


@users.command("disable")
def disable(name: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Disable an account (its sessions end)."""
    _set_active(name, False)


@users.command("enable")
def enable(name: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Enable a disabled account (and lift a lock)."""
    _set_active(name, True)


def _set_active(name: str, active: bool) -> None:
    from leads.audit import current_user
    from leads.users import UserError, set_active

    settings = get_settings()
    try:
        set_active(elasticsearch(settings), settings, name, active, current_user(settings))
    except UserError as exc:
        fail(str(exc), 2)
    print(f"{name}: {'enabled' if active else 'disabled'}")


@users.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="the user")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password (the lock is lifted; the user's sessions end)."""
    from leads.audit import current_user
    from leads.users import UserError, set_password

    password = _password(password_stdin)
    settings = get_settings()
    try:
        set_password(elasticsearch(settings), settings, name, password, current_user(settings))
    except UserError as exc:
        fail(str(exc), 2)
    print(f"{name}: password set")


def calibration(
    png: Annotated[Path | None, typer.Option(help="write the reliability plot here")] = None,
) -> None:
    """Precision per tier and per rule from analysts' judgements, with intervals, and
    the rules whose weights the judgements contradict (a proposal: nothing changes)."""
    from leads.audit import current_user, record
    from leads.feedback import calibrate, reliability_png
    from leads.store import scan

    settings = get_settings()
    es = elasticsearch(settings)
    from leads.scoring import score_version

    report = calibrate(list(scan(es, settings, "judgements", {"match_all": {}})), score_version())
    record(
        es,
        settings,
        "calibration.read",
        user=current_user(settings),
        details={"judgements": report.judgements},
    )

    def line(name: str, cell: object) -> str:
        from leads.feedback import Cell

        assert isinstance(cell, Cell)
        p = "–" if cell.precision is None else f"{cell.precision:.2f}"
        lo, hi = cell.interval
        return (
            f"  {name:<40} confirmed {cell.confirmed:>4}  rejected {cell.rejected:>4}  "
            f"unsure {cell.unsure:>4}  precision {p} ({lo:.2f}–{hi:.2f})"
        )

    print(
        f"{report.judgements} judgements (the latest per lead and reviewer) of scores "
        f"under the current weights ({report.other_versions} of older weights left out)"
    )
    print("by tier:")
    for tier, cell in report.by_tier.items():
        print(line(tier, cell))
    print("by tier, the random sample only (unbiased by the score's own ranking):")
    for tier, cell in report.by_tier_random.items():
        print(line(tier, cell))
    print("by rule:")
    for rule, cell in report.by_rule.items():
        print(line(rule, cell))
    print("rules the judgements contradict (proposals; edit leads/taxonomy.yaml to act):")
    for proposal in report.contradicted or ["  none yet"]:
        print(f"  {proposal.strip()}")
    if png is not None:
        png.write_bytes(reliability_png(report))
        print(f"reliability plot: {png}")
