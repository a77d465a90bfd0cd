"""The retention job (the ``lantern_retention`` DAG and ``lantern retention run``)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from leads.audit import current_user
from leads.retention import sweep
from leads.settings import Settings


def run_retention(es: Elasticsearch, settings: Settings, dry_run: bool = False) -> dict[str, Any]:
    """Stamps ``retain_until`` where missing and deletes what expired and is not held
    (with an audit tombstone each); ``dry_run`` only says what would go."""
    done = sweep(es, settings, current_user(settings), dry_run=dry_run)
    return {
        "dry_run": dry_run,
        "leads": done.leads,
        "raw": done.raw,
        "profiles": done.profiles,
        "warc_files": done.warc_files,
        "kept": done.kept,
    }
