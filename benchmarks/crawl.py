"""Crawl throughput: Lantern's crawl of a large demo board against bare Scrapy spiders
that make the same fetches.

The demo boards' server (``demo/boards``) runs in a process of its own on 127.0.0.1 with
a classifieds board of ``--ads`` fictional ads (555-01xx numbers), about half of them with
a photo; every photo is drawn once in an untimed warm-up, so the timed crawls measure the
crawlers, not the server's drawing.

- **Lantern** crawls it as ``lantern crawl``, the demo and the Airflow DAG do: ``python -m
  crawlers.run PROFILE --batch-id B --base-url URL`` in a subprocess, with the demo's
  classifieds profile (``demo/profiles/demo-classifieds.yaml``, only its page budget raised
  to take the whole board). So: robots.txt obeyed, the SSRF guard and its resolver, the
  honest User-Agent, WARC evidence of every response, provenance on every document, photo
  fingerprints with their safety limits, and documents and dead letters written to
  Elasticsearch as in real use, under an index prefix of the benchmark's own that is
  dropped at the end (``--no-index``: to a JSON Lines file instead).
- **bare**: ``benchmarks/bare_spider.py`` with Scrapy's defaults, the same selectors and
  the same fetches (robots.txt, listing pages, ad pages, and the photos), nothing else.
  The ratio against it is the issue's measure (the last line).
- **lean**: the same spider with the settings Lantern uses to save work that are not
  features (no cookies, no consoles, one item at a time, no per-response check of the
  callbacks' source): the ratio against it is what Lantern's features cost.

All get the profile's politeness, which is the demo's: ``download_delay: 0`` and no
AutoThrottle, because the server is our own loopback process (a real site keeps the 1 s
default), and ``concurrency_per_host: 4`` with 16 requests in total. None of it is a
setting of this script: change the profile and all change.

Each crawl is timed from start to exit, start-up included, as a user runs it (install
with ``make install``, which compiles the bytecode). Runs are interleaved (Lantern, bare,
lean, Lantern, ... with photos, then without) and the best of ``--rounds`` counts, because
the machine is shared and 2-core; CPU time per page is printed too, as it moves less with
the load. The server's hit counter checks that all made the same fetches. Pages are
listing and ad pages; photos are fetched on top. Prints each run, the best of each, and
the ratios; the last line is ``crawl ratio (Lantern / bare, with photos)``.

    .venv/bin/python -m benchmarks.crawl [--ads 3000] [--rounds 3] [--photos-only] [--no-lean]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from demo import PROFILES_DIR
from demo.boards.generator import COMPARABLE, PLANTED
from leads.settings import REPO_ROOT, get_settings

PROFILE = "bench-board"


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the crawl process
    fetched: Counter[str]

    @property
    def pages(self) -> int:
        return self.fetched["listing"] + self.fetched["ad"]

    @property
    def rate(self) -> float:
        return self.pages / self.seconds


class Board:
    """The demo boards' server in a process of its own."""

    def __init__(self, ads: int) -> None:
        generated = ads - len(PLANTED) - len(COMPARABLE)
        cmd = [sys.executable, "-m", "demo.boards.server", "--port", "0",
               "--classifieds", str(generated), "--jobs", "0"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.proc.kill()
            raise SystemExit(f"the demo boards did not start: {line!r}")
        self.url = line.split()[-1].rstrip("/")
        self.host = self.url.removeprefix("http://")

    def hits(self) -> Counter[str]:
        with urllib.request.urlopen(f"{self.url}/__hits", timeout=30) as response:
            return Counter(json.load(response))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def kinds(before: Counter[str], after: Counter[str]) -> Counter[str]:
    """Fetches between two hit counts, by kind of path."""
    out: Counter[str] = Counter()
    for path, n in (after - before).items():
        if path == "/classifieds/":
            out["listing"] += n
        elif path.startswith("/classifieds/ad/"):
            out["ad"] += n
        elif path.startswith("/img/"):
            out["photo"] += n
        else:
            out[path] += n
    return out


def timed(board: Board, cmd: list[str], env: dict[str, str]) -> tuple[Run, str]:
    before = board.hits()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:4])} failed ({done.returncode}): {done.stderr[-3000:]}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return Run(seconds, cpu, kinds(before, board.hits())), done.stderr


def crawl_summary(log: str) -> dict[str, Any]:
    """The counts Lantern's crawl prints last (documents, indexed, dead letters)."""
    for line in reversed(log.splitlines()):
        if line.startswith('{"crawl_summary"'):
            summary: dict[str, Any] = json.loads(line)["crawl_summary"]
            return summary
    return {}


def write_profiles(folder: Path, ads: int) -> dict[bool, Path]:
    """The demo's classifieds profile with a budget for the whole board, with photos and
    without (the same profile, no picture selector)."""
    demo = yaml.safe_load((PROFILES_DIR / "demo-classifieds.yaml").read_text(encoding="utf-8"))
    paths = {}
    for photos in (True, False):
        profile = {**demo, "id": PROFILE if photos else f"{PROFILE}-text", "max_pages": 2 * ads}
        profile["detail"] = dict(demo["detail"])
        if not photos:
            profile["detail"].pop("images", None)
        path = folder / f"{profile['id']}.yaml"
        path.write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
        paths[photos] = path
    return paths


CONTENDERS = {
    "lantern": "Lantern",
    "bare": "bare (Scrapy's defaults)",
    "lean": "lean bare (+ Lantern's housekeeping settings)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ads", type=int, default=3000, help="classifieds on the board")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--photos-only", action="store_true", help="skip the no-photo runs")
    parser.add_argument("--no-lean", action="store_true", help="skip the lean yardstick")
    parser.add_argument("--no-index", action="store_true", help="Lantern writes JSON Lines")
    parser.add_argument("--index-prefix", default=f"lantern-bench-crawl-{uuid.uuid4().hex[:6]}")
    args = parser.parse_args()

    os.environ["LANTERN_INDEX_PREFIX"] = args.index_prefix
    get_settings.cache_clear()
    settings = get_settings()
    es: Any = None
    if not args.no_index:
        from leads.store import connect, ensure_indices

        es = connect(settings)
        ensure_indices(es, settings)  # as in real use, the indices exist before a crawl
    board = Board(args.ads)
    variants = [True] if args.photos_only else [True, False]
    who_runs = ["lantern", "bare"] + ([] if args.no_lean else ["lean"])
    runs: dict[tuple[str, bool], list[Run]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="lantern-bench-crawl-") as tmp:
            folder = Path(tmp)
            (folder / "profiles").mkdir()
            profiles = write_profiles(folder / "profiles", args.ads)
            env = {
                **os.environ,
                "LANTERN_INDEX_PREFIX": args.index_prefix,
                "LANTERN_DATA_DIR": str(folder / "data"),
                "LANTERN_PROFILES_DIR": str(folder / "profiles"),
                "LANTERN_ALLOWED_PRIVATE_HOSTS": board.host,
            }

            def crawl(who: str, photos: bool, batch: str) -> tuple[Run, str]:
                if who == "lantern":
                    cmd = [sys.executable, "-m", "crawlers.run", profiles[photos].stem,
                           "--batch-id", batch, "--base-url", board.url]  # fmt: skip
                    if args.no_index:
                        cmd += ["--no-index", "--out", str(folder / f"{batch}.jsonl")]
                else:
                    cmd = [sys.executable, "-m", "benchmarks.bare_spider", str(profiles[photos]),
                           board.url, "--user-agent", settings.user_agent]  # fmt: skip
                    cmd += (["--photos"] if photos else []) + (["--lean"] if who == "lean" else [])
                return timed(board, cmd, env)

            # Untimed: the server draws every photo once; every program's files are cached.
            warm, _ = crawl("bare", True, "")
            crawl("lantern", True, "bench-crawl-warmup")
            print(
                f"board: {warm.fetched['ad']:,} ads on {warm.fetched['listing']} listing pages, "
                f"{warm.fetched['photo']:,} photos, on {board.url} (a process of its own); "
                f"index prefix {args.index_prefix}"
                + (" (--no-index: JSON Lines)" if args.no_index else "")
            )
            for round_no in range(1, args.rounds + 1):
                for photos in variants:
                    batch = f"bench-crawl-{round_no}-{'photos' if photos else 'text'}"
                    line = []
                    this_round = {}
                    for who in who_runs:
                        run, log = crawl(who, photos, batch)
                        this_round[who] = run
                        runs.setdefault((who, photos), []).append(run)
                        note = ""
                        if who == "lantern":
                            summary = crawl_summary(log)
                            note = f", {summary.get('documents', '?')} docs"
                        line.append(
                            f"{who} {run.rate:4.0f} pages/s ({run.seconds:4.1f} s, "
                            f"{1000 * run.cpu / run.pages:3.1f} ms CPU/page{note})"
                        )
                    if len({tuple(sorted(r.fetched.items())) for r in this_round.values()}) > 1:
                        line.append("NOT THE SAME FETCHES: " + ", ".join(
                            f"{w} {dict(r.fetched)}" for w, r in this_round.items()))  # fmt: skip
                    tag = "photos" if photos else "no photos"
                    print(f"round {round_no}, {tag:>9}: " + " | ".join(line), flush=True)
    finally:
        board.close()
        if es is not None:
            from leads.store import drop_indices

            drop_indices(es, settings)

    def best(who: str, photos: bool) -> Run:
        return max(runs[(who, photos)], key=lambda r: r.rate)

    print(f"best of {args.rounds} (spread = worst/best rate of the rounds; CPU: the least):")
    for photos in variants:
        print(f"  {'with photos' if photos else 'without photos'}:")
        for who in who_runs:
            rates = [r.rate for r in runs[(who, photos)]]
            cpu = min(1000 * r.cpu / r.pages for r in runs[(who, photos)])
            print(
                f"    {CONTENDERS[who]:<46} {max(rates):5.0f} pages/s (spread "
                f"{min(rates) / max(rates):.2f}), {cpu:.1f} ms CPU/page"
            )
    shown = best("lantern", True)
    print(f"pages: {shown.pages:,}; photos: {shown.fetched['photo']:,}")
    for yardstick in [w for w in ("lean", "bare") if w in who_runs]:
        for photos in sorted(variants):
            ratio = best("lantern", photos).rate / best(yardstick, photos).rate
            label = "with photos" if photos else "without photos"
            print(f"crawl ratio (Lantern / {yardstick}, {label}): {ratio:.2f}")


if __name__ == "__main__":
    main()
