"""Collection DAGs: one per source family, declared from the registered site profiles.

crawl (one task per site, in that site's pool) → score (mapped over the crawls' batch
references) → summary. Tasks pass references (batch id, source id), never documents.
Kept cheap to parse: no network and no heavy imports at module level.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task

from dags import common
from dags.assets import LEADS
from lantern.jobs.collecting import site_families
from lantern.local.airflow import pool_name


def _crawl_task(profile: Any) -> Any:
    @task(
        task_id=f"crawl_{profile.id.replace('-', '_')}",
        pool=pool_name(profile.id),
        execution_timeout=timedelta(hours=1),
    )
    def crawl(batch_id: str) -> dict[str, str]:
        from lantern.jobs.crawling import crawl_or_fail
        from lantern.jobs.runs import store_env

        # The crawl writes where this DAG's score task reads: the same cluster.
        _, settings = common.elasticsearch()
        crawl_or_fail(profile.id, batch_id, env=store_env(settings))
        return {"batch_id": batch_id, "source_id": profile.id}

    return crawl


def build_collection_dag(family: str, profiles: list[Any]) -> Any:
    @dag(
        dag_id=f"lantern_collect_{family}",
        description=f"Crawl and score the {family} sources: " + ", ".join(p.id for p in profiles),
        schedule="@daily",
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=common.DEFAULT_ARGS,
        tags=["lantern", "collection", family],
    )
    def collection() -> None:
        @task
        def open_batch() -> str:
            return common.batch_id(family)

        @task(execution_timeout=timedelta(hours=1))
        def score(ref: dict[str, str]) -> dict[str, Any]:
            from lantern.jobs.scoring import score_ref

            return score_ref(*common.elasticsearch(), ref)

        @task(outlets=[LEADS])
        def summary(results: list[dict[str, Any]]) -> dict[str, int]:
            from lantern.jobs.scoring import batch_totals

            # New leads landed: the event names the batch, and the linking DAG runs on it.
            batches, totals = batch_totals(results)
            get_current_context()["outlet_events"][LEADS].extra = {"batch_ids": batches}
            print(f"lantern batch summary: {totals}")
            return totals

        batch = open_batch()
        refs = [_crawl_task(p)(batch) for p in profiles]
        summary(score.expand(ref=refs))  # type: ignore[arg-type]  # XComArg resolves at run time

    return collection()


for _family, _profiles in site_families().items():
    globals()[f"lantern_collect_{_family}"] = build_collection_dag(_family, _profiles)
