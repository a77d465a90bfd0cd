"""What every Lantern DAG shares: default task arguments, the run id made into a batch
id, and the Elasticsearch a task works on.

Kept cheap to import (the DAG processor parses every DAG file often): Airflow's SDK only;
Lantern and the Elasticsearch provider are imported inside tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import get_current_context

# Tasks retry a couple of times (a flaky site, a restarted node); stages are idempotent,
# so a retry converges on the same documents.
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "lantern",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(hours=2),
}

# The Airflow Connection (type "elasticsearch") tasks use when it is defined, e.g.
# AIRFLOW_CONN_LANTERN_ELASTICSEARCH='{"conn_type": "elasticsearch", "host": "es01",
# "port": 9200, "schema": "https", "login": "lantern", "password": "…"}'.
CONNECTION_ID = "lantern_elasticsearch"


def batch_id(prefix: str) -> str:
    """This DAG run's batch id: ``<prefix>__<run id>`` with every character that is not a
    letter, digit, '-' or '_' made '-' (a batch id names folders)."""
    from leads.ids import check_batch_id

    run_id = str(get_current_context()["run_id"])
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in run_id)
    return check_batch_id(f"{prefix}__{safe}"[:128])


def elasticsearch() -> tuple[Any, Any]:
    """The Elasticsearch client and settings for a task. Under Airflow with the
    ``lantern_elasticsearch`` Connection defined, the client comes from it through the
    Elasticsearch provider's hook (credentials stay in Airflow's secrets backend);
    otherwise from Lantern's settings (``ES_URL``). Index templates are ensured."""
    from leads.settings import get_settings
    from leads.store import check, connect, ensure_indices

    settings = get_settings()
    connection = _connection()
    if connection is None:
        es = connect(settings)
    else:
        from airflow.providers.elasticsearch.hooks.elasticsearch import ElasticsearchSQLHook

        hook = ElasticsearchSQLHook(elasticsearch_conn_id=CONNECTION_ID)
        es = check(hook.get_conn().es, f"Airflow connection {CONNECTION_ID}")
    ensure_indices(es, settings)
    return es, settings


def _connection() -> Any:
    """The Connection, or None when it is not defined (then the settings decide)."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(CONNECTION_ID)
    except AirflowNotFoundException:
        return None
