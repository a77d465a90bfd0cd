"""The report's pictures as PNG, drawn offline with matplotlib.

Maps are drawn from the places' coordinates over the Census boundaries in
``leads.regions``: no tiles, no network. Every picture is drawn for one edition, from
what that edition's table shows: a value the table hides (``<3``, or withheld so that a
total cannot give one back) is not drawn at all, since a bar's height, a dot's size or a
line's width would give it away. ``Keep(row, column)`` says what the table shows.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

from leads.assessment.cells import Picture
from leads.regions import Shape, county_shapes, state_shapes

GRADE_COLOURS = {
    "validated predictor": "#1b5e20",
    "research flag": "#2e7d32",
    "recognized indicator": "#1565c0",
    "practitioner flag": "#f9a825",
    "unvalidated": "#9e9e9e",
    "not predictive alone": "#d7ccc8",
}
LOWER_48 = (-125.0, -66.5, 24.0, 49.8)  # lon min, lon max, lat min, lat max


Keep = Callable[[str, str], bool]


def everything(row: str, column: str) -> bool:
    return True


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    fig.set_layout_engine("tight")
    return fig


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def draw(picture: Picture, keep: Keep = everything, by_label: bool = False) -> bytes | None:
    """The picture as PNG bytes, or None when there is nothing to draw. ``by_label``:
    bars in the order of their labels, as the shareable edition's tables are (an order
    by value would place a hidden bar between two shown ones)."""
    import matplotlib

    drawers: dict[str, Callable[[dict[str, Any], Keep], Any]] = {
        "stacked_bars": _stacked_bars,
        "hbars": _hbars,
        "bars": _bars,
        "region_map": _region_map,
        "circuit_map": _circuit_map,
        "choropleth": _choropleth,
    }
    # Collected text must never be read as mathtext ("$…$") or any other markup.
    with matplotlib.rc_context({"text.parse_math": False, "font.size": 8}):
        data = picture.data
        if by_label and "keys" in data:
            order = sorted(range(len(data["keys"])), key=lambda i: data["keys"][i])
            lists = ("keys", "labels", "values", "groups")
            data = {**data, **{k: [data[k][i] for i in order] for k in lists if k in data}}
        fig = drawers[picture.kind](data, keep)
        return None if fig is None else _png(fig)


def _stacked_bars(data: dict[str, Any], keep: Keep) -> Any:
    x: list[str] = data["x"]
    if not x or not data["series"]:
        return None
    fig = _figure(7.2, 3.0)
    ax = fig.add_subplot()
    bottom = [0.0] * len(x)
    for name, values in data["series"].items():
        shown = [v if keep(week, name) else 0 for week, v in zip(x, values, strict=True)]
        ax.bar(range(len(x)), shown, bottom=bottom, label=name, width=0.8)
        bottom = [b + s for b, s in zip(bottom, shown, strict=True)]
    ax.set_xticks(range(len(x)), [w[5:] for w in x], rotation=60)
    ax.set_ylabel(data["ylabel"])
    ax.legend(fontsize=7, ncols=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _hbars(data: dict[str, Any], keep: Keep) -> Any:
    labels: list[str] = data["labels"]
    if not labels:
        return None
    values = [
        v if keep(key, data["column"]) else 0
        for key, v in zip(data["keys"], data["values"], strict=True)
    ]
    groups: list[str] | None = data.get("groups")
    colours = [GRADE_COLOURS.get(g, "#546e7a") for g in groups] if groups else "#546e7a"
    fig = _figure(7.2, 0.6 + 0.28 * len(labels))
    ax = fig.add_subplot()
    ax.barh(range(len(labels)), values, color=colours)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(data["xlabel"])
    if groups:
        from matplotlib.patches import Patch

        present = [g for g in GRADE_COLOURS if g in groups]
        ax.legend(
            [Patch(color=GRADE_COLOURS[g]) for g in present], present, fontsize=7, frameon=False
        )
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _bars(data: dict[str, Any], keep: Keep) -> Any:
    x: list[str] = data["x"]
    if not x:
        return None
    fig = _figure(7.2, 2.6)
    ax = fig.add_subplot()
    shown = [v if keep(k, data["column"]) else 0 for k, v in zip(x, data["values"], strict=True)]
    ax.bar(range(len(x)), shown, color="#2e7d32")
    ax.set_xticks(range(len(x)), x, rotation=60)
    ax.set_ylabel(data["ylabel"])
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _outline(ax: Any, shapes: list[Shape], step: int = 1, **style: Any) -> None:
    from matplotlib.collections import PolyCollection

    rings = [ring[::step] if len(ring) > 8 * step else ring for s in shapes for ring in s.rings]
    ax.add_collection(PolyCollection(rings, **style))


def _frame(ax: Any, box: tuple[float, float, float, float]) -> None:
    lon0, lon1, lat0, lat1 = box
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    # Equirectangular, corrected for latitude: good enough for a state or the country.
    ax.set_aspect(1 / math.cos(math.radians((lat0 + lat1) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])


def _bounds(shapes: list[Shape], pad: float = 0.3) -> tuple[float, float, float, float]:
    xs = [x for s in shapes for ring in s.rings for x, _ in ring]
    ys = [y for s in shapes for ring in s.rings for _, y in ring]
    return min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad


def _state_map(ax: Any, state: str, county: str | None) -> None:
    shapes = county_shapes(state)
    _outline(ax, shapes, facecolor="#f5f5f5", edgecolor="#9e9e9e", linewidth=0.3)
    if county:
        chosen = [s for s in shapes if s.fips == county]
        _outline(ax, chosen, facecolor="#fff3e0", edgecolor="#e65100", linewidth=1.0)
    _frame(ax, _bounds(shapes))


def _region_map(data: dict[str, Any], keep: Keep) -> Any:
    points = [p for p in data["points"] if keep(p["place"], "ads")]
    fig = _figure(6.0, 5.0)
    ax = fig.add_subplot()
    _state_map(ax, data["state"], data.get("county"))
    for p in sorted(points, key=lambda p: -p["ads"]):
        # The colour says "some" only where the table may say how many.
        sex = p["sex"] and keep(p["place"], "with sex indicators")
        labor = p["labor"] and keep(p["place"], "with labor indicators")
        colour = "#c62828" if sex else "#1565c0" if labor else "#616161"
        ax.scatter(p["lon"], p["lat"], s=20 + 12 * math.sqrt(p["ads"]), color=colour,
                   alpha=0.75, edgecolors="white", linewidths=0.5, zorder=3)  # fmt: skip
        ax.annotate(p["place"].rsplit(", ", 1)[0], (p["lon"], p["lat"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points", zorder=4)  # fmt: skip
    from matplotlib.lines import Line2D

    keys = [("#c62828", "ads with sex indicators"), ("#1565c0", "labor indicators only"),
            ("#616161", "no indicator")]  # fmt: skip
    ax.legend([Line2D([], [], marker="o", ls="", color=c) for c, _ in keys],
              [k for _, k in keys], fontsize=7, loc="lower left")  # fmt: skip
    return fig


def _circuit_map(data: dict[str, Any], keep: Keep) -> Any:
    flows = [f for f in data["flows"] if keep(f["place"], "ads there")]
    origin = data.get("origin")
    if origin is None or not flows:
        return None
    fig = _figure(7.2, 4.6)
    ax = fig.add_subplot()
    states = state_shapes()
    _outline(ax, states, step=4, facecolor="#f5f5f5", edgecolor="#9e9e9e", linewidth=0.3)
    _outline(ax, [s for s in states if s.code == data["state"]], step=4,
             facecolor="#fff3e0", edgecolor="#e65100", linewidth=0.8)  # fmt: skip
    ox, oy = origin
    for f in flows:
        shared = f["selectors"] if keep(f["place"], "selectors shared") else 0
        ax.plot([ox, f["lon"]], [oy, f["lat"]], color="#c62828", alpha=0.6,
                linewidth=0.8 + 1.2 * math.sqrt(shared), zorder=2)  # fmt: skip
        ax.scatter(f["lon"], f["lat"], s=18 + 10 * math.sqrt(f["ads"]), color="#c62828", zorder=3)
        ax.annotate(f["place"], (f["lon"], f["lat"]), fontsize=7, xytext=(4, 3),
                    textcoords="offset points", zorder=4)  # fmt: skip
    ax.scatter(ox, oy, s=60, marker="*", color="#e65100", zorder=4)
    lon0, lon1, lat0, lat1 = LOWER_48
    lons = [ox, *(f["lon"] for f in flows)]
    lats = [oy, *(f["lat"] for f in flows)]
    _frame(ax, (min(lon0, min(lons) - 2), max(lon1, max(lons) + 2),
                min(lat0, min(lats) - 2), max(lat1, max(lats) + 2)))  # fmt: skip
    return fig


def _choropleth(data: dict[str, Any], keep: Keep) -> Any:
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize

    names = data["names"]
    values = {k: v for k, v in data["values"].items() if keep(names.get(k, ""), data["column"])}
    fig = _figure(6.0, 5.0)
    ax = fig.add_subplot()
    shapes = county_shapes(data["state"])
    _outline(ax, shapes, facecolor="#eeeeee", edgecolor="#bdbdbd", linewidth=0.3)
    if values:
        norm = Normalize(vmin=0, vmax=max(values.values()))
        # Greens without its palest fifth: a county with workers never reads as empty.
        cmap = ListedColormap(colormaps["Greens"](np.linspace(0.2, 1.0, 256)))
        for s in shapes:
            if s.fips in values:
                _outline(ax, [s], facecolor=cmap(norm(values[s.fips])),
                         edgecolor="#616161", linewidth=0.4)  # fmt: skip
        from matplotlib.cm import ScalarMappable

        fig.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.6, label=data["label"])
    if data.get("county"):
        chosen = [s for s in shapes if s.fips == data["county"]]
        _outline(ax, chosen, facecolor="none", edgecolor="#e65100", linewidth=1.2)
    _frame(ax, _bounds(shapes))
    return fig
