"""Assessment DAG (monthly): the regional threat assessment of each configured region
(``LANTERN_ASSESSMENT_REGIONS``) for the month just ended, both editions, HTML and PDF,
kept beside the earlier ones under ``LANTERN_ASSESSMENTS_DIR``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, get_current_context, task

from dags import common


@dag(
    dag_id="lantern_assessment",
    description="Render each configured region's threat assessment for the month",
    schedule="@monthly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=common.DEFAULT_ARGS,
    tags=["lantern", "assessment"],
)
def lantern_assessment() -> None:
    @task
    def regions() -> list[str]:
        from lantern.jobs.runs import settings_from_environment

        return list(settings_from_environment().assessment_regions)

    @task(max_active_tis_per_dagrun=1)
    def render(region: str) -> dict[str, Any]:
        from lantern.jobs.assessment import render_month

        context = get_current_context()
        # The month that ended as the run starts: the day before the data interval's
        # end, whichever timetable @monthly resolves to (a cron trigger's interval is
        # the run time itself; a data-interval timetable's ends on the 1st).
        end = context.get("data_interval_end") or context["logical_date"]
        es, settings = common.elasticsearch()
        written = render_month(es, settings, region, (end - timedelta(days=1)).date(), "airflow")
        # Paths and hashes in the task's return (XCom): small, and enough to find them.
        return {str(w.path): w.sha256 for w in written}

    render.expand(region=regions())


lantern_assessment()
