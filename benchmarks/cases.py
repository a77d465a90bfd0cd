"""Case-file throughput on the local Elasticsearch: exporting a large case, and
verifying a long audit trail.

    .venv/bin/python benchmarks/cases.py [--ads 500] [--events 100000]

Indexes ``--ads`` synthetic ads (each with a WARC response record in a temporary
evidence folder, all sharing one fictional phone) under a throwaway index prefix, pulls
the phone's network into a case and times ``export_case`` (WACZ, report HTML and PDF,
manifest) and ``verify``; then writes a chained audit trail of ``--events`` events in
bulk and times ``lantern audit verify``'s work (reading the trail and checking every
hash). Prints figures; the indices are dropped at the end. Needs `make es-up`.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

from elasticsearch import Elasticsearch, helpers  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from benchmarks.synthetic_ads import synthetic_ads  # noqa: E402
from leads.audit import GENESIS, content_hash, events, read_checkpoints, signing_key, verify  # noqa: E402
from leads.cases import add, new_case  # noqa: E402
from leads.package import export_case  # noqa: E402
from leads.package import verify as verify_package  # noqa: E402
from leads.settings import Settings, get_settings  # noqa: E402
from leads.store import connect, drop_indices, ensure_indices  # noqa: E402

PHONE = "+17025550100"


def index_ads(es: Elasticsearch, settings: Settings, n: int, folder: Path) -> None:
    warc_path = folder / "bench.warc.gz"
    raws, leads = [], []
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with warc_path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i, text in enumerate(synthetic_ads(n)):
            text = f"{text} call 702-555-0100"
            url = f"http://127.0.0.1:9/ad/{i}"
            body = f"<html><body><p>{text}</p></body></html>".encode()
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                              protocol="HTTP/1.1"),
            )  # fmt: skip
            offset = fh.tell()
            writer.write_record(record)
            at = (start + timedelta(hours=7 * i)).isoformat()
            doc = f"doc{i:05d}"
            prov = {
                "source_id": "bench", "url": url, "final_url": url, "fetched_at": at,
                "sha256": "0" * 64, "batch_id": "bench-1", "crawler_version": "bench",
                "http_status": 200,
                "warc": {"file": str(warc_path), "offset": offset,
                         "record_id": record.rec_headers.get_header("WARC-Record-ID")},
            }  # fmt: skip
            raws.append({"id": doc, "text": text, "provenance": prov})
            leads.append({
                "id": doc, "doc_id": doc, "source_id": "bench", "url": url, "title": f"ad {i}",
                "snippet": text[:100], "score": 40, "tier": "medium", "explanation": ["bench"],
                "categories": [], "domains": ["sex"], "selectors": [f"phone:{PHONE}"],
                "indicators": [], "batch_id": "bench-1", "fetched_at": at, "seen_at": at,
                "scored_at": at, "sha256": "0" * 64,
                "entities": [{"type": "phone", "value": PHONE, "text": "702-555-0100",
                              "start": 0, "end": 12},
                             {"type": "price", "value": str(100 + i % 5 * 50), "text": "x",
                              "start": 0, "end": 1}],
            })  # fmt: skip
    for kind, docs in (("raw", raws), ("leads", leads)):
        actions = ({"_index": settings.index(kind), "_id": d["id"], "_source": d} for d in docs)
        helpers.bulk(es, actions, refresh=True)


def write_trail(es: Elasticsearch, settings: Settings, n: int) -> None:
    def chain() -> Iterator[dict[str, Any]]:
        prev = GENESIS
        at = datetime(2026, 12, 1, tzinfo=UTC)
        for seq in range(1, n + 1):
            fields: dict[str, Any] = {"seq": seq, "at": (at + timedelta(seconds=seq)).isoformat(),
                      "user": "bench", "action": "consult.leads", "case_id": None,
                      "target": None, "outcome": "ok", "reason": None, "details": {},
                      "prev": prev}  # fmt: skip
            fields["hash"] = content_hash(fields)
            prev = fields["hash"]
            yield {"_index": settings.index("audit"), "_id": f"{seq:012d}", "_source": fields}

    helpers.bulk(es, chain(), chunk_size=2000, refresh=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ads", type=int, default=500)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as tmp:
        settings = base.model_copy(
            update={
                "index_prefix": f"lantern-bench-{uuid.uuid4().hex[:6]}",
                "data_dir": Path(tmp),
                "hub_threshold": args.ads + 1,
            }
        )
        es = connect(settings)
        ensure_indices(es, settings)
        try:
            index_ads(es, settings, args.ads, Path(tmp))
            case = new_case(es, settings, "Benchmark", "Bench Unit", "bench")
            t = time.perf_counter()
            added = add(es, settings, case, f"phone:{PHONE}", "bench", max_docs=args.ads)
            pull_s = time.perf_counter() - t
            out = Path(tmp) / "case.zip"
            t = time.perf_counter()
            done = export_case(es, settings, case, out, "bench")
            export_s = time.perf_counter() - t
            t = time.perf_counter()
            problems = verify_package(out)
            verify_s = time.perf_counter() - t
            size = out.stat().st_size / 1e6
            print(f"case of {done.ads} ads ({len(added)} items): pull {pull_s:.1f} s, "
                  f"export {export_s:.1f} s ({size:.1f} MB, {done.files} files), "
                  f"verify {verify_s:.1f} s, problems {len(problems)}")  # fmt: skip
            t = time.perf_counter()
            write_trail(es, settings, args.events)
            write_s = time.perf_counter() - t
            t = time.perf_counter()
            stored = events(es, settings)
            read_s = time.perf_counter() - t
            t = time.perf_counter()
            found = verify(stored, read_checkpoints(settings), signing_key(settings).public_key())
            check_s = time.perf_counter() - t
            print(f"audit verify over {len(stored):,} events: read {read_s:.1f} s + check "
                  f"{check_s:.1f} s = {read_s + check_s:.1f} s "
                  f"({len(stored) / (read_s + check_s):,.0f} events/s); problems {len(found)}; "
                  f"(bulk write of the trail {write_s:.1f} s)")  # fmt: skip
        finally:
            drop_indices(es, settings)


if __name__ == "__main__":
    main()
