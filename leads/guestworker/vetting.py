"""Vetting a workbook for the fast reader, and repacking exactly what was vetted.

calamine (Rust, ``python-calamine``) reads a sheet about twenty times faster than
openpyxl, but it trusts a workbook in ways openpyxl does not: it holds the sheet in
memory as a dense grid of its used range (one cell at XFD1048576 asks for half a
terabyte and aborts the process), it reserves memory for the shared-string count the
file declares, it inflates a zip member to its end whatever size the directory
declared, and its XML parser is not defusedxml. So it reads a workbook only after
:func:`vet` has read every byte it will parse and found that:

- every XML member (``.xml``, ``.rels``; nothing else is kept) is stored or deflated,
  not encrypted, inflates to exactly the size and CRC-32 its directory entry declares,
  and no two members share a name; together they are within ``MAX_XML_BYTES``;
- no member holds a markup declaration (``<!DOCTYPE``, ``<!ENTITY``: what XML bombs are
  made of) or a NUL byte (UTF-16 or UTF-32, which these byte checks would not see), and
  none declares an encoding other than UTF-8;
- every cell tag is written ``<c r="B7" s="3" t="s">`` (a reference, then only the
  attributes a cell has) and lies within a box of at most ``MAX_CELLS`` cells, which
  bounds the grid calamine builds;
- a declared shared-string count is at most ``MAX_SHARED_STRINGS``.

What passes is repacked into a new archive of those members, their compressed bytes
copied unchanged, so calamine reads what was checked and not another reading of a
crafted zip directory. Anything else raises :class:`NotVetted`, and the workbook is read
by the streaming openpyxl reader through defusedxml, as before: vetting refuses nothing
that reader would read, it only chooses the reader.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MAX_XML_BYTES = 256 * 1024 * 1024  # inflated XML calamine may read into memory
# Cells in the grid calamine builds (about 100 bytes each with their text): 140 columns
# by 35,000 rows. A bigger sheet streams through openpyxl in flat memory.
MAX_CELLS = 5_000_000
MAX_SHARED_STRINGS = 5_000_000
CHUNK = 4 * 1024 * 1024
# What follows a piece's last "<" waits for the next piece: a tag, or a cell's text
# (Excel holds at most 32,767 characters in a cell).
MAX_CARRY = 1024 * 1024

_XML_SUFFIXES = (".xml", ".rels")
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
# A markup declaration: anything opened by "<!" but a comment or a CDATA section.
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")
_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_UNIQUE_COUNT = re.compile(rb'\suniqueCount="([0-9]{1,9})"')
# A cell reference as a plain cell tag starts: `<c r="AB12"`.
_FIRST_REFS = re.compile(rb'<c r="([A-Z]{1,3})[1-9][0-9]{0,6}"')
# A cell tag (a start tag whose local name is "c", as calamine's parser sees it) that is
# not plain: a reference first, then only the attributes a cell has, in double quotes.
_NOT_PLAIN = re.compile(
    rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*/?>)[\s/>]'
)
_MAYBE_PREFIXED = re.compile(rb":c[\s/>]")  # cheap first look for the one below
_PREFIXED = re.compile(rb"<[^\s<>/!?\"'=]*:c[\s/>]")


class NotVetted(Exception):
    """The workbook is not for the fast reader (the message says why)."""


def vet(path: Path) -> bytes:
    """The workbook's XML members repacked for calamine, or :class:`NotVetted`."""
    try:
        with path.open("rb") as handle, zipfile.ZipFile(handle) as archive:
            return _vet(handle, archive)
    except zipfile.BadZipFile as exc:
        raise NotVetted(f"not a zip file ({exc})") from None


def _vet(handle: BinaryIO, archive: zipfile.ZipFile) -> bytes:
    """Checks every XML member, then repacks them (see the module docstring)."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise NotVetted("two zip members share a name")
    xml = [info for info in infos if info.filename.lower().endswith(_XML_SUFFIXES)]
    total = sum(info.file_size for info in xml)
    if total > MAX_XML_BYTES:
        raise NotVetted(f"{total:,} bytes of XML, over {MAX_XML_BYTES:,} to hold in memory")
    members = []
    for info in xml:
        raw = _raw_member(handle, info)
        _check_xml(info.filename, _inflated(info, raw))
        members.append((info, raw))
    return _repack(members)


def _raw_member(handle: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes, found through its local header like zipfile does."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise NotVetted(f"{info.filename}: local header cut short")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    name = handle.read(name_length)
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if signature != b"PK\x03\x04" or name.decode(encoding, "replace") != info.orig_filename:
        raise NotVetted(f"{info.filename}: local header does not match the directory")
    handle.seek(extra_length, io.SEEK_CUR)
    raw = handle.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise NotVetted(f"{info.filename}: cut short")
    return raw


def _inflated(info: zipfile.ZipInfo, raw: bytes) -> Iterator[bytes]:
    """The member's bytes in pieces; raises at the end unless they are exactly what its
    directory entry declares (size and CRC-32) and the deflate stream ends there."""
    if info.flag_bits & 0x1:
        raise NotVetted(f"{info.filename}: encrypted")
    size = crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for start in range(0, len(raw), CHUNK):
            piece = raw[start : start + CHUNK]
            size, crc = size + len(piece), zlib.crc32(piece, crc)
            yield piece
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = raw
        while not inflater.eof:
            try:
                piece = inflater.decompress(pending, CHUNK)
            except zlib.error as exc:
                raise NotVetted(f"{info.filename}: {exc}") from None
            pending = inflater.unconsumed_tail
            if not piece and not pending:
                break  # the stream stops before its end
            size, crc = size + len(piece), zlib.crc32(piece, crc)
            if size > info.file_size:
                raise NotVetted(f"{info.filename}: inflates past its declared size")
            yield piece
        if not inflater.eof or inflater.unused_data:
            raise NotVetted(f"{info.filename}: not one whole deflate stream")
    else:
        raise NotVetted(f"{info.filename}: compression method {info.compress_type}")
    if size != info.file_size or crc != info.CRC:
        raise NotVetted(f"{info.filename}: size or CRC differs from its directory entry")


def _check_xml(name: str, pieces: Iterator[bytes]) -> None:
    """Reads a member through, in pieces cut before a tag so that no tag is split."""
    cells: re.Pattern[bytes] | None = None
    carry = b""
    first = True
    for piece in pieces:
        data = carry + piece
        if first:
            first = False
            declared = _ENCODING.match(data.lstrip(b"\xef\xbb\xbf \t\r\n")[:256])
            if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
                raise NotVetted(f"{name}: declares encoding {declared.group(1)!r}")
        cut = data.rfind(b"<")
        whole, carry = (data, b"") if cut < 0 else (data[:cut], data[cut:])
        if len(carry) > MAX_CARRY:
            raise NotVetted(f"{name}: over {MAX_CARRY:,} bytes without a tag")
        cells = _check_piece(name, whole, cells)
    _check_piece(name, carry, cells)


def _check_piece(
    name: str, data: bytes, cells: re.Pattern[bytes] | None
) -> re.Pattern[bytes] | None:
    """Checks one piece; returns the member's cell check (set by its first cells)."""
    if b"\x00" in data:
        raise NotVetted(f"{name}: NUL bytes (not UTF-8 XML)")
    if _DECLARATION.search(data):
        raise NotVetted(f"{name}: a markup declaration (DOCTYPE or ENTITY)")
    declared = data.count(b"uniqueCount")
    if declared:
        counts = _UNIQUE_COUNT.findall(data)
        if len(counts) != declared or max(int(c) for c in counts) > MAX_SHARED_STRINGS:
            raise NotVetted(f"{name}: a shared-string count over {MAX_SHARED_STRINGS:,}")
    if _NOT_PLAIN.search(data) or (_MAYBE_PREFIXED.search(data) and _PREFIXED.search(data)):
        raise NotVetted(f'{name}: a cell tag that is not plain (<c r="B7" s="3" t="s">)')
    if cells is None:
        columns = _FIRST_REFS.findall(data)
        if not columns:
            return None
        widest = max(columns, key=column_number)
        cells = _outside(widest.decode(), MAX_CELLS // column_number(widest))
    found = cells.search(data)
    if found:
        tag = data[found.start() : found.start() + 24]
        raise NotVetted(f"{name}: cell {tag!r}… lies outside the {MAX_CELLS:,}-cell grid")
    return cells


def _outside(column: str, rows: int) -> re.Pattern[bytes]:
    """Matches a plain cell tag outside columns A..``column`` and rows 1..``rows``."""
    inside = f"{letters_up_to(column)}{numbers_up_to(rows)}".encode()
    return re.compile(rb'<c r="(?!' + inside + rb'")')


def column_number(letters: bytes | str) -> int:
    """Spreadsheet column letters as a number: A = 1, Z = 26, AA = 27."""
    number = 0
    for char in letters.encode() if isinstance(letters, str) else letters:
        number = number * 26 + char - 64
    return number


def numbers_up_to(limit: int) -> str:
    """A regular expression for the numbers 1..``limit`` written without leading zeros."""
    digits = str(limit)
    parts = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, char in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(char) > low:
            parts.append(f"{digits[:i]}[{low}-{int(char) - 1}][0-9]{{{len(digits) - i - 1}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


def letters_up_to(column: str) -> str:
    """A regular expression for the column names A..``column`` (upper case)."""
    parts = [f"[A-Z]{{1,{len(column) - 1}}}"] if len(column) > 1 else []
    for i, char in enumerate(column):
        if char > "A":
            parts.append(f"{column[:i]}[A-{chr(ord(char) - 1)}][A-Z]{{{len(column) - i - 1}}}")
    parts.append(column)
    return "(?:" + "|".join(parts) + ")"


def _repack(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A plain zip of these members: compressed bytes as they were, sizes and CRCs as
    verified, one directory entry each (no extra fields, no data descriptors)."""
    out = io.BytesIO()
    directory = io.BytesIO()
    for info, raw in members:
        name = info.filename.encode("utf-8")
        offset = out.tell()
        fields = (info.compress_type, 0, 0x21, info.CRC, len(raw), info.file_size, len(name))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, *fields, 0))
        out.write(name)
        out.write(raw)
        directory.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, *fields, 0, 0, 0, 0, 0, offset
            )
        )
        directory.write(name)
    start, listing = out.tell(), directory.getvalue()
    out.write(listing)
    count = len(members)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(listing), start, 0))
    return out.getvalue()
