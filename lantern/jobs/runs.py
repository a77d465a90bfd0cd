"""What every scheduled or command-line run needs before its job: the store opened with
the run's settings, a batch id from a run id, and the settings handed on to the
processes a job starts (a crawl runs in its own process)."""

from __future__ import annotations

from typing import Any

from leads.ids import check_batch_id
from leads.settings import Settings, get_settings


def settings_from_environment() -> Settings:
    """The settings of this process (``LANTERN_*`` and ``ES_URL``), read once."""
    return get_settings()


def open_store(settings: Settings | None = None) -> tuple[Any, Settings]:
    """A checked Elasticsearch client with the index templates in place, and the
    settings it was made from. Raises :class:`leads.store.StoreError`."""
    from leads.store import connect, ensure_indices

    settings = settings or get_settings()
    es = connect(settings)
    ensure_indices(es, settings)
    return es, settings


def batch_id(prefix: str, run_id: str) -> str:
    """``<prefix>__<run id>`` with every character that is not a letter, digit, '-' or
    '_' made '-' (a batch id names folders), at most 128 characters."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in run_id)
    return check_batch_id(f"{prefix}__{safe}"[:128])


def store_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process the same Elasticsearch as ``settings``
    (a DAG's crawl subprocess must write where its score task reads)."""
    env = {"ES_URL": settings.es_url, "LANTERN_INDEX_PREFIX": settings.index_prefix}
    for name in ("es_username", "es_password", "es_ca_certs"):
        value = getattr(settings, name)
        if value:
            env[f"LANTERN_{name.upper()}"] = str(value)
    return env
