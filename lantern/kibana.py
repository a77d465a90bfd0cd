"""Kibana saved objects as code: data views, searches, visualizations, a map and the
dashboards analysts and operators open, with deterministic ids, written as the NDJSON
Kibana's saved-objects import API reads (``lantern kibana --out kibana/lantern.ndjson``;
the compose stack's ``kibana-setup`` service imports it into a space per agency).

Every field an object uses is read from Lantern's own mappings by the test
(tests/test_kibana.py) with a type that suits the use: terms on keyword, time on date,
maps on geo_point.
"""

from __future__ import annotations

import json
from typing import Any

KIBANA_VERSION = "8.19.21"

# Data views: (kind, name, time field)
DATA_VIEWS = (
    ("leads", "Lantern leads", "fetched_at"),
    ("raw", "Lantern raw documents", "provenance.fetched_at"),
    ("entities", "Lantern selector profiles", "last_seen"),
    ("gw-employers", "Lantern guest-worker employers", "updated_at"),
    ("deadletters", "Lantern dead letters", "at"),
    ("state", "Lantern collection state", "updated_at"),
    ("audit", "Lantern audit trail", "at"),
)


def _ref(kind: str, prefix: str) -> str:
    return f"{prefix}-{kind}"


def _search_source(query: str = "") -> str:
    return json.dumps(
        {
            "query": {"query": query, "language": "kuery"},
            "filter": [],
            "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
        },
        sort_keys=True,
    )


def _vis(
    prefix: str,
    vid: str,
    title: str,
    kind: str,
    vis_type: str,
    aggs: list[dict[str, Any]],
    query: str = "",
) -> dict[str, Any]:
    """A legacy (aggregation-based) visualization: portable across 8.x without Lens."""
    numbered = [{"id": str(i + 1), "enabled": True, **a} for i, a in enumerate(aggs)]
    state = {
        "title": title,
        "type": vis_type,
        "params": {"addLegend": True, "addTooltip": True},
        "aggs": numbered,
    }
    return {
        "type": "visualization",
        "id": vid,
        "attributes": {
            "title": title,
            "visState": json.dumps(state, sort_keys=True),
            "uiStateJSON": "{}",
            "description": "",
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(query)},
        },
        "references": [
            {
                "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                "type": "index-pattern",
                "id": _ref(kind, prefix),
            }
        ],
    }


def _count() -> dict[str, Any]:
    return {"type": "count", "schema": "metric", "params": {}}


def _terms(field: str, size: int = 10, schema: str = "group") -> dict[str, Any]:
    return {
        "type": "terms",
        "schema": schema,
        "params": {"field": field, "size": size, "order": "desc", "orderBy": "1"},
    }


def _days(field: str) -> dict[str, Any]:
    return {
        "type": "date_histogram",
        "schema": "segment",
        "params": {"field": field, "interval": "d", "min_doc_count": 1},
    }


def _dashboard(did: str, title: str, panels: list[str], description: str) -> dict[str, Any]:
    grid = []
    refs = []
    for i, panel in enumerate(panels):
        kind = (
            "map"
            if panel.endswith("-map")
            else "search"
            if panel.endswith("-list")
            else "visualization"
        )
        grid.append(
            {
                "panelIndex": str(i + 1),
                "version": KIBANA_VERSION,
                "gridData": {
                    "x": (i % 2) * 24,
                    "y": (i // 2) * 15,
                    "w": 24,
                    "h": 15,
                    "i": str(i + 1),
                },
                "panelRefName": f"panel_{i}",
                "type": kind,
                "embeddableConfig": {},
            }
        )
        refs.append({"name": f"panel_{i}", "type": kind, "id": panel})
    return {
        "type": "dashboard",
        "id": did,
        "attributes": {
            "title": title,
            "description": description,
            "panelsJSON": json.dumps(grid, sort_keys=True),
            "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
            "timeRestore": False,
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": json.dumps(
                    {"query": {"query": "", "language": "kuery"}, "filter": []}, sort_keys=True
                )
            },
        },
        "references": refs,
    }


def saved_objects(prefix: str = "lantern") -> list[dict[str, Any]]:
    """Every saved object, in import order (data views first)."""
    objects: list[dict[str, Any]] = [
        {
            "type": "index-pattern",
            "id": _ref(kind, prefix),
            "attributes": {"title": _ref(kind, prefix), "timeFieldName": time, "name": name},
            "references": [],
        }
        for kind, name, time in DATA_VIEWS
    ]
    objects.append(
        {
            "type": "search",
            "id": f"{prefix}-high-leads-list",
            "attributes": {
                "title": "Lantern: high-tier leads",
                "columns": ["score", "tier", "title", "categories", "selectors", "url"],
                "sort": [["score", "desc"]],
                "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source("tier:high")},
            },
            "references": [
                {
                    "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                    "type": "index-pattern",
                    "id": _ref("leads", prefix),
                }
            ],
        }
    )
    vis = [
        # Lead triage
        _vis(
            prefix,
            f"{prefix}-leads-by-tier",
            "Leads per day by tier",
            "leads",
            "histogram",
            [_count(), _days("fetched_at"), _terms("tier", 4)],
        ),
        _vis(
            prefix,
            f"{prefix}-leads-by-category",
            "Indicator categories in leads",
            "leads",
            "table",
            [_count(), _terms("categories", 30, "bucket")],
        ),
        _vis(
            prefix,
            f"{prefix}-leads-by-source",
            "Leads by source and tier",
            "leads",
            "table",
            [_count(), _terms("source_id", 20, "bucket"), _terms("tier", 4, "bucket")],
        ),
        # Selectors and networks
        _vis(
            prefix,
            f"{prefix}-selectors-reused",
            "Selectors in the most ads",
            "entities",
            "table",
            [
                {"type": "max", "schema": "metric", "params": {"field": "doc_count"}},
                _terms("selector", 25, "bucket"),
            ],
            "hub:false",
        ),
        _vis(
            prefix,
            f"{prefix}-selectors-by-type",
            "Selector profiles by type",
            "entities",
            "pie",
            [_count(), _terms("type", 10, "segment")],
        ),
        _vis(
            prefix,
            f"{prefix}-network-sizes",
            "Leads by network size",
            "leads",
            "histogram",
            [
                _count(),
                {
                    "type": "histogram",
                    "schema": "segment",
                    "params": {"field": "network.ads", "interval": 5},
                },
            ],
        ),
        # Guest-worker risk
        _vis(
            prefix,
            f"{prefix}-employers-by-flag",
            "Employers by risk flag",
            "gw-employers",
            "table",
            [_count(), _terms("flag_ids", 30, "bucket")],
        ),
        _vis(
            prefix,
            f"{prefix}-employers-by-state",
            "Flagged employers by state",
            "gw-employers",
            "table",
            [_count(), _terms("states", 60, "bucket"), _terms("tier", 4, "bucket")],
            "risk > 0",
        ),
        # Collection health
        _vis(
            prefix,
            f"{prefix}-documents-per-day",
            "Documents collected per day by source",
            "raw",
            "histogram",
            [_count(), _days("provenance.fetched_at"), _terms("provenance.source_id", 20)],
        ),
        _vis(
            prefix,
            f"{prefix}-deadletters-per-day",
            "Dead letters per day by stage",
            "deadletters",
            "histogram",
            [_count(), _days("at"), _terms("stage", 10)],
        ),
        _vis(
            prefix,
            f"{prefix}-source-status",
            "Refusals and state per source",
            "state",
            "table",
            [_count(), _terms("source_id", 50, "bucket"), _terms("status", 10, "bucket")],
            "not status:ok",
        ),
    ]
    objects += vis
    layer = {
        "id": "leads-places",
        "type": "GEOJSON_VECTOR",
        "visible": True,
        "label": "Where ads point (lead places)",
        "sourceDescriptor": {
            "type": "ES_GEO_GRID",
            "id": "leads-places-source",
            "geoField": "places",
            "requestType": "point",
            "resolution": "COARSE",
            "indexPatternRefName": "layer_0_source_index_pattern",
        },
    }
    objects.append(
        {
            "type": "map",
            "id": f"{prefix}-threat-map",
            "attributes": {
                "title": "Lantern: threat map (places ads point to)",
                "description": "Lead places on a grid; no base map (offline).",
                "layerListJSON": json.dumps([layer], sort_keys=True),
                "mapStateJSON": json.dumps({"zoom": 3.5, "center": {"lat": 38, "lon": -97}}),
                "uiStateJSON": "{}",
            },
            "references": [
                {
                    "name": "layer_0_source_index_pattern",
                    "type": "index-pattern",
                    "id": _ref("leads", prefix),
                }
            ],
        }
    )
    objects += [
        _dashboard(
            f"{prefix}-dash-triage",
            "Lantern: lead triage",
            [
                f"{prefix}-high-leads-list",
                f"{prefix}-leads-by-tier",
                f"{prefix}-leads-by-category",
                f"{prefix}-leads-by-source",
            ],
            "High-tier leads, leads per day by tier, categories and sources.",
        ),
        _dashboard(
            f"{prefix}-dash-threat-map",
            "Lantern: threat map",
            [f"{prefix}-threat-map", f"{prefix}-leads-by-category"],
            "Where ads point, and what they show.",
        ),
        _dashboard(
            f"{prefix}-dash-selectors",
            "Lantern: selector reuse and networks",
            [
                f"{prefix}-selectors-reused",
                f"{prefix}-selectors-by-type",
                f"{prefix}-network-sizes",
            ],
            "Selectors in many ads, and how large the networks are.",
        ),
        _dashboard(
            f"{prefix}-dash-guestworker",
            "Lantern: guest-worker risk",
            [f"{prefix}-employers-by-flag", f"{prefix}-employers-by-state"],
            "H-2A/H-2B employers by risk flag and state.",
        ),
        _dashboard(
            f"{prefix}-dash-collection",
            "Lantern: collection health",
            [
                f"{prefix}-documents-per-day",
                f"{prefix}-deadletters-per-day",
                f"{prefix}-source-status",
            ],
            "Documents, dead letters and refusals per source and day.",
        ),
    ]
    return objects


def ndjson(prefix: str = "lantern") -> str:
    return "".join(json.dumps(o, sort_keys=True) + "\n" for o in saved_objects(prefix))
