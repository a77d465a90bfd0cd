"""Link a batch: near-duplicate templates, selector profiles, then network-aware
re-scoring of the leads they touch (each step idempotent, each only over what the
batch touches; ``None`` links everything)."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from leads.clustering import cluster_batch
from leads.linking import link_and_rescore
from leads.settings import Settings


def link_batch(es: Elasticsearch, settings: Settings, batch_id: str | None) -> dict[str, Any]:
    pending: dict[str, list[str]] = {}  # template selectors, written with the new scores
    templates = cluster_batch(es, settings, batch_id, pending)
    profiles, rescored = link_and_rescore(es, settings, batch_id, pending)
    return {
        "batch_id": batch_id,
        "templates": templates,
        "profiles": profiles,
        "rescored_leads": rescored,
    }
