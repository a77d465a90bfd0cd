"""Tips from hotlines, 911, partners and complaints, and what they link to.

A tip file is CSV (a header row) or JSON Lines (one object per line), with the fields

    received_at  ISO 8601 time (UTC when it carries no offset)        required
    channel      hotline | 911 | partner | complaint                 required
    region       USPS state code, optionally "/County": GA, GA/Fulton  required
    text         what the caller or partner said                     required
    reference    the receiving service's own reference               optional
    phones, emails, handles, payments, employers                     optional
                 lists in JSON; in CSV separated by ";"
                 handles as platform:handle, payments as cashapp:$name

A tip is linked to the ads that share a selector with it (given, or found in its text),
to the networks those ads belong to, and to guest-worker employers that share a phone
or an email with it or whose name it gives. Every link carries its reason.

Tips are sensitive: their own index, read only by investigators and supervisors, never
in a shareable report.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from leads.deconfliction import SelectorError, canonical
from leads.guestworker.records import normalize_name
from leads.ids import stable_id
from leads.jsonl import read_jsonl
from leads.linking import is_network
from leads.regions import RegionError, parse_region
from leads.settings import Settings
from leads.taxonomy import IDENTITY_TYPES
from leads.validation import Strict, validation_message

Channel = Literal["hotline", "911", "partner", "complaint"]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]
MAX_TEXT = 20_000  # characters of free text kept per tip
MAX_LIST = 50  # phones, emails… given per tip
MAX_LINKED_ADS = 50  # ads listed per tip; the network links say how many more
LIST_FIELDS = ("phones", "emails", "handles", "payments", "employers")
KIND_OF = {"phones": "phone", "emails": "email", "handles": "social_handle",
           "payments": "payment_handle"}  # fmt: skip


class TipLink(Strict):
    kind: Literal["ad", "network", "employer"]
    target: str  # lead id, network selector, employer id
    label: str  # what the investigator sees: the ad's opening, the employer's name
    via: str  # the shared selector or the name that made the link
    reason: str


class Tip(Strict):
    id: str
    reference: str | None = None
    received_at: datetime
    channel: Channel
    state: str
    county: str | None = None
    text: str = Field(max_length=MAX_TEXT)
    selectors: list[str] = Field(default_factory=list)
    employers: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    links: list[TipLink] = Field(default_factory=list)
    file: str
    line: int
    sha256: str
    ingested_at: datetime
    ingested_by: str
    linked_at: datetime | None = None
    retain_until: datetime | None = None

    @field_validator("received_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        offset = value.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=18):
            raise ValueError("has a UTC offset beyond 18 hours")
        if not 1900 <= value.year <= 2100:
            raise ValueError("is not a year a tip could come in (1900 to 2100)")
        return value


@dataclass
class TipError:
    line: int
    ref: str  # the tip's reference if it has one, else its line
    reason: str

    def __str__(self) -> str:
        where = (
            f"at line {self.line}"
            if self.ref == f"line {self.line}"
            else f"{self.ref} (line {self.line})"
        )
        return f"tip {where}: {self.reason}"


@dataclass
class RawTip:
    """A tip as read, before its text is run through extraction."""

    line: int
    fields: dict[str, Any]
    given: list[str]  # canonical selectors given in the tip's fields


MAX_VALUE = 320  # characters in one phone, email, handle or employer name (an email: 254)
MAX_REFERENCE = 100


def _list(value: Any, name: str) -> list[str]:
    if value is None or value == "":
        return []
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ValueError(f"{name} must be a list of strings")
    items = [v.strip() for v in items if v.strip()]
    if len(items) > MAX_LIST:
        raise ValueError(f"{name} has {len(items)} values; at most {MAX_LIST}")
    if any(len(v) > MAX_VALUE for v in items):
        raise ValueError(f"{name} has a value over {MAX_VALUE} characters")
    return items


def _given(fields: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, kind in KIND_OF.items():
        for value in _list(fields.get(name), name):
            try:
                out.append(canonical(f"{kind}:{value}"))
            except SelectorError as exc:
                raise ValueError(f"{name}: {exc}") from None
    return sorted(set(out))


Rows = Iterator[tuple[int, dict[str, Any] | str]]


def _jsonl_rows(path: Path) -> Rows:
    with path.open("rb") as stream:
        for line in read_jsonl(stream):
            yield line.number, line.data if line.data is not None else str(line.error)


def _csv_rows(path: Path) -> Rows:
    """Each CSV record with the line it starts on. A line that is not UTF-8 is that
    line's error (and left out); a header with an empty or repeated name is the file's."""
    good: list[str] = []
    numbers: list[int] = []  # the file's line number of each good line
    for number, raw in enumerate(path.read_bytes().splitlines(keepends=True), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, f"invalid UTF-8 at byte {exc.start}"
            continue
        good.append(text.removeprefix("\ufeff") if number == 1 else text)
        numbers.append(number)
    reader = csv.reader(io.StringIO("".join(good), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        return
    if "" in header or len(set(header)) != len(header):
        raise ValueError("the header has an empty or repeated column name")
    while True:
        start = numbers[min(reader.line_num, len(numbers) - 1)]
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"not a CSV record ({exc})"
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield start, f"{len(row)} cells where the header has {len(header)} columns"
            continue
        yield start, dict(zip(header, row, strict=True))


def _rows(path: Path) -> Rows:
    """(line, fields) per record, or (line, reason) for a line that is not a record."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _jsonl_rows(path)
    if suffix == ".csv":
        csv.field_size_limit(4 * MAX_TEXT)  # a longer cell is that record's error
        return _csv_rows(path)
    raise ValueError(f"tips are read from .csv or .jsonl files, not {suffix or 'this file'!r}")


def read_tips(path: Path) -> Iterator[RawTip | TipError]:
    """Every record of a tip file, or a one-line error naming it and the reason."""
    for line, fields in _rows(path):
        if isinstance(fields, str):
            yield TipError(line, f"line {line}", fields)
            continue
        ref = str(fields.get("reference") or f"line {line}")[:80]
        unknown = sorted(set(fields) - {"received_at", "channel", "region", "text",
                                        "reference", *LIST_FIELDS})  # fmt: skip
        if unknown:
            yield TipError(line, ref, f"unknown field(s) {', '.join(map(repr, unknown))[:200]}")
            continue
        if not isinstance(fields.get("text"), str) or not fields["text"].strip():
            yield TipError(line, ref, "text: a tip needs the words it was given in")
            continue
        if len(str(fields.get("reference") or "")) > MAX_REFERENCE:
            yield TipError(line, ref, f"reference is over {MAX_REFERENCE} characters")
            continue
        try:
            given = _given(fields)
            _list(fields.get("employers"), "employers")
        except ValueError as exc:
            yield TipError(line, ref, str(exc))
            continue
        yield RawTip(line, fields, given)


def build_tip(
    raw: RawTip,
    found: list[str],
    file: str,
    sha: str,
    who: str,
    now: datetime,
    keep_days: int,
) -> Tip | TipError:
    """The tip from its fields, the canonical selectors given and those found in its text."""
    f = raw.fields
    ref = str(f.get("reference") or f"line {raw.line}")[:80]
    try:
        region = str(f.get("region") or "")
        where = parse_region(region)
        body = {
            "received_at": f.get("received_at"),
            "channel": f.get("channel"),
            "text": f.get("text") or "",
            "reference": str(f["reference"]) if f.get("reference") else None,
        }
        # Every field makes the id: two tips alike but for a phone are two tips.
        key = json.dumps(f, ensure_ascii=False, sort_keys=True)
        tip = Tip.model_validate(
            {
                **body,
                "id": stable_id("tip", key),
                "state": where.state,
                "county": where.county,
                "selectors": sorted(set(raw.given) | set(found)),
                "employers": _list(f.get("employers"), "employers"),
                "file": file,
                "line": raw.line,
                "sha256": hashlib.sha256(key.encode()).hexdigest(),
                "ingested_at": now,
                "ingested_by": who,
            }
        )
        # Kept as long as the ads are by default (LANTERN_RETENTION_DAYS_BY_SOURCE may
        # give "tips" their own), counted from when the tip came in.
        tip.retain_until = tip.received_at + timedelta(days=keep_days)
        return tip
    except RegionError as exc:
        return TipError(raw.line, ref, str(exc))
    except ValidationError as exc:
        return TipError(raw.line, ref, validation_message(exc))


def _short(text: str, n: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def link(es: Any, settings: Settings, tip: Tip) -> list[TipLink]:
    """The ads, networks and employers a tip shares a selector or a name with."""
    links: list[TipLink] = []
    identity = [s for s in tip.selectors if s.split(":", 1)[0] in IDENTITY_TYPES]
    networks: dict[str, dict[str, Any]] = {}
    if identity:
        found = es.search(
            index=settings.index("leads"),
            query={"terms": {"selectors": identity}},
            size=MAX_LINKED_ADS,
            sort=[{"score": "desc"}, {"id": "asc"}],
            source=[
                "id",
                "snippet",
                "source_id",
                "seen_at",
                "selectors",
                "network",
                "score",
                "tier",
            ],
        )
        for hit in found["hits"]["hits"]:
            ad = hit["_source"]
            shared = sorted(set(ad.get("selectors") or []) & set(identity))
            links.append(
                TipLink(
                    kind="ad",
                    target=ad["id"],
                    label=_short(ad.get("snippet") or ""),
                    via=shared[0],
                    reason=f"the tip and this ad ({ad['source_id']}, seen "
                    f"{str(ad.get('seen_at'))[:10]}, {ad.get('tier')} lead) share "
                    + ", ".join(shared),
                )
            )
            net = ad.get("network") or {}
            if is_network(net):
                entry = networks.setdefault(net["selector"], {"net": net, "via": set()})
                entry["via"].update(shared)
    for selector, entry in sorted(networks.items()):
        net = entry["net"]
        via = sorted(entry["via"])
        how = (
            f"the tip gives {selector} itself"
            if selector in via
            else f"the tip shares {', '.join(via)} with ads of this network"
        )
        links.append(
            TipLink(
                kind="network",
                target=selector,
                label=f"network around {selector}",
                via=via[0],
                reason=f"{how}: {net['ads']} ads in {net['states']} state(s) over "
                f"{net['days']} day(s) share {selector}",
            )
        )
    links += _employer_links(es, settings, tip)
    return links


def _employer_links(es: Any, settings: Settings, tip: Tip) -> list[TipLink]:
    phones = [
        s.split(":", 1)[1].removeprefix("+1") for s in tip.selectors if s.startswith("phone:+1")
    ]
    emails = [s.split(":", 1)[1] for s in tip.selectors if s.startswith("email:")]
    names = {n: normalize_name(n) for n in tip.employers}
    should: list[dict[str, Any]] = []
    if phones:
        should.append({"terms": {"phones": phones}})
    if emails:
        should.append({"terms": {"emails": emails}})
    keyed = {k: n for n, k in names.items() if k}
    if not should and not keyed:
        return []
    cases: dict[str, str] = {}
    if keyed:
        records = es.search(
            index=settings.index("gw-records"),
            query={"terms": {"name_keys": sorted(keyed)}},
            size=500,
            source=["case_number", "name_keys"],
        )
        for hit in records["hits"]["hits"]:
            r = hit["_source"]
            for key in r.get("name_keys") or []:
                if key in keyed and r.get("case_number"):
                    cases[r["case_number"]] = key
        if cases:
            should.append({"terms": {"case_numbers": sorted(cases)}})
    if not should:
        return []
    found = es.search(
        index=settings.index("gw-employers"),
        query={"bool": {"should": should, "minimum_should_match": 1}},
        size=MAX_LINKED_ADS,
        sort=[{"risk": "desc"}, {"id": "asc"}],
        source=["id", "employer", "phones", "emails", "case_numbers", "risk", "tier"],
    )
    out: list[TipLink] = []
    for hit in found["hits"]["hits"]:
        e = hit["_source"]
        reasons: list[str] = []
        via = ""
        for p in sorted(set(phones) & set(e.get("phones") or [])):
            reasons.append(f"the tip's phone +1{p} is the employer's phone in DOL records")
            via = via or f"phone:+1{p}"
        for m in sorted(set(emails) & set(e.get("emails") or [])):
            reasons.append(f"the tip's email {m} is the employer's email in DOL records")
            via = via or f"email:{m}"
        named = sorted({cases[c] for c in e.get("case_numbers") or [] if c in cases})
        for key in named:
            reasons.append(
                f"the tip names {keyed[key]!r}, which reads as {key!r} like the employer on "
                "its DOL applications"
            )
            via = via or f"employer:{key}"
        out.append(
            TipLink(
                kind="employer",
                target=e["id"],
                label=e["employer"],
                via=via,
                reason=f"{'; '.join(reasons)} (risk {e['risk']}, {e['tier']})",
            )
        )
    return out
