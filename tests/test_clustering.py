"""Near-duplicate templates, batch by batch, on the real Elasticsearch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lantern.jobs.scoring import score_batch
from leads.clustering import cluster_batch, cluster_template
from leads.ids import document_id
from leads.linking import link, network
from leads.models import Provenance, RawDocument
from leads.settings import Settings
from leads.store import bulk_index, scan

TEMPLATE = ("Hi guys, I am {name}, {age}. Sweet and 100% real, new in {city} this week only. "
            "Incall and outcall, no rush. Text me at {phone} for rates and pics.")  # fmt: skip
MEMBERS = [
    ("Luna Fictitia", "21", "Las Vegas", "(702) 555-0161"),
    ("Rosa Demo", "23", "Phoenix", "(602) 555-0162"),
    ("Cleo Mock", "19", "Denver", "(303) 555-0163"),
    ("Jade Placeholder", "24", "Dallas", "(214) 555-0164"),
]
UNRELATED = [
    "Selling a gently used couch, $150 or best offer. Pickup only. Call (404) 555-0171.",
    "Piano lessons for all ages, first lesson free. Studio downtown. (206) 555-0172",
    "Warehouse associate, full time, benefits after 60 days. HR: (713) 555-0173",
    "Yard sale Saturday 8am-2pm: books, toys, tools. 12 Oak Street.",
    "Dog walker available weekday mornings, references on request. (312) 555-0174",
]


def _raw(source: str, n: int, text: str, batch: str) -> RawDocument:
    url = f"http://example.test/{source}/{n}"
    return RawDocument(id=document_id(source, url), text=text, provenance=Provenance(
        source_id=source, url=url, final_url=url, fetched_at=datetime(2026, 11, 1 + n, tzinfo=UTC),
        sha256="0" * 64, batch_id=batch, crawler_version="test", http_status=200))  # fmt: skip


def _load(es: Any, settings: Settings, docs: list[RawDocument], batch: str) -> None:
    bulk_index(es, settings, "raw", ((d.id, d.model_dump(mode="json")) for d in docs),
               stage="test", refresh=True)  # fmt: skip
    score_batch(es, settings, batch)
    cluster_batch(es, settings, batch)
    link(es, settings, batch)


@pytest.fixture(scope="module")
def loaded(es: Any, settings: Settings) -> dict[str, Any]:
    docs = [_raw("tpl", i, TEMPLATE.format(name=n, age=a, city=c, phone=p), "tpl-1")
            for i, (n, a, c, p) in enumerate(MEMBERS[:3])]  # fmt: skip
    docs += [_raw("other", i, t, "tpl-1") for i, t in enumerate(UNRELATED)]
    _load(es, settings, docs, "tpl-1")
    return {"members": [d.id for d in docs[:3]], "unrelated": [d.id for d in docs[3:]]}


def _clusters(es: Any, settings: Settings) -> dict[str, str]:
    return {d["id"]: d["cluster_id"] for d in scan(es, settings, "templates", {"match_all": {}})}


def test_a_reused_template_is_one_cluster_and_nothing_else_joins(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    clusters = _clusters(es, settings)
    ids = {clusters[m] for m in loaded["members"]}
    assert len(ids) == 1
    (cid,) = ids
    assert all(clusters[u] != cid for u in loaded["unrelated"])
    template, slots = cluster_template(es, settings, cid)
    assert "100% real, new in" in template and "▢" in template
    assert any("Luna Fictitia, 21." in s for s in slots[loaded["members"][0]])


def test_networks_follow_templates_from_one_phone_to_the_others(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    net = network(es, settings, "phone:+17025550161")
    assert sorted(d.id for d in net.docs) == sorted(loaded["members"])
    assert any(e.selector.startswith("template:") for e in net.edges)


def test_a_later_batch_joins_the_same_cluster_id_and_reruns_change_nothing(
    loaded: dict[str, Any], es: Any, settings: Settings
) -> None:
    before = _clusters(es, settings)
    assert cluster_batch(es, settings, "tpl-1")["changed_leads"] == 0
    assert _clusters(es, settings) == before
    n, a, c, p = MEMBERS[3]
    late = _raw("tpl", 3, TEMPLATE.format(name=n, age=a, city=c, phone=p), "tpl-2")
    _load(es, settings, [late], "tpl-2")
    after = _clusters(es, settings)
    assert after[late.id] == before[loaded["members"][0]]
    assert {k: v for k, v in after.items() if k != late.id} == before
