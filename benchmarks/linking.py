"""Near-duplicate hashing and clustering throughput, on one core.

    .venv/bin/python benchmarks/linking.py [--ads 200000]

On synthetic ads (30% of them reusing one of 2,000 templates), times MinHash signatures
(``MinHash.bulk``), LSH band keys, and candidate grouping with the same band keys and
similarity check the Elasticsearch-backed clustering uses, and prints docs/s for each
and memory per 100k ads. Elasticsearch round trips are not included (they batch per
crawl). The last line is ``linking throughput: N ads/s per core`` (target ≥ 4,000).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic_ads import synthetic_ads  # noqa: E402
from leads.templates import SIMILAR, band_keys, signatures, similarity  # noqa: E402


def with_templates(ads: list[str], share: float = 0.3, families: int = 2_000) -> list[str]:
    """Makes ``share`` of the ads reuse one of ``families`` templates, varying only the
    numbers and the first two words (as posters vary names, ages, prices, phones)."""
    rng = random.Random(9)
    bases = ads[:families]
    out = []
    for i, ad in enumerate(ads):
        if i >= families and rng.random() < share:
            words = rng.choice(bases).split()
            words[:2] = [rng.choice(ads[i].split()), rng.choice(ads[i].split())]
            ad = re.sub(r"\d", lambda _: str(rng.randrange(10)), " ".join(words))
        out.append(ad)
    return out


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ads", type=int, default=200_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = with_templates(list(synthetic_ads(args.ads, seed=3)))
    base = rss_mib()
    print(f"{len(texts):,} synthetic ads")

    start = time.perf_counter()
    sigs = signatures(texts)
    hashing = time.perf_counter() - start

    start = time.perf_counter()
    keys = [band_keys(s) for s in sigs]
    banding = time.perf_counter() - start

    start = time.perf_counter()
    buckets: dict[str, list[int]] = {}
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, ks in enumerate(keys):
        for key in ks:
            peers = buckets.setdefault(key, [])
            for j in peers[:50]:  # as in clustering: crowded buckets are not followed
                if find(i) != find(j) and similarity(sigs[i], sigs[j]) >= SIMILAR:
                    parent[max(find(i), find(j))] = min(find(i), find(j))
            peers.append(i)
    grouping = time.perf_counter() - start
    clusters = len({find(i) for i in range(len(texts))})
    total = hashing + banding + grouping
    per_100k = (rss_mib() - base) * 100_000 / len(texts)

    n = len(texts)
    print(f"MinHash signatures:   {n / hashing:>10,.0f} ads/s")
    print(f"LSH band keys:        {n / banding:>10,.0f} ads/s")
    print(f"candidate grouping:   {n / grouping:>10,.0f} ads/s ({clusters:,} clusters)")
    print(f"total {total:.1f} s for {n:,} ads; memory {per_100k:.0f} MiB per 100k ads")
    print(f"linking throughput: {n / total:,.0f} ads/s per core")


if __name__ == "__main__":
    main()
