"""Guest-worker data: picks up new DOL files, loads them, re-resolves employers.

find_new (files in the drop folder not yet loaded, by SHA-256) → ingest (each file
recorded in lantern-gw-files: loaded, or refused with the reason) → resolve (only the
employers the new rows can change: records sharing a name, phone, FEIN, agent or
housing address with them, and the employers holding those; only changed employer
documents are rewritten). The drop folder is
``LANTERN_GUESTWORKER_DIR`` (a local folder by default); production fills it from the
DOL's quarterly disclosure files and SeasonalJobs' daily archives.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, task

DEFAULT_ARGS = {
    "owner": "lantern",
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(hours=2),
}


@dag(
    dag_id="lantern_guestworker",
    description="Load new H-2A/H-2B disclosures, job orders, WHD cases and debarments; "
    "resolve employers and their risk flags",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["lantern", "guestworker"],
)
def lantern_guestworker() -> None:
    @task
    def find_new() -> list[str]:
        from leads.guestworker.pipeline import sha256_of
        from leads.settings import get_settings
        from leads.store import connect, ensure_indices

        settings = get_settings()
        es = connect(settings)
        ensure_indices(es, settings)
        folder = settings.guestworker_path
        if not folder.is_dir():
            print(f"no drop folder at {folder}: nothing to load")
            return []
        new = []
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in (".xlsx", ".csv", ".json"):
                continue
            entry = es.options(ignore_status=404).get(
                index=settings.index("gw-files"), id=sha256_of(path)
            )
            if not (entry.get("found") and entry["_source"]["status"] == "loaded"):
                new.append(str(path))
        print(f"{len(new)} new file(s) in {folder}")
        return new

    @task
    def load(paths: list[str]) -> dict[str, Any]:
        from pathlib import Path

        from leads.guestworker.pipeline import ingest
        from leads.settings import get_settings
        from leads.store import connect

        settings = get_settings()
        report = ingest(connect(settings), settings, [Path(p) for p in paths])
        files = [vars(f) for f in report.files]
        for f in files:
            print(
                f"{f['file']}: {f['status']} ({f['rows_loaded']} rows, "
                f"{f['rows_failed']} failed){' — ' + f['error'] if f['error'] else ''}"
            )
        # A reference for the next task: the loaded files' hashes, never the rows.
        loaded = [f["sha256"] for f in files if f["status"] == "loaded"]
        return {"files": len(files), "rows_loaded": report.rows_loaded, "sha256s": loaded}

    @task
    def resolve(loaded: dict[str, Any]) -> dict[str, int]:
        from leads.guestworker.pipeline import records_of_files, resolve_changed
        from leads.settings import get_settings
        from leads.store import connect

        settings = get_settings()
        es = connect(settings)
        if not loaded["sha256s"]:
            print("no new rows: employers unchanged")
            return {"employers": 0, "written": 0, "deleted": 0, "records": 0}
        # Only the employers the new rows can change are re-resolved and rewritten.
        new = records_of_files(es, settings, loaded["sha256s"])
        result = resolve_changed(es, settings, new)
        print(f"lantern guestworker summary: {result}")
        return result

    resolve(load(find_new()))  # type: ignore[arg-type]  # XComArgs resolve at run time


lantern_guestworker()
