"""The evidence package of a case: one zip a prosecutor's analyst can check offline.

Inside: ``archive.wacz`` (a WACZ of every ad's WARC response record, cut byte for byte
from the crawl's WARC files by offset and record id), ``screenshots/`` of rendered
pages, ``ads/<lead>.json`` (text as collected, indicators with offsets, selectors),
``case.json`` (the frozen snapshots), ``money.json``, ``worksheet.json``,
``custody.jsonl`` (the case's audit events), ``report.html`` and ``report.pdf``, and
``manifest.json`` with the SHA-256 of every other file, the Lantern version and the
snapshot time; optionally ``manifest.tsr``, an RFC 3161 timestamp of the manifest.

The zip is written deterministically (fixed member times and attributes, no comments
or extra fields), so :func:`verify` can hold every byte to account: a changed byte in a
file breaks its hash or the zip's checksum, and one in the zip's own headers breaks the
fixed layout. Whatever is missing from the evidence store is listed in the manifest,
never left out in silence.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from leads import __version__
from leads.settings import Settings

PACKAGE_FORMAT = 1
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16
ZIP_VERSION = 20  # "made by" and "needed to extract" for deflated members (zipfile's)
UNHASHED = frozenset({"manifest.json", "manifest.tsr"})


@dataclass
class Contents:
    """The package's files before they are zipped: path -> bytes."""

    files: dict[str, bytes] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # evidence the store no longer has

    def add_json(self, path: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        self.files[path] = (text + "\n").encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,100}$")


def member_name(record_id: str) -> str:
    """A record id as a file name in the package: as it is when plain, else its hash (an
    id from outside could name "../x"; the id itself is inside the file)."""
    return record_id if _SAFE_NAME.match(record_id) else sha256(record_id.encode())[:32]


# Cutting the evidence


def cut_record(warc: dict[str, Any], path: Path) -> bytes:
    """The WARC record's bytes (one gzip member) at its offset, checked by record id."""
    with path.open("rb") as f:
        f.seek(int(warc["offset"]))
        records = ArchiveIterator(f)
        record = next(records)
        found = record.rec_headers.get_header("WARC-Record-ID")
        if found != warc["record_id"]:
            raise ValueError(f"{path} at {warc['offset']}: record {found}, not {warc['record_id']}")
        record.content_stream().read()
        length = records.get_record_length()
        f.seek(int(warc["offset"]))
        return f.read(length)


def evidence(settings: Settings, raws: list[dict[str, Any]], contents: Contents) -> None:
    """WARC records into ``archive.wacz`` and screenshots into ``screenshots/``."""
    records: list[bytes] = []
    for raw in raws:
        prov = raw.get("provenance") or {}
        doc = raw.get("id", "?")
        if prov.get("warc"):
            try:
                path = _inside(settings, prov["warc"]["file"], prov.get("batch_id", ""))
                records.append(cut_record(prov["warc"], path))
            except (OSError, ValueError, StopIteration) as exc:
                contents.missing.append(
                    f"{doc}: WARC record {prov['warc'].get('record_id')}: {exc}"
                )
        else:
            contents.missing.append(f"{doc}: no WARC record was kept for this page")
        shot = prov.get("screenshot")
        if shot:
            try:
                data = _inside(settings, shot["path"], prov.get("batch_id", "")).read_bytes()
            except (OSError, ValueError) as exc:
                contents.missing.append(f"{doc}: screenshot {shot['path']}: {exc}")
                continue
            if sha256(data) != shot["sha256"]:
                contents.missing.append(
                    f"{doc}: screenshot {shot['path']} no longer matches its hash"
                )
                continue
            contents.files[f"screenshots/{shot['sha256']}.png"] = data
    if records:
        contents.files["archive.wacz"] = make_wacz(b"".join(records))


def _inside(settings: Settings, name: str, batch_id: str) -> Path:
    """An evidence reference resolved inside the evidence store, or ValueError."""
    from leads.retention import evidence_file

    path = evidence_file(settings, name, batch_id)
    if path is None or not path.is_relative_to(settings.evidence_path.resolve()):
        raise ValueError("the reference points outside the evidence store")
    return path


def make_wacz(warc_gz: bytes) -> bytes:
    """A WACZ (py-wacz) of one WARC file's records."""
    from wacz.main import main as wacz_main

    with tempfile.TemporaryDirectory(prefix="lantern-wacz-") as tmp:
        warc = Path(tmp) / "evidence.warc.gz"
        warc.write_bytes(warc_gz)
        out = Path(tmp) / "archive.wacz"
        with contextlib.redirect_stdout(io.StringIO()):
            code = wacz_main(["create", "-o", str(out), str(warc)])
        if code != 0 or not out.exists():
            raise RuntimeError(f"wacz create failed with status {code}")
        return out.read_bytes()


# Writing and checking the zip

# What reading a tampered member can raise: a bad CRC or header, a broken deflate stream,
# an "encrypted" flag, a compression method that was never used.
_UNREADABLE = (
    zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, RuntimeError,
    NotImplementedError,
)  # fmt: skip


def manifest(contents: Contents, meta: dict[str, Any]) -> bytes:
    files = {
        path: {"sha256": sha256(data), "bytes": len(data)}
        for path, data in sorted(contents.files.items())
        if path not in UNHASHED
    }
    body = {
        "format": PACKAGE_FORMAT,
        "lantern_version": __version__,
        **meta,
        "missing_evidence": contents.missing,
        "files": files,
    }
    return (json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def write_zip(contents: Contents, out: Path) -> None:
    """Deterministic members, written to a temporary file and renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".", suffix=".zip.tmp")
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
            for path in sorted(contents.files):
                info = zipfile.ZipInfo(path, date_time=FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = FILE_MODE
                info.create_system = 3
                zf.writestr(info, contents.files[path])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_LOCAL = struct.Struct("<4s5H3L2H")
_END = struct.Struct("<4s4H2LH")
_DOSTIME = (FIXED_TIME[3] << 11) | (FIXED_TIME[4] << 5) | (FIXED_TIME[5] // 2)
_DOSDATE = ((FIXED_TIME[0] - 1980) << 9) | (FIXED_TIME[1] << 5) | FIXED_TIME[2]


def _layout_problems(data: bytes, zf: zipfile.ZipFile) -> list[str]:
    """Every member as :func:`write_zip` writes it, local headers equal to the central
    directory: a changed byte in the zip's own structure is named too."""
    problems = []
    if zf.comment:
        problems.append("the zip carries a comment it was written without")
    end = data.rfind(b"PK\x05\x06")
    count = len(zf.infolist())
    expected_end = (b"PK\x05\x06", 0, 0, count, count, end - zf.start_dir, zf.start_dir, 0)
    if end != len(data) - _END.size or _END.unpack(data[end:]) != expected_end:
        problems.append("the zip's end record was altered (or bytes follow it)")
    # The central directory, rebuilt from what was parsed with the fixed layout, must be
    # the bytes that are there: a changed length or attribute byte shows as a difference.
    try:
        rebuilt = _central_directory(zf)
    except (struct.error, UnicodeEncodeError):
        rebuilt = b""
    if data[zf.start_dir : end] != rebuilt:
        problems.append("the zip's central directory was altered")
    return problems + _member_problems(data, zf)


def _central_directory(zf: zipfile.ZipFile) -> bytes:
    return b"".join(
        struct.pack(
            zipfile.structCentralDir,  # type: ignore[attr-defined]
            b"PK\x01\x02",
            ZIP_VERSION,
            3,
            ZIP_VERSION,
            0,
            i.flag_bits,
            i.compress_type,
            _DOSTIME,
            _DOSDATE,
            i.CRC,
            i.compress_size,
            i.file_size,
            len(i.filename.encode("utf-8")),
            0,
            0,
            0,
            0,
            FILE_MODE,
            i.header_offset,
        )  # fmt: skip
        + i.filename.encode("utf-8")
        for i in zf.infolist()
    )


def _member_problems(data: bytes, zf: zipfile.ZipFile) -> list[str]:
    problems = []
    # Members back to back from the first byte to the directory: nothing hidden between
    # them (an entry left out of the directory is still read by streaming tools).
    at = 0
    for info in sorted(zf.infolist(), key=lambda i: i.header_offset):
        if info.header_offset != at:
            problems.append(f"bytes outside any listed entry before {info.filename}")
            break
        at += _LOCAL.size + len(info.filename.encode("utf-8")) + info.compress_size
    else:
        if at != zf.start_dir:
            problems.append("bytes outside any listed entry before the zip's directory")
    for info in zf.infolist():
        name = info.filename
        if (
            info.date_time != FIXED_TIME
            or info.compress_type != zipfile.ZIP_DEFLATED
            or info.external_attr != FILE_MODE
            or info.create_system != 3
            or info.extra
            or info.comment
            or info.flag_bits & ~0x800
            or (info.create_version, info.extract_version) != (ZIP_VERSION, ZIP_VERSION)
            or (info.volume, info.internal_attr, info.reserved) != (0, 0, 0)
        ):
            problems.append(f"{name}: its zip entry was altered (time, mode or flags)")
            continue
        at = info.header_offset
        head = data[at : at + _LOCAL.size]
        if len(head) < _LOCAL.size:
            problems.append(f"{name}: its local header is cut off")
            continue
        sig, version, flags, method, mtime, mdate, crc, csize, usize, nlen, xlen = _LOCAL.unpack(
            head
        )
        local_name = data[at + _LOCAL.size : at + _LOCAL.size + nlen]
        if (
            sig != b"PK\x03\x04"
            or version != ZIP_VERSION
            or (flags, method, mtime, mdate)
            != (info.flag_bits, info.compress_type, _DOSTIME, _DOSDATE)
            or (crc, csize, usize) != (info.CRC, info.compress_size, info.file_size)
            or xlen != 0
            or local_name != name.encode("utf-8")
        ):
            problems.append(f"{name}: its local header differs from the zip's directory")
            continue
        # A complete deflate stream, nothing after it: a flipped "last block" bit leaves
        # the content the same but the bytes not as written.
        start = at + _LOCAL.size + nlen
        inflate = zlib.decompressobj(-15)
        try:
            inflate.decompress(data[start : start + csize])
        except zlib.error:
            continue  # reading the member names it
        if not inflate.eof or inflate.unused_data:
            problems.append(f"{name}: its compressed stream was altered")
    return problems


def verify(
    path: Path, check_timestamp: Callable[[bytes, bytes], str | None] | None = None
) -> list[str]:
    """What is wrong with a package, one line each: changed, missing and extra files,
    WACZ digests, the zip's own layout and (with ``check_timestamp``) the timestamp.
    Empty when everything holds."""
    try:
        data = path.read_bytes()
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _UNREADABLE as exc:
        return [f"{path}: not a readable zip ({exc})"]
    problems = _layout_problems(data, zf)
    listed_names = zf.namelist()
    names = set(listed_names)
    if len(listed_names) != len(names):
        dupes = sorted({n for n in listed_names if listed_names.count(n) > 1})
        problems.append(f"the zip holds two entries named {', '.join(dupes)}")
    if "manifest.json" not in names:
        return [*problems, "manifest.json: missing"]
    try:
        listed = json.loads(zf.read("manifest.json"))
        files: dict[str, dict[str, Any]] = listed["files"]
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise TypeError("its file list is not a mapping of file records")
    except (*_UNREADABLE, KeyError, TypeError) as exc:
        return [*problems, f"manifest.json: unreadable ({exc})"]
    for name, expected in sorted(files.items()):
        if name not in names:
            problems.append(f"{name}: missing")
            continue
        try:
            got = zf.read(name)
        except _UNREADABLE as exc:
            problems.append(f"{name}: changed (unreadable: {exc})")
            continue
        digest = sha256(got)
        if digest != expected.get("sha256"):
            problems.append(f"{name}: changed (sha256 {digest}, manifest {expected.get('sha256')})")
        elif name == "archive.wacz":
            problems += [f"archive.wacz: {p}" for p in verify_wacz(got)]
    for name in sorted(names - set(files) - UNHASHED):
        problems.append(f"{name}: extra (not in the manifest)")
    if "manifest.tsr" not in names and check_timestamp is not None:
        problems.append("manifest.tsr: missing (no timestamp to check)")
    if "manifest.tsr" in names and check_timestamp is not None:
        try:
            trouble = check_timestamp(zf.read("manifest.tsr"), zf.read("manifest.json"))
        except _UNREADABLE as exc:
            trouble = f"unreadable ({exc})"
        if trouble:
            problems.append(f"manifest.tsr: {trouble}")
    return problems


def verify_wacz(data: bytes) -> list[str]:
    """The WACZ's own digests: datapackage.json's resource hashes and the digest of
    datapackage.json itself in datapackage-digest.json."""
    try:
        wz = zipfile.ZipFile(io.BytesIO(data))
        package = wz.read("datapackage.json")
        resources = json.loads(package)["resources"]
    except (*_UNREADABLE, KeyError) as exc:
        return [f"unreadable ({exc})"]
    problems = []
    for res in resources:
        try:
            got = "sha256:" + sha256(wz.read(res["path"]))
        except KeyError:
            problems.append(f"{res.get('path')}: missing")
            continue
        except _UNREADABLE as exc:
            problems.append(f"{res.get('path')}: unreadable ({exc})")
            continue
        if got != res.get("hash"):
            problems.append(f"{res['path']}: does not match datapackage.json")
    with contextlib.suppress(KeyError, ValueError):
        digest = json.loads(wz.read("datapackage-digest.json"))
        if digest.get("hash") != "sha256:" + sha256(package):
            problems.append("datapackage.json: does not match datapackage-digest.json")
    return problems


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# Putting a case's package together


@dataclass
class Exported:
    path: Path
    files: int
    ads: int
    missing: list[str]
    manifest_sha256: str
    timestamped: bool


def export_case(
    es: Any,
    settings: Settings,
    case: Any,
    out: Path,
    user: str,
    timestamp: Callable[[bytes], bytes] | None = None,
) -> Exported:
    """Writes the case's package to ``out``; ``timestamp`` turns the manifest's bytes
    into an RFC 3161 token (leads/timestamps.py), if a timestamp authority is set."""
    from leads.audit import checkpoint, events, record
    from leads.cases import case_selectors, items, lead_snapshots, snapshot_hash
    from leads.legalprocess import preservation_drafts, worksheet
    from leads.money import follow_the_money
    from leads.report import render_html, render_pdf

    held = items(es, settings, case)
    leads = lead_snapshots(held)
    # A snapshot that no longer matches the hash it was stored with has been edited in
    # the index since it was pulled: the package says so.
    altered = [
        f"{i.key}: its snapshot no longer matches the SHA-256 it was pulled with"
        for i in held
        if snapshot_hash(i.snapshot) != i.snapshot_sha256
    ]
    raws = [
        i.snapshot.get("raw") or {"id": i.ref}
        for i in held
        if i.kind == "lead" and "#" not in i.key
    ]
    snapshot_time = max((i.snapshot_at for i in held), default=now())
    start = record(es, settings, "case.export", case_id=case.id, user=user,
                   details={"out": str(out), "items": len(held)})  # fmt: skip
    try:
        contents = Contents(missing=list(altered))
        evidence(settings, raws, contents)
        for lead, raw in zip(leads, raws, strict=True):
            contents.add_json(
                f"ads/{member_name(str(lead['id']))}.json",
                {
                    "id": lead["id"],
                    "url": lead.get("url"),
                    "title": lead.get("title"),
                    "text": raw.get("text"),
                    "indicators": lead.get("indicators"),
                    "entities": lead.get("entities"),
                    "selectors": lead.get("selectors"),
                    "score": lead.get("score"),
                    "tier": lead.get("tier"),
                    "explanation": lead.get("explanation"),
                    "provenance": raw.get("provenance"),
                },
            )
        money = follow_the_money(leads)
        rows = worksheet(case_selectors(held))
        contents.add_json(
            "case.json", {"case": case.model_dump(), "items": [i.model_dump() for i in held]}
        )
        contents.add_json("money.json", money.model_dump())
        contents.add_json(
            "worksheet.json",
            {
                "rows": [r.model_dump() for r in rows],
                "preservation_requests": preservation_drafts(rows, case.model_dump()),
            },
        )
        custody = events(es, settings, {"term": {"case_id": case.id}})
        contents.files["custody.jsonl"] = "".join(
            json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in custody
        ).encode("utf-8")
        html = render_html(
            case.model_dump(), [i.model_dump() for i in held], money, rows, snapshot_time
        )
        contents.files["report.html"] = html.encode("utf-8")
        contents.files["report.pdf"] = render_pdf(html)
        body = manifest(
            contents,
            {
                "case_id": case.id,
                "case_number": case.number,
                "snapshot_time": snapshot_time,
                "exported_at": now(),
                "exported_by": user,
                "custody_through_event": start.seq,
            },
        )
        contents.files["manifest.json"] = body
        if timestamp is not None:
            contents.files["manifest.tsr"] = timestamp(body)
        write_zip(contents, out)
    except Exception as exc:
        record(es, settings, "case.export", case_id=case.id, user=user, outcome="failed",
               reason=f"{type(exc).__name__}: {exc}"[:500])  # fmt: skip
        raise
    digest = sha256(body)
    final = record(es, settings, "case.export", case_id=case.id, user=user, outcome="ok",
           details={"manifest_sha256": digest, "package_sha256": sha256(out.read_bytes()),
                    "missing_evidence": len(contents.missing)})  # fmt: skip
    # A signed checkpoint at every export: the custody the package records can never be
    # cut from the trail without trace.
    checkpoint(settings, final)
    return Exported(out, len(contents.files), len(leads), contents.missing, digest,
                    "manifest.tsr" in contents.files)  # fmt: skip
