"""Deconfliction throughput: OPRF evaluations per second on one core, and how long the
hub takes to find conflicts among a million stored pointers.

    .venv/bin/python benchmarks/deconfliction.py [--evaluations 5000] [--pointers 1000000]

1. The hub's side of the OPRF (BlindEvaluate with a DLEQ proof per element, as the hub
   answers) and the agency's side (blind, then finalize with proof verification), in
   this process on one core.
2. ``--pointers`` pseudonyms of 200 fictional agencies written straight into a throwaway
   hub prefix on the local Elasticsearch; then a case of 50 selectors (5 of them held
   elsewhere) submitted 20 times through the hub's own ``submit_pointers`` (storing the
   pointers, finding and recording the conflicts, the audit event), and the bare terms
   lookup alone. Prints the median and the worst. Needs `make es-up`; the indices are
   dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
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

from lantern.hub import store  # noqa: E402
from leads.deconfliction import blinded_input, pointer_id  # noqa: E402
from leads.oprf import HubKey, blind, finalize  # noqa: E402
from leads.settings import Settings, get_settings  # noqa: E402
from leads.store import connect, drop_indices  # noqa: E402


def bench_oprf(n: int) -> None:
    key = HubKey(secrets.token_bytes(32))
    inputs = [blinded_input(f"phone:+1702555{i % 10_000:04d}") for i in range(n)]
    t0 = time.perf_counter()
    blinded = blind(inputs)
    t1 = time.perf_counter()
    answers = key.evaluate(blinded.elements)
    t2 = time.perf_counter()
    pseudonyms = finalize(blinded, answers, key.public_key)
    t3 = time.perf_counter()
    assert pseudonyms[0] == key.pseudonym_of(inputs[0])
    print(f"OPRF, one core, {n:,} elements:")
    print(f"  hub evaluation (BlindEvaluate + proof): {n / (t2 - t1):,.0f} evaluations/s")
    print(
        f"  agency blind: {n / (t1 - t0):,.0f}/s; finalize with proof check: {n / (t3 - t2):,.0f}/s"
    )


def bench_lookup(pointers: int) -> None:
    settings = get_settings()
    prefix = f"bench-hub-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as folder:
        hub = settings.model_copy(
            update={"hub_index_prefix": prefix, "hub_dir": Path(folder)}
        ).hub_side()
        es = connect(hub)
        store.ensure(es, hub)
        try:
            _run_lookup(es, hub, pointers)
        finally:
            drop_indices(es, hub, store.HUB_KINDS)


def _run_lookup(es_: Elasticsearch, hub: Settings, pointers: int) -> None:
    now = datetime.now(UTC)
    expires = (now + timedelta(days=730)).isoformat(timespec="seconds")
    held = [os.urandom(64).hex() for _ in range(5)]

    def docs() -> Iterator[dict[str, Any]]:
        for i in range(pointers):
            pseudonym = held[i] if i < len(held) else os.urandom(64).hex()
            agency = f"agency-{i % 200:03d}"
            case = f"{agency}:C-2026-{i // 200:04d}"
            yield {
                "_index": hub.index("pointers"),
                "_id": pointer_id(agency, case, pseudonym),
                "_source": {
                    "id": pointer_id(agency, case, pseudonym),
                    "agency_id": agency,
                    "case_id": case,
                    "pseudonym": pseudonym,
                    "contact": "desk, 555-0100",
                    "deconfliction_number": f"D-2026-{i:06d}",
                    "submitted_at": now.isoformat(timespec="seconds"),
                    "expires_at": expires,
                },
            }

    t0 = time.perf_counter()
    for ok, item in helpers.parallel_bulk(es_, docs(), thread_count=2, chunk_size=2000):
        if not ok:
            raise SystemExit(f"bulk failed: {item}")
    es_.indices.refresh(index=hub.index("pointers"))
    es_.indices.forcemerge(index=hub.index("pointers"), max_num_segments=1)
    stored = es_.count(index=hub.index("pointers"))["count"]
    print(f"\n{stored:,} pointers stored in {time.perf_counter() - t0:.1f} s")
    for i in range(200):
        agency = store.Agency(
            id=f"agency-{i:03d}",
            name=f"Agency {i}",
            contact="desk, 555-0100",
            key_sha256="0" * 64,
            created_at=now.isoformat(),
            created_by="bench",
        )
        es_.index(index=hub.index("agencies"), id=agency.id, document=agency.model_dump())
    me = store.Agency(
        id="bench-agency",
        name="Bench Agency",
        contact="desk, 555-0199",
        key_sha256="0" * 64,
        created_at=now.isoformat(),
        created_by="bench",
    )
    es_.index(index=hub.index("agencies"), id=me.id, document=me.model_dump(), refresh=True)

    lookups, submits = [], []
    for run in range(20):
        case = [*held, *(os.urandom(64).hex() for _ in range(45))]
        t = time.perf_counter()
        found = es_.search(
            index=hub.index("pointers"),
            size=100,
            query={
                "bool": {
                    "filter": [
                        {"terms": {"pseudonym": case}},
                        {"range": {"expires_at": {"gt": now.isoformat()}}},
                    ]
                }
            },
        )["hits"]["hits"]
        lookups.append(time.perf_counter() - t)
        assert len(found) >= 5
        t = time.perf_counter()
        _, _, conflicts = store.submit_pointers(es_, hub, me, f"bench:C-{run}", case, "bench", None)
        submits.append(time.perf_counter() - t)
        assert len(conflicts) == 5
    print("a case of 50 pseudonyms, 5 of them held by other agencies, 20 times:")
    median, worst = statistics.median(lookups) * 1000, max(lookups) * 1000
    print(f"  terms lookup among {stored:,} pointers: median {median:.1f} ms, worst {worst:.1f} ms")
    print(
        f"  whole submission (store, find, record 5 conflicts, audit): median "
        f"{statistics.median(submits) * 1000:.0f} ms, worst {max(submits) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=5000)
    parser.add_argument("--pointers", type=int, default=1_000_000)
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})  # one core, as the issue asks
    bench_oprf(args.evaluations)
    bench_lookup(args.pointers)


if __name__ == "__main__":
    main()
