"""Retention DAG (daily): stamps ``retain_until`` where missing, then deletes raw
documents, leads, orphaned selector profiles and unreferenced WARC files that are past
their retention and under no legal hold or case, each with an audit tombstone."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, task

from dags import common


@dag(
    dag_id="lantern_retention",
    description="Delete what expired and is not held, with an audit tombstone each",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=common.DEFAULT_ARGS,
    tags=["lantern", "retention"],
)
def lantern_retention() -> None:
    @task
    def sweep() -> dict[str, Any]:
        from lantern.jobs.retention import run_retention

        done = run_retention(*common.elasticsearch())
        # Counts in the task's return (XCom), not the ids: small and enough to watch.
        return {k: len(v) if isinstance(v, list | dict) else v for k, v in done.items()}

    sweep()


lantern_retention()
