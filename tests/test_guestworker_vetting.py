"""The two workbook readers: calamine reads only what vetting checked, every hostile
workbook goes to the streaming openpyxl reader (or is refused) without ever reaching
calamine, and both readers give the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from demo.guestworker_samples import write_sample_set
from leads.guestworker import readers
from leads.guestworker.readers import FileError, Row, RowError, read_table
from leads.guestworker.vetting import (
    MAX_CELLS,
    NotVetted,
    column_number,
    letters_up_to,
    numbers_up_to,
    vet,
)
from tests.gw_workbooks import MAIN, SHEET, lying_workbook, sheet_xml, text, workbook

ROOT = Path(__file__).resolve().parent.parent
WHD = ("case_id", "legal_name", "st_cd", "cty_nm", "h2a_violtn_cnt", "findings_start_date")


def header(row: int = 1) -> str:
    cells = "".join(text(f"{chr(65 + i)}{row}", name) for i, name in enumerate(WHD))
    return f'<row r="{row}">{cells}</row>'


def whd_row(row: int, case: str, name: str, state: str = "GA", extra: str = "") -> str:
    cells = text(f"A{row}", case) + text(f"B{row}", name) + text(f"C{row}", state)
    return f'<row r="{row}">{cells}{text(f"D{row}", "Tifton")}{extra}</row>'


def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes every workbook go to the streaming reader, as one that fails vetting does."""

    def refuse(path: Path) -> bytes:
        raise NotVetted("forced: the streaming reader's turn")

    monkeypatch.setattr(readers, "vet", refuse)


def outcome(path: Path) -> list[Any]:
    """What read_table makes of a file: its rows and row errors, or the refusal."""
    try:
        return [e for e in read_table(path) if isinstance(e, Row | RowError)]
    except FileError as exc:
        return [f"refused: {exc}"]


# --- both readers read plain workbooks alike ------------------------------------------


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    files = write_sample_set(tmp_path_factory.mktemp("dol"), h2a_rows=200)
    return [p for p in files.values() if p.suffix == ".xlsx"]


def test_sample_workbooks_are_vetted_and_read_the_same_by_both_readers(
    samples: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = {}
    for path in samples:
        vet(path)  # plain workbooks pass: the fast reader reads them
        fast[path] = outcome(path)
    streamed(monkeypatch)
    for path in samples:
        assert outcome(path) == fast[path], path.name
        assert len(fast[path]) >= 40


def test_formulas_are_never_evaluated_and_text_like_a_formula_stays_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = (
        text("A2", '=HYPERLINK("http://127.0.0.1/x","click")')  # text, not a formula
        + '<c r="B2"><f>1+1</f></c>'  # a formula without a cached value
        + '<c r="C2"><f>SUM(1,2)</f><v>3</v></c>'  # its cached value, never recomputed
        + '<c r="D2" t="str"><f>A2</f><v>cached text</v></c>'
        + '<c r="E2" s="1"><v>45292</v></c>'  # a date cell
        + '<c r="F2" t="b"><v>1</v></c>'
        + text("G2", "@SUM(A1:A9)")
    )
    path = workbook(
        tmp_path / "formulas.xlsx",
        sheet_xml(f'<row r="1">{text("A1", "X")}</row><row r="2">{row}</row>'),
    )
    vet(path)
    expected = (
        '=HYPERLINK("http://127.0.0.1/x","click")',
        None,
        3,
        "cached text",
        datetime(2024, 1, 1),
        True,
        "@SUM(A1:A9)",
    )
    fast = list(readers._sheet_rows(path))
    streamed(monkeypatch)
    slow = list(readers._sheet_rows(path))
    assert as_openpyxl(fast[1]) == tuple(slow[1][: len(fast[1])]) == expected
    assert [type(v) for v in fast[1]] == [str, str, float, str, date, bool, str]
    # Each cell reads the same once typed, in a text field and in a date field.
    for got, want in zip(fast[1], slow[1], strict=False):
        assert readers._typed("trade_name", got) == readers._typed("trade_name", want)
    assert readers._typed("begin_date", fast[1][4]) == "2024-01-01"


def as_openpyxl(row: Sequence[Any]) -> tuple[Any, ...]:
    """A calamine row as openpyxl gives it: None for empty, a datetime for a date."""
    return tuple(
        None if v == "" else datetime(v.year, v.month, v.day) if type(v) is date else v  # noqa: E721
        for v in row
    )


def test_row_numbers_count_blank_rows_and_empty_leading_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = header() + whd_row(2, "7001", "Fakename Farms LLC") + whd_row(5, "", "No Case LLC")
    path = workbook(tmp_path / "gaps.xlsx", sheet_xml(rows))
    fast = outcome(path)
    assert isinstance(fast[1], RowError) and fast[1].number == 5
    assert fast[1].column == "case_id" and fast[1].reason == "required value missing"
    # A sheet that starts in column B: the positions still line up with the header.
    names = "".join(text(f"{chr(66 + i)}1", n) for i, n in enumerate(WHD))
    cells = text("B2", "7002") + text("C2", "Demo Orchard LLC") + text("D2", "WA")
    shifted = workbook(
        tmp_path / "shifted.xlsx", sheet_xml(f'<row r="1">{names}</row><row r="2">{cells}</row>')
    )
    fast_shifted = outcome(shifted)
    assert isinstance(fast_shifted[0], Row) and fast_shifted[0].values["state"] == "WA"
    streamed(monkeypatch)
    assert outcome(path) == fast
    assert outcome(shifted) == fast_shifted


# --- hostile workbooks never reach calamine -------------------------------------------

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRINGS_REL = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def wide_header() -> str:
    """The WHD header with one more cell, in the last column there is (XFD)."""
    return header()[: -len("</row>")] + text("XFD1", "notes") + "</row>"


def hostile(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each hostile workbook, and what vetting says about it."""
    plain = header() + whd_row(2, "7001", "Fakename Farms LLC")
    sheet = sheet_xml(plain)
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + sheet.decode()).encode("utf-16")
    return {
        # 16,384 columns by 5,000 rows: calamine builds the whole grid (2.6 GB) and aborts.
        "far_cell": (
            workbook(
                folder / "far_cell.xlsx",
                sheet_xml(wide_header() + whd_row(5000, "7002", "Demo Farm LLC")),
            ),
            "outside",
        ),
        # A legitimate sheet, only too big to hold: the streaming reader reads it.
        "over_budget": (
            workbook(
                folder / "over_budget.xlsx",
                sheet_xml(wide_header() + whd_row(400, "7003", "Sample Ranch LLC")),
            ),
            "outside",
        ),
        # calamine takes the last of two references.
        "two_refs": (
            workbook(
                folder / "two_refs.xlsx",
                sheet_xml(plain + '<row r="3"><c r="A3" r="XFD9000"><v>1</v></c></row>'),
            ),
            "not plain",
        ),
        # A prefixed cell is a cell to calamine.
        "prefixed": (
            workbook(
                folder / "prefixed.xlsx",
                sheet_xml(
                    plain + f'<row r="3"><x:c xmlns:x="{MAIN}" r="XFD3"><x:v>1</x:v></x:c></row>'
                ),
            ),
            "not plain",
        ),
        # A cell without a reference goes where its row says.
        "no_ref": (
            workbook(
                folder / "no_ref.xlsx", sheet_xml(plain + '<row r="900000"><c><v>1</v></c></row>')
            ),
            "not plain",
        ),
        # calamine reserves room for the declared number of shared strings (96 GB).
        "string_count": (
            workbook(
                folder / "string_count.xlsx",
                sheet,
                {
                    "xl/sharedStrings.xml": strings.encode(),
                    "xl/_rels/workbook.xml.rels": _STRINGS_REL.encode(),
                },
            ),
            "shared-string count",
        ),
        "dtd": (
            workbook(folder / "dtd.xlsx", b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + sheet),
            "markup declaration",
        ),
        "utf16": (workbook(folder / "utf16.xlsx", utf16), "NUL bytes"),
        "latin1": (
            workbook(
                folder / "latin1.xlsx", b'<?xml version="1.0" encoding="ISO-8859-1"?>' + sheet
            ),
            "declares encoding",
        ),
        # The directory says 500 bytes; the deflate stream holds the whole sheet.
        "inflates_past": (
            lying_workbook(folder / "inflates_past.xlsx", sheet, 500),
            "past its declared size",
        ),
        "trailing": (
            lying_workbook(folder / "trailing.xlsx", sheet, len(sheet), tail=b"\x00garbage"),
            "not one whole deflate stream",
        ),
        "short": (lying_workbook(folder / "short.xlsx", sheet, len(sheet) + 10), "size or CRC"),
    }


def test_hostile_workbooks_are_not_vetted_and_say_why(tmp_path: Path) -> None:
    for path, reason in hostile(tmp_path).values():
        with pytest.raises(NotVetted, match=reason):
            vet(path)


READ_ALL = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from leads.guestworker.readers import FileError, Row, RowError, read_table
out = {}
for path in map(Path, sys.argv[1:]):
    try:
        out[path.stem] = [e.number for e in read_table(path) if isinstance(e, Row | RowError)]
    except FileError as exc:
        out[path.stem] = str(exc)
print(json.dumps(out))
"""


def test_hostile_workbooks_are_read_or_refused_in_bounded_memory(tmp_path: Path) -> None:
    # In a child limited to 2 GiB of address space, where calamine given the far cell or
    # the shared-string count would abort: each file is read or refused, none is lost.
    cases = hostile(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", READ_ALL, *(str(path) for path, _ in cases.values())],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout)
    assert seen.pop("far_cell") == [5000] and seen.pop("over_budget") == [400]
    assert "unsafe XML" in seen.pop("dtd")
    assert "corrupted workbook" in seen.pop("two_refs")  # openpyxl refuses a repeated attribute
    # zipfile stops at the declared size: the sheet's XML is cut off.
    assert "corrupted workbook" in seen.pop("inflates_past")
    # The rest is XML openpyxl reads: the employer row, and the stray cell as a bad row.
    assert seen == {
        "prefixed": [2, 3],
        "no_ref": [2, 900000],
        "string_count": [2],
        "utf16": [2],
        "latin1": [2],
        "trailing": [2],
        "short": [2],
    }


CALAMINE_ALONE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from python_calamine import CalamineWorkbook
CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
"""


@pytest.mark.parametrize("case", ["far_cell", "string_count"])
def test_the_hostile_cases_are_real_calamine_alone_aborts(tmp_path: Path, case: str) -> None:
    path, _ = hostile(tmp_path)[case]
    run = subprocess.run(
        [sys.executable, "-c", CALAMINE_ALONE, str(path)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert run.returncode < 0 and b"memory allocation" in run.stderr


def test_only_the_checked_xml_members_are_repacked_byte_for_byte(tmp_path: Path) -> None:
    sheet = sheet_xml(header() + whd_row(2, "7001", "Fakename Farms LLC"))
    path = workbook(
        tmp_path / "with_media.xlsx",
        sheet,
        {"xl/media/image1.png": b"\x89PNG\x00" * 50, "xl/vbaProject.bin": b"\x00" * 64},
    )
    packed = tmp_path / "packed.zip"
    packed.write_bytes(vet(path))
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(packed) as repacked:
        kept = {i.filename: i for i in repacked.infolist()}
        assert set(kept) == {n for n in original.namelist() if n.endswith((".xml", ".rels"))}
        assert SHEET in kept
        for name, info in kept.items():
            source = original.getinfo(name)
            assert (info.CRC, info.compress_size, info.file_size) == (
                source.CRC, source.compress_size, source.file_size,
            )  # fmt: skip
            assert repacked.read(name) == original.read(name)


# --- the grid bound -------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 7, 9, 10, 19, 99, 100, 101, 1000, 20001, MAX_CELLS // 46])
def test_numbers_up_to_matches_exactly_one_to_the_limit(limit: int) -> None:
    import re

    pattern = re.compile(numbers_up_to(limit))
    probes = {*range(1, 120), *range(max(1, limit - 150), limit + 150), limit * 10, limit * 10 + 1}
    for n in probes:
        assert bool(pattern.fullmatch(str(n))) == (n <= limit), (limit, n)
    assert not pattern.fullmatch("0") and not pattern.fullmatch(f"0{limit}")


@pytest.mark.parametrize("column", ["A", "Z", "AA", "AT", "AZ", "BA", "ZZ", "AAA", "XFD"])
def test_letters_up_to_matches_exactly_a_to_the_column(column: str) -> None:
    import re

    from demo.xlsx import column_letters

    pattern = re.compile(letters_up_to(column))
    limit = column_number(column)

    for n in [*range(1, 800), *range(max(1, limit - 800), limit + 800)]:
        name = column_letters(n)
        assert bool(pattern.fullmatch(name)) == (n <= limit), (column, name)


def test_calamine_reads_the_vetted_copy_not_the_file_again(tmp_path: Path) -> None:
    # Whatever the file becomes after vetting (rewritten, swapped), calamine reads the
    # bytes that were checked.
    path = workbook(
        tmp_path / "swapped.xlsx", sheet_xml(header() + whd_row(2, "7001", "Fakename Farms LLC"))
    )
    packed = vet(path)
    hostile(tmp_path)["far_cell"][0].replace(path)
    rows = list(readers._calamine_rows(path, packed))
    assert rows[1][:2] == ["7001", "Fakename Farms LLC"] and len(rows) == 2
