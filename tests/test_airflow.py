"""The collection DAGs, through real Airflow (SQLite metadata DB, `airflow dags test`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lantern.local.airflow import airflow_env, prepare, run_dag
from leads.batches import top_leads
from leads.settings import REPO_ROOT, Settings
from leads.store import count, scan
from nlp.pipeline import extract
from tests.conftest import Demo

IMPORT_CHECK = """
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={folder!r})
assert not bag.import_errors, bag.import_errors
print(sorted(bag.dag_ids))
for dag_id in bag.dag_ids:
    dag = bag.dags[dag_id]
    print(dag_id, sorted(t.task_id for t in dag.tasks), sorted({{t.pool for t in dag.tasks}}))
    print(dag_id, "schedule", type(dag.timetable).__name__)
    print(dag_id, "outlets", sorted({{o.uri for t in dag.tasks for o in t.outlets}}))
"""


def test_dags_import_without_errors(settings: Settings, tmp_path: Path) -> None:
    env = airflow_env(settings, tmp_path / "airflow")
    code = IMPORT_CHECK.format(folder=str(REPO_ROOT / "dags"))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, text=True, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert (
        "['lantern_assessment', 'lantern_collect_classifieds', 'lantern_collect_jobs', "
        "'lantern_collect_social', 'lantern_guestworker', 'lantern_link', 'lantern_retention']"
        in out
    )
    assert "collect_mastodon" in out and "social-mastodon" in out
    assert "crawl_demo_classifieds" in out and "site-demo-classifieds" in out
    assert "crawl_demo_jobs" in out and "site-demo-jobs" in out
    # Collection emits the leads asset; linking is scheduled on it (data-aware).
    assert "lantern_collect_classifieds outlets ['lantern://leads/']" in out
    assert "lantern_link schedule AssetTriggeredTimetable" in out


def test_one_dag_run_completes_and_its_leads_are_searchable(
    es: Any, settings: Settings, demo: Demo, tmp_path: Path
) -> None:
    env = airflow_env(settings, tmp_path / "airflow")
    assert env["LANTERN_INDEX_PREFIX"] == os.environ["LANTERN_INDEX_PREFIX"]
    prepare(env)
    # Tasks reach Elasticsearch through the Airflow Connection (the provider's hook),
    # the crawl subprocess included: ES_URL points nowhere and the run still works.
    where = urlsplit(settings.es_url)
    connection = {"conn_type": "elasticsearch", "host": where.hostname, "port": where.port,
                  "schema": where.scheme}  # fmt: skip
    env["AIRFLOW_CONN_LANTERN_ELASTICSEARCH"] = json.dumps(connection)
    env["ES_URL"] = "http://127.0.0.1:9"
    result = run_dag("lantern_collect_classifieds", env)
    assert result.returncode == 0, (result.stdout or "")[-4000:]
    assert "lantern batch summary" in (result.stdout or "")

    # This run's batch, whatever other tests indexed into the same leads index.
    es.indices.refresh(index=settings.index("leads"))
    batch = es.search(
        index=settings.index("leads"),
        size=1,
        query={"prefix": {"batch_id": "classifieds__"}},
        sort=[{"scored_at": "desc"}],
    )["hits"]["hits"][0]["_source"]["batch_id"]
    batch_leads = top_leads(es, settings, size=1000, batch_id=batch)
    assert len(batch_leads) == len(demo.boards.boards["classifieds"])
    # What the DAG stored is what extraction says of each crawled page.
    raws = list(scan(es, settings, "raw", {"term": {"provenance.batch_id": batch}}))
    extracted = {r["id"]: extract(r["text"]) for r in raws}
    high = [i for i, x in extracted.items() if x.tier == "high"]
    validated = [
        i for i, x in extracted.items() if "validated predictor" in " ".join(x.explanation)
    ]
    assert (len(high), len(validated)) == (62, 84)  # the demo board's seeded content
    by_tier = {"bool": {"filter": [{"term": {"tier": "high"}}, {"term": {"batch_id": batch}}]}}
    assert sorted(d["id"] for d in scan(es, settings, "leads", by_tier)) == sorted(high)
    assert count(es, settings, "leads", {"match": {"explanation": "validated predictor"}}) == len(
        validated
    )

    linked = run_dag("lantern_link", env)
    assert linked.returncode == 0, (linked.stdout or "")[-4000:]
    leads = list(scan(es, settings, "leads", {"match_all": {}}))
    selectors = {s for lead in leads for s in lead["selectors"]}
    assert count(es, settings, "entities") == len(selectors)
    assert count(es, settings, "templates") == count(es, settings, "raw")
    shared = {
        p["selector"]
        for p in scan(es, settings, "entities", {"match_all": {}})
        if p["doc_count"] >= 2 and not p["hub"]
    }
    networked = [lead["id"] for lead in leads if shared & set(lead["selectors"])]
    assert sorted(
        d["id"] for d in scan(es, settings, "leads", {"exists": {"field": "network"}})
    ) == (sorted(networked))
