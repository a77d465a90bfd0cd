"""Streaming, defensive readers for the DOL files: OFLC disclosure workbooks (.xlsx),
WHD enforcement and debarment lists (.csv or .xlsx), SeasonalJobs job orders (.json).

Before a workbook is parsed, its zip directory is checked (member count, declared sizes,
compression ratio), so a zip bomb costs nothing. Then one of two readers reads its first
worksheet, both giving typed cells (numbers, dates, booleans, text) and the cached value
of a formula, never evaluating one; text that looks like a formula stays text:

- calamine (Rust), about twenty times faster, for a workbook that
  :func:`leads.guestworker.vetting.vet` has read through first (every member inflates to
  its declared size, no DTD, cells within a bounded grid, ...) and repacked; it holds the
  sheet in memory, at most ``vetting.MAX_CELLS`` cells;
- openpyxl in read-only mode for anything else: workbook XML parsed through defusedxml
  (:func:`assert_defused` checks), so entity tricks are refused, and rows streamed one
  at a time, so memory stays flat however big the sheet.

A bad cell is a row error naming the row number and the column; the row's other
records go on.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from leads.guestworker.layouts import LayoutError, Mapping, map_header
from leads.guestworker.vetting import NotVetted, vet
from leads.text import clean_json, may_hold_surrogates

MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 1024 * 1024 * 1024  # 1 GiB across the workbook
MAX_RATIO = 200  # uncompressed / compressed, per member (spreadsheets reach ~20)
MAX_JSON_BYTES = 200 * 1024 * 1024

INT_FIELDS = {
    "workers_needed",
    "workers_requested",
    "workers_certified",
    "housing_units",
    "housing_occupancy",
    "violations",
    "h2a_violations",
    "h2a_employees",
    "h2b_violations",
    "mspa_violations",
}
FLOAT_FIELDS = {
    "wage_offer",
    "wage_offer_to",
    "piece_rate_offer",
    "back_wages",
    "h2a_back_wages",
    "h2a_penalties",
    "h2b_back_wages",
}
DATE_FIELDS = {
    "received_date",
    "decision_date",
    "begin_date",
    "end_date",
    "findings_start",
    "findings_end",
    "start_date",
}
BOOL_FIELDS = {
    "labor_contractor",
    "meals_charged",
    "housing_transportation",
    "using_recruiter",
    "foreign_recruiter",
    "job_contract",
    "daily_transportation",
    "board_lodging",
}


STATE_FIELDS = {"employer_state", "worksite_state", "housing_state", "state"}
US_STATES = Path(__file__).with_name("us_states.tsv")


@lru_cache(maxsize=1)
def _states() -> dict[str, str]:
    """USPS code and upper-cased name -> code, for the states, DC and the territories."""
    table: dict[str, str] = {}
    for line in US_STATES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, name = line.split("\t")
            table[code] = table[name.upper()] = code
    return table


def state_code(cell: Any) -> str:
    """A US state or territory as its USPS code ("GA", "Georgia" -> "GA"); anything else
    is not a state, and the row is refused rather than filed under a made-up one."""
    text = " ".join(str(cell).split()).upper().rstrip(".")
    code = _states().get(text)
    if code is None:
        raise ValueError(f"{str(cell)[:40]!r} is not a US state or territory")
    return code


# Names, addresses, codes: what a DOL field holds. Longer is an error or an attack, and a
# key that long cannot even be searched for (Elasticsearch's term limit).
MAX_CELL_CHARS = 1_000
# The free text a job order or a disclosure carries, read for indicators.
FREE_TEXT_FIELDS = {"deductions", "job_duties", "wage_additional", "job_title"}


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise ValueError(f"{number} is not a finite number")
    return number


class FileError(ValueError):
    """A file that cannot be read at all (bomb, corrupt, wrong layout)."""


@dataclass
class Row:
    dataset: str
    number: int  # 1-based row number in the file (the header is row 1 in a sheet)
    values: dict[str, Any]


@dataclass
class RowError:
    number: int
    column: str
    reason: str


def check_zip(path: Path) -> None:
    """Refuses a zip whose directory promises too much, before anything is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise FileError(f"{path.name}: not a valid workbook (zip: {exc})") from None
    if len(infos) > MAX_MEMBERS:
        raise FileError(f"{path.name}: {len(infos)} zip members, over {MAX_MEMBERS}")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise FileError(
            f"{path.name}: declares {total:,} bytes uncompressed, over {MAX_UNCOMPRESSED:,} "
            "(zip bomb?)"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise FileError(
                f"{path.name}: member {info.filename} expands {ratio:,.0f}x "
                f"(over {MAX_RATIO}x: zip bomb?)"
            )


def assert_defused() -> None:
    """Raises unless openpyxl parses workbook XML through defusedxml."""
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        raise FileError("openpyxl is not using defusedxml: install defusedxml")


def _sheet_rows(path: Path) -> Iterator[Sequence[Any]]:
    """The first worksheet's rows from row 1, each a sequence of typed values; an empty
    cell is None, or "" from calamine; a date is a date or a datetime (see ``_typed``)."""
    check_zip(path)
    try:
        packed = vet(path)
    except NotVetted:
        yield from _streamed_rows(path)
        return
    yield from _calamine_rows(path, packed)


def _calamine_rows(path: Path, packed: bytes) -> Iterator[Sequence[Any]]:
    """Rows from row 1 and column A, as calamine gives them. An error cell (#N/A) reads
    as empty here, where openpyxl gives its text."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(packed))
        kinds = [sheet.typ for sheet in workbook.sheets_metadata]
        if SheetTypeEnum.WorkSheet not in kinds:
            raise FileError(f"{path.name}: no worksheet")
        sheet = workbook.get_sheet_by_index(kinds.index(SheetTypeEnum.WorkSheet))
        if sheet.start is None:
            return  # an empty sheet
        skipped = [None] * sheet.start[1]  # calamine leaves out empty leading columns
        for row in sheet.iter_rows():  # from row 1, empty rows included
            yield skipped + row if skipped else row
    except FileError:
        raise
    except Exception as exc:  # calamine's own errors (XmlError, ZipError, ...)
        raise FileError(f"{path.name}: corrupted workbook ({type(exc).__name__}: {exc})") from None
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise FileError(f"{path.name}: corrupted workbook (calamine: {exc})") from None


def _streamed_rows(path: Path) -> Iterator[Sequence[Any]]:
    assert_defused()
    import openpyxl
    from defusedxml import DefusedXmlException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        # openpyxl re-raises defusedxml's refusal as its own ValueError: look inside.
        unsafe = next(
            (
                e
                for e in (exc, exc.__cause__, exc.__context__)
                if isinstance(e, DefusedXmlException)
            ),
            None,
        )
        if unsafe is not None:
            raise FileError(f"{path.name}: refused unsafe XML ({type(unsafe).__name__})") from None
        raise FileError(f"{path.name}: corrupted workbook ({type(exc).__name__}: {exc})") from None
    try:
        if not workbook.worksheets:
            raise FileError(f"{path.name}: no worksheet")
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    except DefusedXmlException as exc:
        raise FileError(f"{path.name}: refused unsafe XML ({type(exc).__name__})") from None
    except FileError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as exc:
        raise FileError(f"{path.name}: corrupted workbook ({type(exc).__name__}: {exc})") from None
    finally:
        workbook.close()


def csv_encoding(path: Path) -> str:
    """UTF-8 when the whole file decodes as UTF-8, else Windows-1252 (what older DOL
    extracts are written in): read strictly either way, never with replaced bytes."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


class BadCsvRow(ValueError):
    """A CSV record the csv module could not read (its number is the reader's line)."""


def _csv_rows(path: Path) -> Iterator[tuple[Any, ...] | BadCsvRow]:
    with path.open(newline="", encoding=csv_encoding(path)) as handle:
        reader = csv.reader(handle)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a cell over the csv module's field limit
                yield BadCsvRow(f"unreadable CSV ({exc})")
                continue
            yield tuple(row)


def read_table(path: Path, dataset: str | None = None) -> Iterator[Row | RowError | Mapping]:
    """Yields the header :class:`Mapping` first, then a :class:`Row` or a
    :class:`RowError` per data row. Raises :class:`FileError` for an unusable file."""
    suffix = path.suffix.lower()
    rows: Iterator[Sequence[Any] | BadCsvRow]
    if suffix in (".xlsx", ".xlsm"):
        rows = _sheet_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise FileError(f"{path.name}: unknown file type {suffix!r} (xlsx, csv or json)")
    try:
        header = next(rows)
        if isinstance(header, BadCsvRow):
            raise FileError(f"{path.name}: the header row is {header}")
    except StopIteration:
        raise FileError(f"{path.name}: empty file") from None
    except UnicodeDecodeError as exc:
        raise FileError(f"{path.name}: not text ({exc})") from None
    try:
        mapping = map_header(list(header), dataset)
    except LayoutError as exc:
        raise FileError(f"{path.name}: {exc}") from None
    yield mapping
    for number, raw in enumerate(rows, start=2):
        if isinstance(raw, BadCsvRow):
            yield RowError(number, "(row)", str(raw))
            continue
        if not any(v not in (None, "") for v in raw):
            continue  # blank line
        yield convert(mapping, raw, number)


def convert(mapping: Mapping, raw: Sequence[Any], number: int) -> Row | RowError:
    """One row's typed values, or the first cell that makes the row unusable: a value
    that is not of its column's type, or a required value that is missing (the header
    having the column says nothing about each row)."""
    values: dict[str, Any] = {}
    width = len(raw)
    for name, index in mapping.columns.items():
        cell = raw[index] if index < width else None
        if type(cell) is str and name not in _TYPED_FIELDS and len(cell) <= MAX_CELL_CHARS:
            values[name] = cell.strip() or None  # most cells: _typed's first case, inline
            continue
        try:
            values[name] = _typed(name, cell)
        except (ValueError, OverflowError) as exc:
            if name in STATE_FIELDS and name not in mapping.required:
                # A typo in an optional place (a worksite, the housing) is not worth the
                # employer's row: the place is left empty and the row noted.
                values[name] = None
                values.setdefault("unreadable", []).append(f"{mapping.header[index]}: {exc}")
                continue
            return RowError(number, mapping.header[index], f"{exc}")
    for name in mapping.required:
        if values.get(name) is None:
            return RowError(number, mapping.header[mapping.columns[name]], "required value missing")
    return Row(mapping.dataset, number, values)


_TYPED_FIELDS = (
    INT_FIELDS | FLOAT_FIELDS | DATE_FIELDS | STATE_FIELDS | BOOL_FIELDS | FREE_TEXT_FIELDS
)


def _typed(name: str, cell: Any) -> Any:
    """A cell as its field's type; ValueError (or OverflowError) says why it is not."""
    if type(cell) is str and name not in _TYPED_FIELDS:
        # Most cells: text in a name, address or code field. What the general way gives.
        text = cell.strip()
        if text and len(cell) > MAX_CELL_CHARS:
            raise ValueError(f"is {len(cell):,} characters; a DOL field holds at most "
                             f"{MAX_CELL_CHARS:,}")  # fmt: skip
        return text or None
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    # One value, whichever reader read it: 38.0 is 38, a date cell is a datetime.
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    elif type(cell) is date:  # noqa: E721 (a datetime is a date too)
        cell = datetime(cell.year, cell.month, cell.day)
    if isinstance(cell, (dict, list)):
        raise ValueError("is a structure, not a value")
    if name not in FREE_TEXT_FIELDS and len(str(cell)) > MAX_CELL_CHARS:
        raise ValueError(f"is {len(str(cell)):,} characters; a DOL field holds at most "
                         f"{MAX_CELL_CHARS:,}")  # fmt: skip
    if name in INT_FIELDS:
        return int(_finite(float(str(cell).replace(",", ""))))
    if name in FLOAT_FIELDS:
        return _finite(float(str(cell).replace(",", "").replace("$", "")))
    if name in DATE_FIELDS:
        return _date(cell)
    if name in STATE_FIELDS:
        return state_code(cell)
    if name in BOOL_FIELDS:
        text = str(cell).strip().upper()
        if text in ("Y", "YES", "TRUE", "1"):
            return True
        if text in ("N", "NO", "FALSE", "0"):
            return False
        raise ValueError(f"{cell!r} is not Y/N")
    return str(cell).strip()


def _date(cell: Any) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float):  # an Excel serial day number
        return (date(1899, 12, 30) + timedelta(days=int(cell))).isoformat()
    text = str(cell).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%dT%H:%M:%S", "%d-%b-%Y"):
        try:
            return datetime.strptime(text[:19], fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date")


JOB_ORDER_FIELDS = {
    "case_number": "caseNumber",
    "program": "visaType",
    "employer_name": "empBusinessName",
    "trade_name": "empTradeName",
    "employer_phone": "empPhone",
    "employer_email": "empEmail",
    "job_title": "jobTitle",
    "job_duties": "jobDuties",
    "wage_offer": "wageOffer",
    "wage_additional": "wageAdditional",
    "deductions": "recPayDeductions",
    "worksite_city": "worksiteCity",
    "worksite_state": "worksiteState",
    "begin_date": "beginDate",
    "end_date": "endDate",
}


def read_job_orders(path: Path) -> Iterator[Row | RowError]:
    """SeasonalJobs job orders: a JSON list (or ``{"jobs": [...]}``) of orders."""
    if path.stat().st_size > MAX_JSON_BYTES:
        raise FileError(f"{path.name}: {path.stat().st_size:,} bytes, over {MAX_JSON_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FileError(f"{path.name}: not valid JSON ({exc})") from None
    except RecursionError:
        raise FileError(f"{path.name}: not valid JSON (nested too deeply)") from None
    if may_hold_surrogates(text):
        data, _ = clean_json(data)  # the edge where job-order text comes in
    orders = data.get("jobs") if isinstance(data, dict) else data
    if not isinstance(orders, list):
        raise FileError(f"{path.name}: expected a list of job orders")
    for number, order in enumerate(orders, start=1):
        if not isinstance(order, dict):
            yield RowError(number, "(order)", "job order is not a JSON object")
            continue
        missing = [k for k in ("caseNumber", "empBusinessName") if not order.get(k)]
        if missing:
            yield RowError(number, missing[0], "missing")
            continue
        values: dict[str, Any] = {}
        for name, key in JOB_ORDER_FIELDS.items():
            value = order.get(key)
            try:
                values[name] = _typed(name, value) if value is not None else None
            except (ValueError, OverflowError) as exc:
                # An order with its case number and employer is loaded; a field it gets
                # wrong is left empty and noted on the record (one order, one outcome).
                values[name] = None
                values.setdefault("unreadable", []).append(f"{key}: {exc}")
        recruiters = order.get("recruiters") or []
        values["recruiters"] = [
            r.get("name", "") for r in recruiters if isinstance(r, dict) and r.get("name")
        ]
        values["recruiter_countries"] = [
            r.get("country", "") for r in recruiters if isinstance(r, dict) and r.get("country")
        ]
        yield Row("job_orders", number, values)


def fiscal_year_of(path: Path) -> int | None:
    """``H-2A_Disclosure_Data_FY2024_Q4.xlsx`` -> 2024."""
    m = re.search(r"FY\s?(\d{4})", path.name, re.IGNORECASE)
    return int(m.group(1)) if m else None
