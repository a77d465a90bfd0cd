"""Linking DAG: runs whenever a collection DAG lands new leads (the ``LEADS`` asset).

For each batch named by the triggering events: near-duplicate clustering, selector
profiles, and network-aware re-scoring of the leads those touch. A manual run with no
event links everything. Tasks pass batch ids only.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task

from dags import common
from dags.assets import LEADS


@dag(
    dag_id="lantern_link",
    description="Link new leads into networks: templates, selector profiles, re-scoring",
    schedule=[LEADS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=common.DEFAULT_ARGS,
    tags=["lantern", "linking"],
)
def lantern_link() -> None:
    @task
    def batches() -> list[str | None]:
        events = get_current_context().get("triggering_asset_events") or {}
        found = sorted({b for evs in events.values() for e in evs
                        for b in (e.extra or {}).get("batch_ids", [])})  # fmt: skip
        return list(found) or [None]

    @task
    def link_batch(batch_id: str | None) -> dict[str, Any]:
        from lantern.jobs.linking import link_batch

        return link_batch(*common.elasticsearch(), batch_id)

    link_batch.expand(batch_id=batches())


lantern_link()
