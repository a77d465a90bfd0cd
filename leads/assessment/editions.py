"""The two editions, as one set of rules.

The full edition is for the task force only: every count, and the selectors, names,
case numbers and queries behind the figures. The shareable edition is for partners
outside it: counts under 3 are shown as "<3" (and so are shares, sums and changes that
rest on them, and totals that would give a hidden count back), tables whose rows are
people, businesses or selectors are left out, text that names anyone is left out, tips
are left out, and the value lists in the queries are withheld.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from leads.assessment.cells import Amount, Cell, Change, Count, Figure, Share, Table, Text
from leads.stats import wilson

SMALL = 3  # counts below this are suppressed in the shareable edition
HIDDEN = "<3"
SECONDARY = "(withheld)"  # hidden only so that totals cannot give a hidden count back
Edition = Literal["full", "shareable"]


@dataclass
class ShownTable:
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column: right-aligned figures
    caption: str
    withheld: str = ""  # why part of the table is not shown


def ratio_interval(current: int, previous: int, z: float = 1.96) -> tuple[float, float, float]:
    """The rate ratio current/previous with its 95% interval (Poisson, on the log scale)."""
    ratio = current / previous
    half = z * math.sqrt(1 / current + 1 / previous)
    return ratio, ratio * math.exp(-half), ratio * math.exp(half)


# Below this many on either side a change is reported as too small to tell.
MIN_FOR_CHANGE = 10


def _count(n: int, shareable: bool) -> str:
    return HIDDEN if shareable and n < SMALL else f"{n:,}"


def _share(c: Share, shareable: bool) -> str:
    if c.n == 0:
        return "no ads"
    if shareable and min(c.k, c.n, c.n - c.k) < SMALL:
        return HIDDEN
    low, high = wilson(c.k, c.n)
    text = f"{100 * c.k / c.n:.0f}% (95% {100 * low:.0f}–{100 * high:.0f}%)"
    return text if shareable else f"{text}, {c.k:,} of {c.n:,}"


def _change(c: Change, shareable: bool) -> str:
    if shareable and (min(c.current, c.previous) < SMALL or (c.basis or SMALL) < SMALL):
        return HIDDEN
    diff = c.current - c.previous
    word = "up" if diff > 0 else "down"
    if diff == 0:
        head = "no change"
    elif shareable:  # both counts are shown beside it: the percentage says the rest
        head = f"{word} {100 * abs(diff) / c.previous:.0f}%"
    elif c.previous:
        head = f"{word} {abs(diff):,} ({100 * diff / c.previous:+.0f}%)"
    else:
        head = f"up {diff:,} (none before)"
    if min(c.current, c.previous) < MIN_FOR_CHANGE:
        return f"{head}; too few to tell"
    ratio, low, high = ratio_interval(c.current, c.previous)
    verdict = "could be chance" if low <= 1 <= high else "beyond chance"
    return f"{head}; ratio {ratio:.2f} (95% {low:.2f}–{high:.2f}), {verdict}"


def show(cell: Cell, edition: Edition) -> str:
    shareable = edition == "shareable"
    match cell:
        case None:
            return ""
        case Count(n=n):
            return _count(n, shareable)
        case Share():
            return _share(cell, shareable)
        case Amount(value=v, basis=basis, unit=unit):
            # A sum of things (violations) under 3 is as telling as a count under 3.
            if shareable and (basis < SMALL or (unit != "$" and v < SMALL)):
                return HIDDEN
            return f"${v:,.0f}" if unit == "$" else f"{v:,.0f}{' days' if unit == 'days' else ''}"
        case Change():
            return _change(cell, shareable)
        case Text(value=v):
            return v
    raise TypeError(f"not a cell: {cell!r}")


def _hides(cell: Cell) -> bool:
    match cell:
        case Count(n=n):
            return n < SMALL
        case Amount(value=v, basis=b, unit=unit):
            return b < SMALL or (unit != "$" and v < SMALL)
    return False


def _value(cell: Cell) -> float:
    match cell:
        case Count(n=n):
            return n
        case Amount(value=v):
            return v
    return 0.0


# Hidden cells of one line must add up to at least this much, so that their sum (a total
# minus what is shown) never pins one of them down as a count under 3.
MIN_HIDDEN_SUM = 5


def _withheld(table: Table) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The cells the shareable edition hides: those under 3 (primary), and enough others
    (secondary) that no line gives one back. A line is a column or a row that adds up to
    a total — the total is one of its cells, shown or hidden — or the rows of a table
    whose rows split a total printed elsewhere (``partition``). A line with hidden cells
    gets more hidden until it has at least two and they add up to MIN_HIDDEN_SUM.
    A count beside a share whose complement is under 3 is hidden too (the total is
    printed elsewhere)."""
    rows = table.rows
    primary = {(r, c) for r, row in enumerate(rows) for c, cell in enumerate(row) if _hides(cell)}
    for r, row in enumerate(rows):
        for cell in row:
            if isinstance(cell, Share) and cell.n - cell.k < SMALL:
                primary |= {(r, c) for c, x in enumerate(row) if x == Count(cell.k)}
    hideable = {
        (r, c)
        for r, row in enumerate(rows)
        for c, cell in enumerate(row)
        if isinstance(cell, Count | Amount)
    }
    last_row, last_col = len(rows) - 1, len(table.columns) - 1
    lines: list[list[tuple[int, int]]] = []
    for c in range(len(table.columns)):
        if table.partition or (table.total_row and (last_row, c) in hideable):
            lines.append([(r, c) for r in range(len(rows)) if (r, c) in hideable])
    for r in range(len(rows)):
        if table.total_column and (r, last_col) in hideable:
            lines.append([(r, c) for c in range(len(table.columns)) if (r, c) in hideable])
    hidden, secondary = set(primary), set()

    def value(x: tuple[int, int]) -> float:
        return _value(rows[x[0]][x[1]])

    changed = True
    while changed:
        changed = False
        for line in lines:
            hid = [x for x in line if x in hidden]
            if not hid or len(line) < 2:
                continue
            if len(hid) >= 2 and sum(value(x) for x in hid) >= MIN_HIDDEN_SUM:
                continue
            shown = [x for x in line if x not in hidden]
            if not shown:
                continue
            # Not the smallest: the smallest cell that brings the hidden sum to the floor
            # (a partner that is itself barely over 3 would be pinned down with the rest).
            need = MIN_HIDDEN_SUM - sum(value(x) for x in hid)
            enough = [x for x in shown if value(x) >= need]
            extra = (
                min(enough or shown, key=lambda x: (value(x), x))
                if enough
                else max(shown, key=lambda x: (value(x), x))
            )
            hidden.add(extra)
            secondary.add(extra)
            changed = True
    return primary, secondary


FOLDED = "others, each under 3"


def _fold(table: Table) -> Table:
    """The rows whose every figure is under 3, summed into one row (``found_rows``)."""
    body = table.rows[:-1] if table.total_row else table.rows
    figures = [[c for c in row if isinstance(c, Count | Amount)] for row in body]
    small = [i for i, cells in enumerate(figures) if cells and all(_hides(c) for c in cells)]
    if not small:
        return table
    merged: list[Cell] = [Text(FOLDED)]
    for column in range(1, len(table.columns)):
        cells = [body[i][column] for i in small]
        if all(isinstance(c, Count) for c in cells):
            merged.append(Count(sum(c.n for c in cells if isinstance(c, Count))))
        elif all(isinstance(c, Count | Amount) for c in cells):
            basis = sum(
                c.basis if isinstance(c, Amount) else c.n
                for c in cells
                if isinstance(c, Count | Amount)
            )
            merged.append(Amount(sum(_value(c) for c in cells), basis))
        else:
            merged.append(None)
    rows = [row for i, row in enumerate(body) if i not in small] + [merged]
    return replace(table, rows=rows + ([table.rows[-1]] if table.total_row else []))


def shown_table(table: Table, edition: Edition) -> ShownTable | None:
    """The table as this edition shows it, or None when the edition leaves it out."""
    if edition == "shareable" and table.entity_rows:
        return None
    # Columns that name anyone are found before small rows fold (a folded row names no one).
    sensitive = {
        i for row in table.rows for i, c in enumerate(row) if isinstance(c, Text) and c.sensitive
    }
    if edition == "shareable" and table.found_rows:
        table = _fold(table)
    keep = list(range(len(table.columns)))
    order = list(range(len(table.rows)))
    hidden: set[tuple[int, int]] = set()
    withheld = ""
    if edition == "shareable":
        keep = [i for i in keep if i not in sensitive]
        primary, secondary = _withheld(table)
        hidden = primary | secondary
        if any(not _hides(table.rows[r][c]) for r, c in hidden):
            withheld = (
                f"Cells marked {SECONDARY} are hidden although not under 3: with the totals "
                "they would give back a count under 3."
            )
        if table.by_value:  # a hidden value's rank would bound it: order by label
            body = order[:-1] if table.total_row else order
            body.sort(key=lambda r: show(table.rows[r][0], edition))
            order = body + ([order[-1]] if table.total_row else [])
    rows = [table.rows[r] for r in order]
    numeric = [
        any(isinstance(row[i], Count | Amount | Share | Change) for row in rows) for i in keep
    ]

    def cell(r: int, i: int) -> str:
        value = table.rows[r][i]
        if (r, i) in hidden:
            return HIDDEN if _hides(value) else SECONDARY
        return show(value, edition)

    return ShownTable(
        [table.columns[i] for i in keep],
        [[cell(r, i) for i in keep] for r in order],
        numeric,
        table.caption,
        withheld,
    )


def visible(table: Table, edition: Edition) -> Callable[[str, str], bool]:
    """Whether the edition's table shows the value in a row (by its first cell) and a
    column: what a picture of the table may draw."""
    if edition == "full":
        return lambda row, column: True
    shown = shown_table(table, edition)
    if shown is None:
        return lambda row, column: False
    cells = {
        (r[0], column): value not in (HIDDEN, SECONDARY)
        for r in shown.rows
        for column, value in zip(shown.columns, r, strict=True)
    }
    return lambda row, column: cells.get((row, column), False)


# Fields whose values name someone or something to look at: their value lists are
# withheld from the queries printed in the shareable edition.
SENSITIVE_FIELDS = {
    "selectors",
    "selector",
    "network.selector",
    "case_numbers",
    "case_number",
    "agent_key",
}
WITHHELD = "(values withheld)"


def redact(value: Any) -> Any:
    """A query with the value lists of SENSITIVE_FIELDS withheld."""
    if isinstance(value, list):
        return [redact(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "terms" and isinstance(item, dict):
            field = item.get("field")
            out[key] = {
                k: WITHHELD
                if (k in SENSITIVE_FIELDS and isinstance(v, list))
                or (k == "include" and field in SENSITIVE_FIELDS)
                else redact(v)
                for k, v in item.items()
            }
        else:
            out[key] = redact(item)
    return out


def figures_of(figures: list[Figure], edition: Edition) -> list[Figure]:
    return [f for f in figures if edition == "full" or not f.full_only]
