"""Spreadsheet exports that cannot run what they carry.

Collected text is hostile: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to Excel and LibreOffice (OWASP "CSV injection"). In XLSX
every cell is written with the string type, so the text stays intact and never becomes a
formula. CSV has no types: such a cell is prefixed with a single quote, the mitigation
OWASP gives, and the quote is the only change.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
            n += 1
    return n


def write_xlsx(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]], path: Path) -> int:
    """Each sheet's header and rows, every cell a string (numbers as written)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=False)
    book.remove(book.active)
    n = 0
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for r, row in enumerate([header, *rows], 1):
            for c, value in enumerate(row, 1):
                cell = sheet.cell(row=r, column=c)
                # Control characters XML cannot hold become U+FFFD, not a failed export.
                text = "" if value is None else str(value)
                cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
                cell.data_type = "s"  # text, whatever it starts with
            n += 1
    book.save(path)
    return n
