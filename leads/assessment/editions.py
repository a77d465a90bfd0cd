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
from dataclasses import dataclass
from typing import Any, Literal

from leads.assessment.cells import Amount, Cell, Change, Count, Figure, Share, Table, Text
from leads.stats import wilson

SMALL = 3  # counts below this are suppressed in the shareable edition
HIDDEN = "<3"
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
    if shareable and min(c.current, c.previous) < SMALL:
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


def shown_table(table: Table, edition: Edition) -> ShownTable | None:
    """The table as this edition shows it, or None when the edition leaves it out."""
    if edition == "shareable" and table.entity_rows:
        return None
    keep = list(range(len(table.columns)))
    withheld = ""
    rows = table.rows
    if edition == "shareable":
        sensitive = {
            i for row in rows for i, c in enumerate(row) if isinstance(c, Text) and c.sensitive
        }
        keep = [i for i in keep if i not in sensitive]
        if table.total_row and any(_hides(c) for row in rows[:-1] for c in row):
            rows = rows[:-1]  # the total minus the rest would give a hidden count back
            withheld = "The total is left out: it would give back a count under 3."
    numeric = [
        any(isinstance(row[i], Count | Amount | Share | Change) for row in rows) for i in keep
    ]
    return ShownTable(
        [table.columns[i] for i in keep],
        [[show(row[i], edition) for i in keep] for row in rows],
        numeric,
        table.caption,
        withheld,
    )


# Fields whose values name someone or something to look at: their value lists are
# withheld from the queries printed in the shareable edition.
SENSITIVE_FIELDS = {"selectors", "network.selector", "case_numbers", "case_number", "agent_key"}
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
