"""The Kibana saved objects are generated (lantern/kibana.py), deterministic, and use
only fields Lantern's mappings hold, each with a type that suits its use."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lantern.kibana import ndjson, saved_objects
from leads.settings import REPO_ROOT
from leads.store import load_mapping

NUMERIC = {"integer", "long", "float", "double", "short", "scaled_float"}
SUITS = {
    "terms": {"keyword", "boolean"} | NUMERIC,
    "date_histogram": {"date"},
    "histogram": NUMERIC,
    "max": NUMERIC | {"date"},
    "time": {"date"},
    "geo": {"geo_point"},
    "column": {"keyword", "text", "integer", "long", "float", "date", "boolean", "geo_point"},
    "query": {"keyword", "boolean", "date"} | NUMERIC,
}


def _fields(kind: str) -> dict[str, str]:
    """Every field of a kind's mapping, dotted, with its type."""
    out: dict[str, str] = {}

    def walk(props: dict[str, Any], prefix: str) -> None:
        for name, spec in props.items():
            if "properties" in spec:
                walk(spec["properties"], f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = spec.get("type", "object")

    walk(load_mapping(kind)["mappings"]["properties"], "")
    return out


def _uses(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, use) for every field a saved object names."""
    attrs = obj["attributes"]
    uses: list[tuple[str, str]] = []
    if obj["type"] == "index-pattern":
        uses.append((attrs["timeFieldName"], "time"))
    if obj["type"] == "visualization":
        for agg in json.loads(attrs["visState"])["aggs"]:
            if "field" in agg["params"]:
                uses.append((agg["params"]["field"], agg["type"]))
    if obj["type"] == "search":
        uses += [(c, "column") for c in attrs["columns"]]
        uses += [(s[0], "column") for s in attrs["sort"]]
    if obj["type"] == "map":
        for layer in json.loads(attrs["layerListJSON"]):
            uses.append((layer["sourceDescriptor"]["geoField"], "geo"))
    source = attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    if source:
        query = json.loads(source)["query"]["query"]
        uses += [(f, "query") for f in re.findall(r"([a-z_.]+)\s*(?::|>|<)", query)]
    return uses


def test_the_committed_file_is_what_the_generator_writes() -> None:
    committed = (REPO_ROOT / "kibana" / "lantern.ndjson").read_text(encoding="utf-8")
    assert committed == ndjson("lantern"), "run `lantern kibana --out kibana/lantern.ndjson`"
    other = [json.loads(line) for line in ndjson("agency-b").splitlines()]
    views = [o["attributes"]["title"] for o in other if o["type"] == "index-pattern"]
    assert views and all(v.startswith("agency-b-") for v in views)  # each space its own indices
    assert not [o["id"] for o in other if o["id"].startswith("lantern-")]


def test_every_reference_resolves_and_every_id_is_unique() -> None:
    objects = saved_objects()
    ids = [(o["type"], o["id"]) for o in objects]
    assert len(ids) == len(set(ids))
    known = set(ids)
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in known, (obj["id"], ref)
    dashboards = {o["attributes"]["title"] for o in objects if o["type"] == "dashboard"}
    assert dashboards == {
        "Lantern: lead triage",
        "Lantern: threat map",
        "Lantern: selector reuse and networks",
        "Lantern: guest-worker risk",
        "Lantern: collection health",
    }


@pytest.mark.parametrize("obj", saved_objects(), ids=lambda o: o["id"])
def test_every_field_exists_with_a_type_that_suits_its_use(obj: dict[str, Any]) -> None:
    views = {
        o["id"]: o["attributes"]["title"].removeprefix("lantern-")
        for o in saved_objects()
        if o["type"] == "index-pattern"
    }
    if obj["type"] == "index-pattern":
        kind = obj["attributes"]["title"].removeprefix("lantern-")
    elif obj["type"] == "dashboard":
        return
    else:
        (view,) = [r["id"] for r in obj["references"] if r["type"] == "index-pattern"]
        kind = views[view]
    fields = _fields(kind)
    for field, use in _uses(obj):
        assert field in fields, f"{obj['id']}: {kind} has no field {field}"
        assert fields[field] in SUITS[use], (
            f"{obj['id']}: {field} is {fields[field]}, not for {use}"
        )
