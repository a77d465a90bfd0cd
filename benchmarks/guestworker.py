"""Guest-worker ingest and resolution throughput.

    .venv/bin/python benchmarks/guestworker.py [--h2a-rows 20000] [--whd-rows 5000] [--es]

Writes a generated H-2A workbook (FY2020+ layout) and a WHD file, then times: reading
them into records (the workbook vetted, then read by calamine, or streamed through
defused XML when it cannot be vetted; typed cells), and resolving employers with their
risk flags. These files hold no job orders, so no job-order text goes through the NLP
pipeline here. ``--es`` also times indexing the records into the local Elasticsearch.
Prints rows/s for each step, checks that every row became a record or a row error, and
ends with the peak memory of the process and the time of the whole script.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # the whole script's time counts its imports too

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.guestworker_samples import write_h2a_workbook, write_whd_csv  # noqa: E402
from leads.guestworker.files import FileReport, read_records, sha256_of  # noqa: E402
from leads.guestworker.flags import assess  # noqa: E402
from leads.guestworker.records import GwRecord  # noqa: E402
from leads.guestworker.resolve import resolve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--h2a-rows", type=int, default=20_000)
    parser.add_argument("--whd-rows", type=int, default=5_000)
    parser.add_argument("--es", action="store_true", help="also time indexing into Elasticsearch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        h2a = write_h2a_workbook(folder / "H-2A_Disclosure_Data_FY2024_Q4.xlsx", rows=args.h2a_rows)
        whd = write_whd_csv(folder / "whd_whisard.csv", rows=args.whd_rows)
        print(
            f"generated {args.h2a_rows:,} H-2A rows and {args.whd_rows:,} WHD rows "
            f"in {time.perf_counter() - start:.1f} s ({h2a.stat().st_size / 1e6:.1f} MB xlsx)"
        )

        records: list[GwRecord] = []
        errors = 0
        start = time.perf_counter()
        for path in (h2a, whd):
            report = FileReport(file=path.name)
            for item in read_records(path, sha256_of(path), report):
                if isinstance(item, GwRecord):
                    records.append(item)
                else:
                    errors += 1
        read_s = time.perf_counter() - start
        rows = len(records) + errors
        print(
            f"read:    {rows:,} rows in {read_s:.1f} s = {rows / read_s:,.0f} rows/s "
            f"({errors} row errors)"
        )
        if rows != args.h2a_rows + args.whd_rows:  # the counts contract
            sys.exit(f"{args.h2a_rows + args.whd_rows:,} rows written but {rows:,} read")

        start = time.perf_counter()
        employers = resolve(records)
        resolve_s = time.perf_counter() - start
        start = time.perf_counter()
        assessed = assess(employers, [r for r in records if r.dataset == "debarment"])
        flags_s = time.perf_counter() - start
        flagged = sum(1 for a in assessed if a.flags)
        print(
            f"resolve: {len(employers):,} employers in {resolve_s:.1f} s = "
            f"{rows / resolve_s:,.0f} rows/s; flags {flags_s:.1f} s ({flagged:,} flagged)"
        )

        if args.es:
            from leads.settings import get_settings
            from leads.store import bulk_index, connect, drop_indices, ensure_indices

            # Its own index prefix, dropped afterwards: never mixed into real data.
            settings = get_settings().model_copy(update={"index_prefix": "lantern-bench"})
            es = connect(settings)
            ensure_indices(es, settings)
            start = time.perf_counter()
            written = bulk_index(
                es,
                settings,
                "gw-records",
                ((r.id, r.model_dump(mode="json")) for r in records),
                stage="bench",
            )
            stored = written.indexed
            index_s = time.perf_counter() - start
            print(
                f"index:   {stored:,} records in {index_s:.1f} s = {stored / index_s:,.0f} rows/s"
            )
            drop_indices(es, settings)

        total = read_s + resolve_s + flags_s
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:,.0f} MiB")
        print(f"ingest + resolution throughput: {rows / total:,.0f} rows/s")
    print(
        f"guest-worker: {time.perf_counter() - STARTED:.1f} s for {args.h2a_rows:,} + "
        f"{args.whd_rows:,} rows (whole script; read + resolve + flags {total:.1f} s)"
    )


if __name__ == "__main__":
    main()
