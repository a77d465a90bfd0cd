"""``lantern extract`` as a command against extraction in this process, same texts.

    .venv/bin/python -m benchmarks.extract_cli [--lines 100000]

The command reads JSON Lines from a file and writes one extraction per line (the
work a user pipes through it); the reference runs ``extract_many`` over the same
texts in one process and serialises each result the same way. Both on one core each,
alternately, best of ``--repeats``; the last line is the ratio (goal ≥ 0.90).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.synthetic_ads import synthetic_ads


def in_process(texts: list[str]) -> float:
    from nlp.pipeline import extract_many, get_pipeline

    get_pipeline(None)
    started = time.perf_counter()
    for extraction in extract_many((str(i), t) for i, t in enumerate(texts)):
        extraction.model_dump_json()
    return time.perf_counter() - started


def command(path: Path) -> float:
    lantern = str(Path(sys.executable).with_name("lantern"))
    started = time.perf_counter()
    subprocess.run([lantern, "extract", str(path), "--out", "/dev/null"], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    texts = list(synthetic_ads(args.lines, seed=5))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ads.jsonl"
        path.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n"
                                for i, t in enumerate(texts)), encoding="utf-8")  # fmt: skip
        cli, ours = [], []
        for _ in range(args.repeats):
            cli.append(command(path))
            ours.append(in_process(texts))
    rate_cli, rate_ours = args.lines / min(cli), args.lines / min(ours)
    print(f"lantern extract (start-up included): {rate_cli:,.0f} docs/s (best of {args.repeats})")
    print(f"extract_many in one process:         {rate_ours:,.0f} docs/s")
    print(f"ratio: {rate_cli / rate_ours:.2f}")


if __name__ == "__main__":
    main()
