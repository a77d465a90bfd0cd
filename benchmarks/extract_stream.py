"""Memory of ``lantern extract`` on a long stream: it must stay flat.

    .venv/bin/python benchmarks/extract_stream.py [--lines 1000000]

Pipes synthetic JSON Lines into ``lantern extract --out /dev/null`` and samples the
process's resident memory as it goes; prints the samples, the growth from the first
tenth to the end, and docs/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic_ads import synthetic_ads  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    lantern = str(Path(sys.executable).with_name("lantern"))
    proc = subprocess.Popen(
        [lantern, "extract", "--out", "/dev/null"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None
    samples: list[tuple[int, float]] = []
    written = 0

    def sample() -> None:
        while proc.poll() is None:
            samples.append((written, rss_mib(proc.pid)))
            time.sleep(2)

    threading.Thread(target=sample, daemon=True).start()
    start = time.perf_counter()
    # Every line a new synthetic ad: new names, prices and times keep arriving, as in life.
    for i, text in enumerate(synthetic_ads(args.lines, seed=5)):
        proc.stdin.write((json.dumps({"id": str(i), "text": text}) + "\n").encode())
        written = i + 1
    proc.stdin.close()
    proc.wait()
    elapsed = time.perf_counter() - start
    steps = max(1, len(samples) // 10)
    for lines, mib in samples[::steps]:
        print(f"after {lines:>9,} lines written: RSS {mib:7.1f} MiB")
    tenth = next((mib for lines, mib in samples if lines >= args.lines // 10), samples[0][1])
    peak = max(mib for _, mib in samples)
    print(f"{args.lines:,} lines in {elapsed:.0f} s ({args.lines / elapsed:,.0f} docs/s)")
    print(
        f"RSS after the first tenth {tenth:.1f} MiB, peak {peak:.1f} MiB, "
        f"growth {peak - tenth:+.1f} MiB"
    )


if __name__ == "__main__":
    main()
