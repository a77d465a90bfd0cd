"""Selector profiles and networks on the real Elasticsearch, from planted leads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leads.entities import profile_id
from leads.linking import link, network, render_tree
from leads.models import Entity, Lead
from leads.settings import Settings
from leads.store import bulk_index

PHONE = "+15055550142"  # the planted network's phone (an area code the demo never uses)
EMAIL = "luna.fictitia@example.com"  # joins one of its ads to an ad with another phone
OTHER = "+19075550177"
HOTLINE = "+18005550199"  # a hub: in more ads than the threshold
START = datetime(2026, 11, 1, tzinfo=UTC)


def _lead(
    lead_id: str,
    batch: str,
    selectors: dict[str, str],
    age: str | None = None,
    place: str | None = None,
    day: int = 0,
) -> Lead:
    entities = [Entity(type=k, value=v, text=v, start=0, end=1) for k, v in selectors.items()]
    if age:
        entities.append(Entity(type="age", value=age, text=age, start=0, end=1))
    if place:
        entities.append(Entity(type="location", value=place, text=place, start=0, end=1))
    return Lead(
        id=lead_id, doc_id=lead_id, source_id="test-links", url=f"http://example.test/{lead_id}",
        title=f"ad {lead_id}", snippet="…", score=30, tier="low", explanation=["x"],
        categories=[], domains=[], selectors=[f"{k}:{v}" for k, v in selectors.items()],
        indicators=[], entities=entities, batch_id=batch, fetched_at=START + timedelta(days=day),
        scored_at=START, sha256="0" * 64,
    )  # fmt: skip


def _index(es: Any, settings: Settings, leads: list[Lead]) -> None:
    report = bulk_index(es, settings, "leads", ((x.id, x.model_dump(mode="json")) for x in leads),
                        stage="test", refresh=True)  # fmt: skip
    assert report.indexed == len(leads)


@pytest.fixture(scope="module")
def planted(es: Any, settings: Settings) -> dict[str, Any]:
    cities = ["Las Vegas, NV", "Phoenix, AZ", "Los Angeles, CA", "San Diego, CA", "Denver, CO"]
    leads = [
        _lead(f"net-{i}", "link-1", {"phone": PHONE}, str(19 + i), cities[i], day=i * 2)
        for i in range(5)
    ]
    leads[2] = _lead("net-2", "link-1", {"phone": PHONE, "email": EMAIL}, "21", cities[2], 4)
    leads.append(_lead("net-5", "link-1", {"phone": OTHER, "email": EMAIL}, "30", "Miami, FL", 9))
    # Unrelated ads, each with its own phone: none may be pulled into the network.
    leads += [_lead(f"solo-{i}", "link-1", {"phone": f"+1808555{i:04d}"}) for i in range(110, 120)]
    hub_size = settings.hub_threshold + 5
    leads += [_lead(f"hub-{i}", "link-1", {"phone": HOTLINE}) for i in range(hub_size)]
    _index(es, settings, leads)
    # The first network ad also names the hotline: the hub must not pull its ads in.
    hot = _lead("net-1", "link-1", {"phone": PHONE}, "20", cities[1], 2)
    hot.selectors.append(f"phone:{HOTLINE}")
    _index(es, settings, [hot])
    result = link(es, settings, "link-1")
    return {"result": result, "hub_size": hub_size + 1}


def _profile(es: Any, settings: Settings, selector: str) -> tuple[dict[str, Any], int]:
    hit = es.get(index=settings.index("entities"), id=profile_id(selector))
    return hit["_source"], hit["_seq_no"]


def test_profiles_describe_each_selector_in_plain_words(
    planted: dict[str, Any], es: Any, settings: Settings
) -> None:
    profile, _ = _profile(es, settings, f"phone:{PHONE}")
    assert profile["doc_count"] == 5
    assert profile["ages"] == ["19", "20", "21", "22", "23"]
    assert profile["states"] == ["AZ", "CA", "CO", "NV"]
    assert profile["explanation"] == (
        f"phone {PHONE} appears in 5 ads with 5 different stated ages in 5 places "
        "across 4 states over 8 days"
    )
    assert not profile["hub"]


def test_a_hub_selector_is_flagged_and_says_why(
    planted: dict[str, Any], es: Any, settings: Settings
) -> None:
    profile, _ = _profile(es, settings, f"phone:{HOTLINE}")
    assert profile["hub"] and profile["doc_count"] == planted["hub_size"]
    assert "not used to join ads" in profile["explanation"]
    assert planted["result"]["hubs"] == 1


def test_the_network_is_found_exactly_and_the_hub_is_not_followed(
    planted: dict[str, Any], es: Any, settings: Settings
) -> None:
    net = network(es, settings, f"phone:{PHONE}")
    assert sorted(d.id for d in net.docs) == [f"net-{i}" for i in range(6)]
    assert {(e.doc_id, e.selector) for e in net.edges} >= {
        ("net-2", f"email:{EMAIL}"),
        ("net-5", f"email:{EMAIL}"),
    }
    hubs = [s.selector for s in net.selectors if s.hub]
    assert hubs == [f"phone:{HOTLINE}"]
    assert net.features["states"] == 5 and net.features["stated_ages"] == 6
    assert "not followed" in net.explanation
    tree = render_tree(net)
    assert any(line.startswith(f"phone:{HOTLINE}") and "hub" in line for line in tree)


def test_relinking_changes_nothing_and_a_new_batch_touches_only_its_links(
    planted: dict[str, Any], es: Any, settings: Settings
) -> None:
    before = {s: _profile(es, settings, s) for s in (f"phone:{PHONE}", f"phone:{OTHER}")}
    assert link(es, settings, "link-1")["selectors"] == planted["result"]["selectors"]
    again = {s: _profile(es, settings, s)[0] for s in before}
    assert again == {s: p for s, (p, _) in before.items()}

    _index(es, settings, [_lead("net-6", "link-2", {"phone": PHONE}, "24", "Reno, NV", 12)])
    assert link(es, settings, "link-2")["selectors"] == 1
    grown, grown_seq = _profile(es, settings, f"phone:{PHONE}")
    untouched, untouched_seq = _profile(es, settings, f"phone:{OTHER}")
    assert grown["doc_count"] == 6 and grown_seq > before[f"phone:{PHONE}"][1]
    assert untouched_seq == before[f"phone:{OTHER}"][1]


def test_network_cli_prints_json_and_a_tree(planted: dict[str, Any]) -> None:
    from tests.conftest import lantern

    as_json = lantern("network", f"phone:{PHONE}", "--out", "-")
    assert as_json.returncode == 0, as_json.stderr.decode()
    data = json.loads(as_json.stdout)
    assert data["root"] == f"phone:{PHONE}" and len(data["docs"]) >= 6
    tree = lantern("network", f"phone:{PHONE}")
    assert tree.returncode == 0 and b"links" in tree.stdout
    bad = lantern("network", "not-a-selector")
    assert bad.returncode == 2 and b"must be type:value" in bad.stderr


def test_network_leads_rank_above_a_comparable_single_ad(
    planted: dict[str, Any], es: Any, settings: Settings
) -> None:
    from leads.linking import batch_selectors, rescore
    from leads.store import count

    # The first pass sets every touched lead's document score: all leads sharing a
    # selector with the batch, whatever batch they came in.
    touched = {"terms": {"selectors": sorted(batch_selectors(es, settings, "link-1"))}}
    assert rescore(es, settings, "link-1") == count(es, settings, "leads", touched)
    assert rescore(es, settings, "link-1") == 0  # a re-run changes nothing
    net = es.get(index=settings.index("leads"), id="net-0")["_source"]
    solo = es.get(index=settings.index("leads"), id="solo-110")["_source"]
    hub_only = es.get(index=settings.index("leads"), id="hub-0")["_source"]
    assert net["score"] > solo["score"] == 30
    assert hub_only["score"] == 30  # a hub adds nothing
    assert net["network"]["selector"] == f"phone:{PHONE}"
    assert net["explanation"][0].startswith("network (+")
    assert "different stated ages" in net["explanation"][0]


def test_link_cli_writes_the_batch_profiles(planted: dict[str, Any]) -> None:
    from tests.conftest import lantern

    result = lantern("link", "--batch-id", "link-1", "--out", "-")
    assert result.returncode == 0, result.stderr.decode()
    profiles = [json.loads(line) for line in result.stdout.decode().splitlines()]
    selectors = {p["selector"] for p in profiles}
    assert f"phone:{PHONE}" in selectors and f"phone:{HOTLINE}" in selectors
    assert b'"rescored_leads"' in result.stderr


def test_link_and_rescore_scores_from_the_profiles_it_built_as_from_the_stored_ones(
    es: Any, settings: Settings
) -> None:
    """`lantern link` re-scores from the profiles it has just built in memory: scoring
    again from what is stored must then find nothing left to change."""
    from leads.linking import link_and_rescore, rescore

    leads = [_lead(f"pair-{i}", "link-3", {"phone": "+17025550188"}, str(22 + i),
                   ["Reno, NV", "Boise, ID", "Provo, UT"][i], day=i) for i in range(3)]  # fmt: skip
    _index(es, settings, leads)
    summary, rescored = link_and_rescore(es, settings, "link-3")
    assert summary["selectors"] >= 1 and rescored == 3
    scored = es.get(index=settings.index("leads"), id="pair-0")["_source"]
    assert scored["network"]["selector"] == "phone:+17025550188" and scored["score"] > 30
    assert rescore(es, settings, "link-3") == 0
