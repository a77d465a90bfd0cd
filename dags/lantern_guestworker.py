"""Guest-worker data: picks up new DOL files, loads them, re-resolves employers.

find_new (files in the drop folder not yet loaded, by SHA-256) → ingest (each file
recorded in lantern-gw-files: loaded, or refused with the reason) → resolve (only the
employers the new rows can change). Tasks pass file paths and hashes, never rows. The
drop folder is ``LANTERN_GUESTWORKER_DIR`` (a local folder by default); production fills
it from the DOL's quarterly disclosure files and SeasonalJobs' daily archives.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, task

from dags import common


@dag(
    dag_id="lantern_guestworker",
    description="Load new H-2A/H-2B disclosures, job orders, WHD cases and debarments; "
    "resolve employers and their risk flags",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={**common.DEFAULT_ARGS, "retries": 1},
    tags=["lantern", "guestworker"],
)
def lantern_guestworker() -> None:
    @task
    def find_new() -> list[str]:
        from lantern.jobs.guestworker import new_files

        return [str(p) for p in new_files(*common.elasticsearch())]

    @task(execution_timeout=timedelta(hours=2))
    def load(paths: list[str]) -> dict[str, Any]:
        from pathlib import Path

        from lantern.jobs.guestworker import ingest_files

        es, settings = common.elasticsearch()
        report, _ = ingest_files(es, settings, [Path(p) for p in paths], resolve=False)
        for f in report.files:
            failed = f" — {f.error}" if f.error else ""
            print(f"{f.file}: {f.status} ({f.rows_loaded} rows, {f.rows_failed} failed){failed}")
        # A reference for the next task: the loaded files' hashes, never the rows.
        loaded = [f.sha256 for f in report.files if f.status == "loaded"]
        return {"files": len(report.files), "rows_loaded": report.rows_loaded, "sha256s": loaded}

    @task
    def resolve(loaded: dict[str, Any]) -> dict[str, int]:
        from lantern.jobs.guestworker import resolve_files

        result = resolve_files(*common.elasticsearch(), loaded["sha256s"])
        print(f"lantern guestworker summary: {result}")
        return result

    resolve(load(find_new()))  # type: ignore[arg-type]  # XComArgs resolve at run time


lantern_guestworker()
