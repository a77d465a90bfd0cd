"""How fast the workspace's triage page answers over many leads.

    .venv/bin/python benchmarks/workspace.py [--leads 100000] [--runs 20]

Writes ``--leads`` synthetic leads (fictional text and 555-01xx phones, spread over
tiers, categories, sources, places and 90 days) under a throwaway index prefix, starts
`lantern serve` on loopback as a user would, signs in, and times the triage page
(GET /leads) with no filter, a full-text search, and search plus tier, category, place,
source and dates, sorted by score and by date, pages 1 and 20. Prints the median and the
worst of ``--runs`` requests each (the time to the whole HTML, audit event included).
Needs `make es-up`; the indices are dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from elasticsearch import helpers  # noqa: E402

from leads.settings import get_settings  # noqa: E402
from leads.store import connect, drop_indices, ensure_indices  # noqa: E402
from leads.taxonomy import CATEGORIES  # noqa: E402
from leads.users import add_user  # noqa: E402

WORDS = (
    "new in town",
    "sweet",
    "discreet",
    "available now",
    "no rush",
    "petite",
    "visiting",
    "upscale",
    "friendly",
    "real pics",
    "incall",
    "outcall",
    "warehouse job",
    "housing",
)
PLACES = ("Las Vegas, NV", "Houston, TX", "Atlanta, GA", "Phoenix, AZ", "Miami, FL", "Tifton, GA")


def leads(n: int, index: str) -> Iterator[dict[str, Any]]:
    rng = random.Random(7)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for i in range(n):
        score = rng.choice((5, 20, 40, 55, 65, 80))
        tier = (
            "high" if score >= 60 else "medium" if score >= 35 else "low" if score >= 10 else "none"
        )
        at = (start + timedelta(minutes=int(rng.random() * 90 * 24 * 60))).isoformat()
        text = " ".join(rng.sample(WORDS, 5)) + f" call 702-555-01{i % 100:02d}"
        place = rng.choice(PLACES)
        yield {
            "_index": index,
            "_id": f"bench{i:07d}",
            "_source": {
                "id": f"bench{i:07d}",
                "doc_id": f"bench{i:07d}",
                "source_id": f"board-{i % 7}",
                "url": f"http://127.0.0.1:9/ad/{i}",
                "title": text[:40],
                "snippet": text,
                "score": score,
                "tier": tier,
                "explanation": [f"synthetic lead {i}"],
                "categories": rng.sample(CATEGORIES, 2),
                "domains": ["sex"],
                "selectors": [f"phone:+1702555{i % 100:04d}"],
                "indicators": [],
                "entities": [
                    {"type": "location", "value": place, "text": place, "start": 0, "end": 1}
                ],
                "batch_id": "bench",
                "fetched_at": at,
                "seen_at": at,
                "scored_at": at,
                "sha256": "0" * 64,
            },
        }


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    prefix = f"lantern-bench-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as tmp:
        settings = get_settings().model_copy(update={"index_prefix": prefix, "data_dir": Path(tmp)})
        es = connect(settings)
        ensure_indices(es, settings)
        server = None
        try:
            t0 = time.perf_counter()
            helpers.bulk(es, leads(args.leads, settings.index("leads")), chunk_size=5000)
            es.indices.refresh(index=settings.index("leads"))
            print(f"{args.leads:,} leads written in {time.perf_counter() - t0:.1f} s")
            add_user(es, settings, "bench.analyst", "analyst", "bench password 123", "bench")
            port = _port()
            env = {**os.environ, "LANTERN_INDEX_PREFIX": prefix, "LANTERN_DATA_DIR": tmp}
            server = subprocess.Popen(
                [str(Path(sys.executable).with_name("lantern")), "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            url = f"http://127.0.0.1:{port}"
            client = httpx.Client(base_url=url, timeout=30)
            for _ in range(300):
                try:
                    client.get("/login")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            client.post(
                "/login", data={"username": "bench.analyst", "password": "bench password 123"}
            )
            cases = {
                "no filter, by score": "/leads",
                "full-text search": "/leads?q=discreet+sweet",
                "search + tier + category + place + source + dates": (
                    f"/leads?q=discreet&tier=high&category={CATEGORIES[0]}"
                    "&state=Las+Vegas%2C+NV&source=board-3&since=2026-09-15&until=2026-11-15"
                ),
                "newest first": "/leads?sort=newest",
                "page 20": "/leads?page=20",
            }
            print(f"GET of the triage page over {args.leads:,} leads, {args.runs} runs each:")
            for name, path in cases.items():
                times = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    answer = client.get(path)
                    times.append(time.perf_counter() - t)
                    assert answer.status_code == 200, (path, answer.status_code)
                median, worst = statistics.median(times) * 1000, max(times) * 1000
                print(f"  {name:<52} median {median:6.1f} ms   worst {worst:6.1f} ms")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            drop_indices(es, settings)


if __name__ == "__main__":
    main()
