"""``lantern index`` against the Elasticsearch client's own ``parallel_bulk``, same work.

    .venv/bin/python -m benchmarks.bulk [--docs 50000] [--rounds 3]

For raw documents and for leads (synthetic, fictional: 555-01xx numbers), writes a JSON
Lines file, then, interleaved and each under a fresh index prefix of its own:

- ``lantern index FILE --kind K``: the command as a user runs it (start-up, validation,
  dead letters, refresh at the end included);
- the reference: a Python process that reads the same file, ``json.loads`` each line and
  hands it to ``elasticsearch.helpers.parallel_bulk`` with its defaults (4 threads,
  chunks of 500) into an index made from the same template, and refreshes at the end.

Prints docs/s for each round, the best of each, and, last, the ratios Lantern / reference
(the goal is ≥ 0.85). The counts contract is checked on every Lantern run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.e2e import _lantern, raw_documents
from leads.settings import Settings, get_settings
from leads.store import connect, count, drop_indices, ensure_indices

REFERENCE = """
import json, sys, time
from elasticsearch import Elasticsearch, helpers
path, index, url = sys.argv[1:4]
es = Elasticsearch(url, request_timeout=60)
def actions():
    with open(path, "rb") as f:
        for line in f:
            doc = json.loads(line)
            yield {"_index": index, "_id": doc["id"], "_source": doc}
failed = sum(1 for ok, _ in helpers.parallel_bulk(es, actions(), raise_on_error=False) if not ok)
es.indices.refresh(index=index)
print(failed)
"""


def lead_documents(raws: list[dict[str, object]]) -> list[dict[str, object]]:
    """Leads made from the raw documents the way ``lantern score`` makes them."""
    from leads.batches import build_lead
    from leads.models import RawDocument
    from nlp.pipeline import extract_many

    models = {r["id"]: RawDocument.model_validate(r) for r in raws}
    now = datetime.now(UTC)
    return [
        build_lead(models[x.id], x, now).model_dump(mode="json")
        for x in extract_many((str(r["id"]), str(r["text"])) for r in raws)
    ]


def _settings(prefix: str) -> Settings:
    os.environ["LANTERN_INDEX_PREFIX"] = prefix
    get_settings.cache_clear()
    return get_settings()


def lantern(path: Path, kind: str, n: int) -> float:
    prefix = f"lantern-bench-bulk-{uuid.uuid4().hex[:6]}"
    settings = _settings(prefix)
    es = connect(settings)
    ensure_indices(es, settings)
    try:
        env = {**os.environ, "LANTERN_INDEX_PREFIX": prefix}
        took, _ = _lantern(env, "index", str(path), "--kind", kind)
        indexed = count(es, settings, kind)
        letters = count(es, settings, "deadletters")
        if indexed + letters != n or letters:
            raise SystemExit(f"LOSS: in {n} = indexed {indexed} + dead letters {letters}")
        return took
    finally:
        drop_indices(es, settings)


def reference(path: Path, kind: str, n: int) -> float:
    prefix = f"lantern-bench-bulk-{uuid.uuid4().hex[:6]}"
    settings = _settings(prefix)
    es = connect(settings)
    ensure_indices(es, settings, [kind])
    try:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", REFERENCE, str(path), settings.index(kind), settings.es_url],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.perf_counter() - started
        if run.returncode != 0 or run.stdout.strip() != "0":
            raise SystemExit(f"the reference failed: {run.stdout[-500:]} {run.stderr[-2000:]}")
        if count(es, settings, kind) != n:
            raise SystemExit("the reference lost documents")
        return took
    finally:
        drop_indices(es, settings, [kind])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kinds", default="raw,leads")
    args = parser.parse_args()
    raws = raw_documents(args.docs, "bench-bulk")
    ratios = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.kinds.split(","):
            docs = raws if kind == "raw" else lead_documents(raws)
            path = Path(folder) / f"{kind}.jsonl"
            path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
            best = {"lantern": float("inf"), "parallel_bulk": float("inf")}
            for round_ in range(1, args.rounds + 1):
                for name, run in (("lantern", lantern), ("parallel_bulk", reference)):
                    took = run(path, kind, len(docs))
                    best[name] = min(best[name], took)
                    print(f"{kind:>5} round {round_} {name:>13}: {took:6.1f} s "
                          f"{len(docs) / took:8,.0f} docs/s")  # fmt: skip
            ratios[kind] = best["parallel_bulk"] / best["lantern"]
            print(f"{kind:>5} best: lantern {len(docs) / best['lantern']:,.0f} docs/s, "
                  f"parallel_bulk {len(docs) / best['parallel_bulk']:,.0f} docs/s")  # fmt: skip
    print("bulk ratio (lantern index / parallel_bulk): "
          + ", ".join(f"{k} {r:.2f}" for k, r in ratios.items()))  # fmt: skip


if __name__ == "__main__":
    main()
