"""Link a batch: near-duplicate templates, selector profiles, then network-aware
re-scoring of the leads they touch (each step idempotent, each only over what the
batch touches; ``None`` links everything).

Signatures are made in worker processes (:mod:`lantern.jobs.workers`) while this
process reads the batch's texts: the one CPU-bound step, on every core. The templates
are written while the profiles are built."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from elasticsearch import Elasticsearch

from lantern.jobs.workers import Mapper, chunked, processes
from leads.clustering import Signer, plan_clusters
from leads.linking import link_and_rescore
from leads.settings import Settings
from leads.templates import signed

CHUNK = 512  # texts per task


def link_batch(es: Elasticsearch, settings: Settings, batch_id: str | None) -> dict[str, Any]:
    pending: dict[str, list[str]] = {}  # template selectors, written with the new scores
    with processes(settings) as run:
        plan = plan_clusters(es, settings, batch_id, pending, sign=_signer(run))
    # Nothing below reads the templates: they are written while the profiles are built
    # and the leads re-scored (Elasticsearch indexes while this process computes).
    with ThreadPoolExecutor(1) as background:
        written = background.submit(plan.write, es, settings)
        try:
            profiles, rescored = link_and_rescore(es, settings, batch_id, pending)
        except BaseException as exc:
            if (failed := written.exception()) is not None:  # neither failure goes unsaid
                exc.add_note(f"writing the batch's templates failed too: {failed}")
            raise
        templates = written.result()
    return {
        "batch_id": batch_id,
        "templates": templates,
        "profiles": profiles,
        "rescored_leads": rescored,
    }


def _signer(run: Mapper) -> Signer:
    def sign(texts: Iterator[str]) -> Iterator[tuple[list[int], list[str]]]:
        for made in run(signed, chunked(texts, CHUNK)):
            yield from made

    return sign
