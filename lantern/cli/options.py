"""What every verb shares: its options, how it opens input and output, how it tells an
error, and how it reaches the settings and Elasticsearch. Each is defined here once.

Every ``lantern`` run imports this module and every verb module, if only for ``--help``:
they import typer and the light ``leads`` modules only (text, ids, limits). The settings
(pydantic-settings), the store and everything a verb works with are imported when a
verb runs, in its body (``benchmarks/startup.py`` times it).

Errors are one line on stderr, with anything that came from outside cleaned for the
terminal (:mod:`leads.text`); nothing is printed through a markup-interpreting console.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, NoReturn, TextIO

import typer

from leads.ids import check_batch_id
from leads.text import one_line

if TYPE_CHECKING:
    from leads.settings import Settings


def get_settings() -> Settings:
    """The settings (:func:`leads.settings.get_settings`), imported on first use."""
    from leads.settings import get_settings as read_settings

    return read_settings()


def check_batch_option(value: str | None) -> str | None:
    """A ``--batch-id`` checked like every batch id (it names folders)."""
    if value is None:
        return None
    try:
        return check_batch_id(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


OutOption = Annotated[
    str | None, typer.Option("--out", help="write JSON Lines here ('-' for stdout)")
]
BatchOption = Annotated[
    str | None,
    typer.Option("--batch-id", help="batch id (default: a new one)", callback=check_batch_option),
]
InputArgument = Annotated[
    str | None, typer.Argument(help="JSON Lines file ('-' or nothing: standard input)")
]


def say(message: str) -> None:
    """One line on stderr; collected text in ``message`` cannot reach the terminal raw."""
    print(one_line(message), file=sys.stderr, flush=True)


def fail(message: str, code: int = 1) -> NoReturn:
    say(f"error: {message}")
    raise typer.Exit(code)


@contextmanager
def open_input(path: str | None) -> Iterator[BinaryIO]:
    """A file to read, or standard input for ``-`` or nothing. A missing path or a
    folder is one line and exit status 2, never a traceback."""
    if path in (None, "-"):
        if sys.stdin is None:
            fail("standard input is closed", 2)
        yield sys.stdin.buffer
        return
    target = Path(path)
    if target.is_dir():
        fail(f"{path}: is a folder, not a JSON Lines file", 2)
    try:
        handle = target.open("rb")
    except OSError as exc:
        fail(f"{path}: cannot be read ({exc.strerror or exc})", 2)
    with handle:
        yield handle


def check_not_input(out: str | None, input: str | None) -> None:
    """Refuses an ``--out`` that is the input file: opening it would empty the input."""
    if out in (None, "-") or input in (None, "-"):
        return
    try:
        same = Path(out).exists() and Path(out).samefile(input)
    except OSError:
        same = False
    if same:
        fail(f"--out {out} is the input file: it would be emptied before it is read", 2)


def input_name(path: str | None) -> str:
    """How dead letters and errors name the input: the file name, or ``stdin``."""
    return "stdin" if path in (None, "-") else Path(path).name


def open_out(out: str | None) -> TextIO | nullcontext[TextIO]:
    """The ``--out`` target: standard output for ``-`` or nothing, else the file."""
    if out in (None, "-"):
        if sys.stdout is None:
            fail("standard output is closed", 2)
        return nullcontext(sys.stdout)
    target = Path(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.open("w", encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot be written ({exc.strerror or exc})", 2)


def elasticsearch(settings: Settings | None = None) -> Any:
    """A checked client with the index templates in place, or one clear line and exit 1."""
    from leads.store import StoreError, connect, ensure_indices

    settings = settings or get_settings()
    try:
        es = connect(settings)
        ensure_indices(es, settings)
    except StoreError as exc:
        fail(f"{exc} (start one with `make es-up` or set ES_URL)")
    return es


def new_batch_id(prefix: str = "cli") -> str:
    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
