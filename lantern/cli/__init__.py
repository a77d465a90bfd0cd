"""The ``lantern`` command line: verbs that each do one job and stream JSON Lines.

One module per group of verbs; their shared options live in :mod:`lantern.cli.options`.
``lantern --help`` lists them all.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from lantern.cli import (
    assess,
    audit,
    cases,
    collect,
    deconflict,
    guestworker,
    holds,
    hub,
    networks,
    pipeline,
    registry,
    workspace,
)
from lantern.cli.options import say


class _Lantern(typer.Typer):
    """Expected failures end in one line and a non-zero status, never a traceback:
    Elasticsearch lost mid-run, an output pipe closed by the reader, a file that cannot
    be read or written, a setting that is not valid."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except BrokenPipeError:
            sys.stderr.close()  # `lantern extract | head`: the reader has what it wanted
            raise SystemExit(1) from None
        except Exception as exc:
            say(f"error: {_expected(exc)}")
            raise SystemExit(1) from None


def _expected(exc: Exception) -> str:
    """The one line for an expected failure; anything else is a bug and re-raised."""
    from pydantic import ValidationError

    from leads.store import StoreError
    from leads.validation import validation_message

    origin = type(exc).__module__
    if isinstance(exc, StoreError):
        return str(exc)
    if origin.startswith(("elasticsearch", "elastic_transport")):
        from leads.settings import get_settings

        url = get_settings().es_url
        return f"Elasticsearch at {url} failed: {type(exc).__name__}: {exc}"
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return f"a setting is not valid: {validation_message(exc)}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    raise exc


app = _Lantern(
    help="Lantern: explainable leads from public material.",
    no_args_is_help=True,
    # Collected data must never be printed as part of a traceback's local variables.
    pretty_exceptions_show_locals=False,
)
for _group in (pipeline, networks, registry, workspace, assess):
    _group.register(app)
app.add_typer(collect.app, name="collect")
app.add_typer(guestworker.app, name="guestworker")
app.add_typer(audit.app, name="audit")
app.add_typer(cases.app, name="case")
app.add_typer(holds.holds, name="hold")
app.add_typer(holds.retention, name="retention")
app.add_typer(deconflict.app, name="deconflict")
app.add_typer(hub.app, name="hub")
app.add_typer(workspace.users, name="users")
app.add_typer(assess.tips, name="tips")
