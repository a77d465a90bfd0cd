"""End to end: raw ads through `lantern index --kind raw`, `lantern score` and `lantern link`
against the local Elasticsearch, under a prefix of the benchmark's own, as a user runs
them (each a command, start-up included).

The ads are synthetic and fictional (555-01xx numbers): near-duplicate families written
from templates, and small networks sharing a phone across cities. Prints each stage's
time, ads/s overall, peak memory of the commands, the counts contract (in = indexed +
dead letters) and, last, ``end-to-end: N ads/s``.

    .venv/bin/python -m benchmarks.e2e [--ads 20000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.linking import with_templates
from benchmarks.synthetic_ads import synthetic_ads
from leads.settings import get_settings
from leads.store import connect, count, drop_indices, ensure_indices

CITIES = ["Las Vegas, NV", "Phoenix, AZ", "Los Angeles, CA", "Houston, TX", "Atlanta, GA",
          "Denver, CO", "Miami, FL", "Chicago, IL", "Seattle, WA", "Salinas, CA"]  # fmt: skip


def raw_documents(n: int, batch: str, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` raw documents: 30% from template families, and one ad in twenty in a small
    network (a phone shared by 3 to 8 ads in different cities)."""
    rng = random.Random(seed)
    texts = with_templates(list(synthetic_ads(n, seed)), share=0.3, families=max(1, n // 10))
    start = datetime(2026, 11, 1, tzinfo=UTC)
    networks = [f"(702) 555-01{i % 100:02d}" for i in range(max(1, n // 100))]
    docs = []
    for i, text in enumerate(texts):
        if rng.random() < 0.05:
            text += f" Text {rng.choice(networks)} in {rng.choice(CITIES)}."
        body = text.encode()
        doc_id = hashlib.sha256(f"e2e:{seed}:{i}".encode()).hexdigest()[:32]
        docs.append(
            {
                "id": doc_id,
                "title": text[:60],
                "text": text,
                "posted_at": (start + timedelta(minutes=i)).date().isoformat(),
                "provenance": {
                    "source_id": "bench-board",
                    "url": f"http://127.0.0.1:9/bench/{i}",
                    "final_url": f"http://127.0.0.1:9/bench/{i}",
                    "fetched_at": (start + timedelta(seconds=i)).isoformat(),
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "batch_id": batch,
                    "crawler_version": "bench",
                    "http_status": 200,
                },
            }
        )
    return docs


def _es_cpu() -> float | None:
    """CPU seconds the local Elasticsearch node has used so far (None when it is not
    the project's local node): where the time goes, Lantern or Elasticsearch."""
    pidfile = get_settings().es_home_path / "es.pid"
    try:
        fields = Path(f"/proc/{int(pidfile.read_text())}/stat").read_text().rsplit(")", 1)[1]
    except (OSError, ValueError):
        return None
    utime, stime = fields.split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _lantern(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "lantern", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"lantern {' '.join(args)} failed: {run.stderr[-2000:]}")
    return took, run.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ads", type=int, default=20_000)
    args = parser.parse_args()
    prefix = f"lantern-bench-e2e-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "LANTERN_INDEX_PREFIX": prefix}
    os.environ["LANTERN_INDEX_PREFIX"] = prefix
    get_settings.cache_clear()
    settings = get_settings()
    es = connect(settings)
    ensure_indices(es, settings)
    batch = "bench-e2e"
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "raw.jsonl"
            docs = raw_documents(args.ads, batch)
            path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
            print(f"{len(docs):,} raw ads (synthetic, fictional) under the prefix {prefix}")
            stages = [
                ("index", ["index", str(path), "--kind", "raw"]),
                ("score", ["score", "--batch-id", batch]),
                ("link", ["link", "--batch-id", batch]),
            ]
            times = {}
            for name, command in stages:
                es_before, ours_before = _es_cpu(), _children_cpu()
                took, _ = _lantern(env, *command)
                times[name] = took
                es_after, ours = _es_cpu(), _children_cpu() - ours_before
                es_cpu = (
                    f", Elasticsearch {es_after - es_before:5.1f}" if es_after and es_before else ""
                )
                print(f"{name:>6}: {took:7.1f} s  {len(docs) / took:8,.0f} ads/s   "
                      f"(CPU s: Lantern {ours:5.1f}{es_cpu})")  # fmt: skip
        raw = count(es, settings, "raw", {"term": {"provenance.batch_id": batch}})
        leads = count(es, settings, "leads", {"term": {"batch_id": batch}})
        letters = count(es, settings, "deadletters", {"match_all": {}})
        total = sum(times.values())
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"counts: in {len(docs):,} = raw {raw:,} + dead letters {letters:,}; leads {leads:,}")
        if raw + letters != len(docs) or leads != raw:
            print("LOSS: the counts contract does not hold")
        print(f"peak memory of one command: {peak:,.0f} MiB")
        print(f"total {total:.1f} s for {len(docs):,} ads")
        print(f"end-to-end: {len(docs) / total:,.0f} ads/s")
    finally:
        drop_indices(es, settings)


if __name__ == "__main__":
    main()
