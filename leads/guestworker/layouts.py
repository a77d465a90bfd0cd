"""The DOL file layouts (``layouts.yaml``): which dataset a header belongs to, and which
column holds each canonical field, across the FY2020 layout change and older names.

A header that matches no dataset, or misses a required field, is refused with an error
that names the missing or renamed columns, before any row is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import Field
from rapidfuzz import process

from leads.validation import Strict

LAYOUTS = Path(__file__).with_name("layouts.yaml")


class LayoutError(ValueError):
    """A file whose columns do not fit any known layout."""


class Layout(Strict):
    program: str
    detect: list[list[str]] = Field(min_length=1)
    required: list[str]
    fields: dict[str, list[str]]


@dataclass(frozen=True)
class Mapping:
    """Which column of a file holds each canonical field."""

    dataset: str
    columns: dict[str, int]  # canonical field -> column index
    header: tuple[str, ...]
    required: tuple[str, ...] = ()  # fields every row must fill


@lru_cache(maxsize=1)
def load_layouts() -> dict[str, Layout]:
    data = yaml.safe_load(LAYOUTS.read_text(encoding="utf-8"))
    layouts = {name: Layout.model_validate(spec) for name, spec in data.items()}
    for name, layout in layouts.items():
        missing = [f for f in layout.required if f not in layout.fields]
        if missing:
            raise LayoutError(f"layouts.yaml: {name}: required fields {missing} have no columns")
    return layouts


def _norm(column: object) -> str:
    return str(column or "").strip().upper()


def map_header(header: list[object], dataset: str | None = None) -> Mapping:
    """The dataset and column positions for ``header`` (``dataset`` forces one)."""
    names = tuple(str(c).strip() if c is not None else "" for c in header)
    upper = {_norm(c): i for i, c in enumerate(names) if c}
    layouts = load_layouts()
    candidates = [dataset] if dataset else list(layouts)
    chosen = None
    for name in candidates:
        if name not in layouts:
            raise LayoutError(f"unknown dataset {name!r}")
        if dataset or any(all(_norm(c) in upper for c in sig) for sig in layouts[name].detect):
            chosen = name
            break
    if chosen is None:
        chosen = _closest(upper, layouts)
    layout = layouts[chosen]
    columns: dict[str, int] = {}
    for field, aliases in layout.fields.items():
        for alias in aliases:
            if _norm(alias) in upper:
                columns[field] = upper[_norm(alias)]
                break
    missing = [f for f in layout.required if f not in columns]
    if missing:
        raise LayoutError(_missing_message(chosen, layout, missing, list(upper)))
    return Mapping(chosen, columns, names, tuple(layout.required))


def _closest(upper: dict[str, int], layouts: dict[str, Layout]) -> str:
    """The dataset sharing the most column names (to explain what is missing)."""

    def overlap(layout: Layout) -> int:
        known = {_norm(a) for aliases in layout.fields.values() for a in aliases}
        return len(known & set(upper))

    best = max(layouts, key=lambda n: overlap(layouts[n]))
    if overlap(layouts[best]) == 0:
        shown = ", ".join(list(upper)[:8])
        raise LayoutError(f"columns match no known DOL layout (first columns: {shown})")
    return best


def _missing_message(dataset: str, layout: Layout, missing: list[str], present: list[str]) -> str:
    parts = []
    for field in missing:
        expected = " or ".join(layout.fields[field])
        near = process.extractOne(layout.fields[field][0].upper(), present, score_cutoff=75)
        hint = f" (renamed to {near[0]}?)" if near else ""
        parts.append(f"{field}: column {expected} missing{hint}")
    return f"{dataset} layout: " + "; ".join(parts)
