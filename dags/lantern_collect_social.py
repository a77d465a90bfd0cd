"""Social-media collection: one DAG, mapped over the registered, enabled sources.

plan (per kind: reads the registry; refused sources are logged with their reason) →
one mapped collect task per kind of source, each in that kind's pool (the pool's slots and the
per-host interval keep the platform's rate limit across all workers) → score (mapped
over the collected batches) → summary, which emits the leads asset for linking.
Cursors live in Elasticsearch (lantern-state), so any worker can run the next window.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task

from dags import common
from dags.assets import LEADS
from lantern.jobs.collecting import social_kinds
from lantern.local.airflow import social_pool


def _collect_task(kind: str) -> Any:
    @task(task_id=f"collect_{kind}", pool=social_pool(kind), max_active_tis_per_dagrun=4)
    def collect(source_id: str, batch_id: str) -> dict[str, str]:
        from lantern.jobs.collecting import collect_registered

        return collect_registered(*common.elasticsearch(), source_id, batch_id)

    return collect


@dag(
    dag_id="lantern_collect_social",
    description="Collect the registered social sources (Mastodon, Bluesky, Telegram) and score",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={**common.DEFAULT_ARGS, "execution_timeout": timedelta(hours=1)},
    tags=["lantern", "collection", "social"],
)
def lantern_collect_social() -> None:
    @task
    def open_batch() -> str:
        return common.batch_id("social")

    def plan(kind: str) -> Any:
        @task(task_id=f"plan_{kind}")
        def runnable() -> list[str]:
            """The registered, enabled, allowed sources of one kind (read at run time)."""
            from lantern.jobs.collecting import runnable
            from lantern.jobs.runs import settings_from_environment

            return runnable(kind, settings_from_environment())

        return runnable()

    @task
    def refused() -> dict[str, str]:
        """Every registered source that will not run, with the reason, in the run's log."""
        from lantern.jobs.collecting import refused
        from lantern.jobs.runs import settings_from_environment

        reasons = refused(settings_from_environment())
        for source_id, why in reasons.items():
            print(f"not collecting {source_id}: {why}")
        return reasons

    # A kind with no runnable source maps to zero tasks (skipped); that must not skip
    # the scoring of the kinds that did collect.
    @task(trigger_rule="none_failed")
    def score(ref: dict[str, str]) -> dict[str, Any]:
        from lantern.jobs.scoring import score_ref

        return score_ref(*common.elasticsearch(), ref)

    @task(outlets=[LEADS], trigger_rule="none_failed")
    def summary(results: list[dict[str, Any]]) -> dict[str, int]:
        from lantern.jobs.scoring import batch_totals

        batches, totals = batch_totals(results)
        get_current_context()["outlet_events"][LEADS].extra = {"batch_ids": batches}
        print(f"lantern social summary: {totals}")
        return totals

    batch = open_batch()
    refused()
    refs = [
        _collect_task(kind).partial(batch_id=batch).expand(source_id=plan(kind))
        for kind in social_kinds()
    ]
    collected = refs[0].concat(*refs[1:])
    summary(score.expand(ref=collected))  # type: ignore[arg-type]


lantern_collect_social()
