"""What a figure is made of: typed cells, tables, pictures and the queries behind them.

Cells carry what they are — a count, a share, an amount resting on a count, a text that
may name someone — so that the shareable edition can suppress and leave out by type,
in one place (``editions.py``), instead of each figure remembering to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Count:
    n: int


@dataclass(frozen=True)
class Share:
    """``k`` of ``n``, shown with its 95% Wilson interval."""

    k: int
    n: int


@dataclass(frozen=True)
class Amount:
    """A sum or a value that rests on ``basis`` records (suppressed with them)."""

    value: float
    basis: int
    unit: Literal["", "$", "days"] = ""


@dataclass(frozen=True)
class Text:
    value: str
    # A selector, a person's or business's name, a URL or a case number: never in the
    # shareable edition.
    sensitive: bool = False


@dataclass(frozen=True)
class Change:
    """A count now against the same count in the previous period. ``basis``: the fewer
    of the records the two rest on, when they are sums (workers on applications)."""

    current: int
    previous: int
    basis: int | None = None


Cell = Count | Share | Amount | Text | Change | None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    # Rows that are people, businesses or selectors (one row each): the shareable edition
    # leaves the whole table out rather than show them without their names.
    entity_rows: bool = False
    total_row: bool = False  # the last row is a total of the rows above
    total_column: bool = False  # the last column is a total of the figures left of it
    # The rows split a total printed elsewhere (places of the region's ads, counties of
    # its workers): no column may be left with one hidden row.
    partition: bool = False
    # Rows ordered by their values: the shareable edition orders them by label instead,
    # or a hidden value's place in the order would bound it.
    by_value: bool = False
    # Rows exist only where something was found (a place, a county, an industry): a row
    # says "at least one", so the shareable edition folds rows whose every figure is
    # under 3 into one row rather than list them.
    found_rows: bool = False

    def row(self, key: str) -> list[Cell]:
        """The row whose first cell reads ``key``."""
        for row in self.rows:
            first = row[0]
            if isinstance(first, Text) and first.value == key:
                return row
        raise KeyError(key)

    def cell(self, key: str, column: str) -> Cell:
        return self.row(key)[self.columns.index(column)]


@dataclass(frozen=True)
class Query:
    kind: str  # the index kind (leads, gw-records, ...)
    body: dict[str, Any]


@dataclass
class Picture:
    """What to draw; ``plots.draw`` turns it into a PNG for one edition."""

    kind: Literal["stacked_bars", "hbars", "bars", "region_map", "circuit_map", "choropleth"]
    data: dict[str, Any]


@dataclass
class Figure:
    key: str  # "sex.volume"
    part: Literal["sex", "labor", "change", "tips"]
    title: str
    about: str  # what the figure counts, in words (never a number)
    tables: list[Table]
    queries: list[Query]
    data_hash: str
    picture: Picture | None = None
    notes: list[str] = field(default_factory=list)
    full_only: bool = False  # tips: never in a shareable report

    def table(self, caption: str | None = None) -> Table:
        if caption is None:
            return self.tables[0]
        return next(t for t in self.tables if t.caption == caption)
