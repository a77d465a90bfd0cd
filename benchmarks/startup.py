"""Start-up time of the ``lantern`` command, as a person at a terminal feels it.

    .venv/bin/python benchmarks/startup.py [--repeats 5]

Times, alternating, ``lantern --help`` (spawn to exit) and ``lantern extract`` from spawn
to its first output record (one ``{"id", "text"}`` line written to its stdin, one line
read back), and keeps the best of ``--repeats`` runs of each, since one run on a shared
machine can be disturbed. The last line holds both figures with their targets.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HELP_TARGET = 1.5  # seconds, spawn to exit
EXTRACT_TARGET = 2.5  # seconds, spawn to the first record on stdout
RECORD = {"id": "startup-1", "text": "Sweet new girl in town, incall only, text 702-555-0142"}


def lantern() -> list[str]:
    """The console script installed beside this interpreter."""
    return [str(Path(sys.executable).with_name("lantern"))]


def time_help(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([*command, "--help"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_first_record(command: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*command, "extract"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write((json.dumps(RECORD) + "\n").encode())
    proc.stdin.flush()
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.stdin.close()
    proc.stdout.read()
    proc.wait()
    if json.loads(line).get("id") != RECORD["id"]:
        raise SystemExit(f"unexpected first record: {line[:200]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5, help="runs of each; best kept")
    args = parser.parse_args()
    command = lantern()
    time_help(command)  # one unmeasured run of each: the first reads the files from disk
    time_first_record(command)
    helps: list[float] = []
    firsts: list[float] = []
    for _ in range(args.repeats):
        helps.append(time_help(command))
        firsts.append(time_first_record(command))
    for name, runs in (("--help", helps), ("extract first record", firsts)):
        print(f"{name}: " + ", ".join(f"{t:.2f}" for t in runs) + " s")
    print(
        f"start-up: --help {min(helps):.2f} s (≤ {HELP_TARGET}), "
        f"extract first record {min(firsts):.2f} s (≤ {EXTRACT_TARGET})"
    )


if __name__ == "__main__":
    main()
