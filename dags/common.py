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
# "port": 9200, "schema": "https", "login": "lantern", "password": "…",
# "extra": {"ca_certs": "/certs/ca.crt"}}'.
CONNECTION_ID = "lantern_elasticsearch"


def batch_id(prefix: str) -> str:
    """This DAG run's batch id: ``<prefix>__<run id>``, made safe to name folders."""
    from lantern.jobs.runs import batch_id as from_run

    return from_run(prefix, str(get_current_context()["run_id"]))


def elasticsearch() -> tuple[Any, Any]:
    """The Elasticsearch client and settings for a task. Under Airflow with the
    ``lantern_elasticsearch`` Connection defined, the cluster and credentials come from
    it, read through the Elasticsearch provider's hook (so they stay in Airflow's secrets
    backend); otherwise from Lantern's settings (``ES_URL``). Index templates ensured."""
    from lantern.jobs.runs import open_store, settings_from_environment

    settings = settings_from_environment()
    connection = _connection()
    if connection is not None:
        settings = settings.model_copy(update=_from_connection(connection))
    return open_store(settings)


def _from_connection(connection: Any) -> dict[str, Any]:
    scheme = connection.schema or "http"
    port = f":{connection.port}" if connection.port else ""
    extra = connection.extra_dejson
    return {
        "es_url": f"{scheme}://{connection.host}{port}",
        "es_username": connection.login or None,
        "es_password": connection.password or None,
        "es_ca_certs": extra.get("ca_certs") or None,
    }


def _connection() -> Any:
    """The Connection through the provider's hook, or None when it is not defined."""
    from airflow.providers.elasticsearch.hooks.elasticsearch import ElasticsearchSQLHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return ElasticsearchSQLHook(elasticsearch_conn_id=CONNECTION_ID).connection
    except AirflowNotFoundException:
        return None
