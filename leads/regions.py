"""Regions: US states and counties, their names, their boundaries, and the region of a place.

Boundaries are the Census Bureau's 2016 cartographic boundary files (1:500,000) that the
``plotly-geo`` package ships, read with ``pyshp``: maps need no tile server and no
network. A place (``"Salinas, CA"`` or a bare state code, as extraction writes them) is
put in a county through ``data/place_counties.tsv``, built once from the same
boundaries (``leads/data/build_place_counties.py``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from leads.data import pairs

PLACE_COUNTIES = Path(__file__).parent / "data" / "place_counties.tsv"
_STATE_CODE = re.compile(r"[A-Z]{2}")


class RegionError(ValueError):
    """A region that names no known state or county."""


@dataclass(frozen=True)
class Region:
    state: str  # two-letter USPS code
    county: str | None = None  # five-digit county FIPS code
    county_name: str | None = None

    @property
    def key(self) -> str:
        """A file-name-safe key: ``CA`` or ``CA-06053``."""
        return f"{self.state}-{self.county}" if self.county else self.state

    @property
    def label(self) -> str:
        name = state_names().get(self.state, self.state)
        return f"{self.county_name}, {name}" if self.county_name else name


@dataclass(frozen=True)
class Shape:
    fips: str
    code: str  # USPS code for a state, the county's name for a county
    rings: list[list[tuple[float, float]]]  # (lon, lat) rings


def _boundary_file(name: str) -> str:
    import _plotly_geo  # ships the Census shapefiles as package data

    return str(Path(_plotly_geo.__file__).parent / "package_data" / name)


@functools.cache
def _state_records() -> list[tuple[str, str, str]]:
    import shapefile

    with shapefile.Reader(_boundary_file("cb_2016_us_state_500k")) as r:
        return [(rec["STATEFP"], rec["STUSPS"], rec["NAME"]) for rec in r.iterRecords()]


def state_names() -> dict[str, str]:
    """USPS code -> state name, for the 50 states, DC and the territories in the file."""
    return {code: name for _, code, name in _state_records()}


def state_fips() -> dict[str, str]:
    return {code: fips for fips, code, _ in _state_records()}


@functools.cache
def _county_records() -> dict[str, dict[str, str]]:
    """State FIPS -> county FIPS -> county name: the county file read once (every
    state's lookup read it whole, a third of a second each)."""
    import shapefile

    table: dict[str, dict[str, str]] = {}
    with shapefile.Reader(_boundary_file("cb_2016_us_county_500k")) as r:
        for rec in r.iterRecords():
            table.setdefault(rec["STATEFP"], {})[rec["GEOID"]] = rec["NAME"]
    return table


def counties(state: str) -> dict[str, str]:
    """County FIPS -> county name, for one state."""
    return _county_records().get(state_fips().get(state) or "", {})


def resolve(state: str, county: str | None = None) -> Region:
    """The region for ``--region`` and ``--county``: a USPS code, and a county given by
    its name (``Monterey``, ``Monterey County``) or its five-digit FIPS code."""
    code = state.strip().upper()
    if code not in state_names():
        raise RegionError(f"region {state!r} is not a US state code (like GA or CA)")
    if county is None or not county.strip():
        return Region(code)
    wanted = county.strip()
    options = counties(code)
    if wanted in options:
        return Region(code, wanted, options[wanted])
    plain = re.sub(r"\s+(county|parish|borough|census area)$", "", wanted, flags=re.I).lower()
    for fips, name in options.items():
        if name.lower() == plain:
            return Region(code, fips, name)
    raise RegionError(f"county {county!r} is not a county of {code}")


def parse_region(spec: str) -> Region:
    """A region written as configuration and tip files write it: ``GA`` or ``GA/Fulton``."""
    state, _, county = spec.partition("/")
    return resolve(state, county or None)


def _rings(shape: object) -> list[list[tuple[float, float]]]:
    points = [(float(x), float(y)) for x, y in shape.points]  # type: ignore[attr-defined]
    parts = [*shape.parts, len(points)]  # type: ignore[attr-defined]
    return [points[a:b] for a, b in zip(parts, parts[1:], strict=False)]


@functools.cache
def state_shapes() -> list[Shape]:
    import shapefile

    with shapefile.Reader(_boundary_file("cb_2016_us_state_500k")) as r:
        return [
            Shape(rec["STATEFP"], rec["STUSPS"], _rings(shape))
            for shape, rec in zip(r.iterShapes(), r.iterRecords(), strict=True)
        ]


@functools.cache
def county_shapes(state: str) -> list[Shape]:
    import shapefile

    prefix = state_fips().get(state)
    with shapefile.Reader(_boundary_file("cb_2016_us_county_500k")) as r:
        wanted = [i for i, rec in enumerate(r.iterRecords()) if rec["STATEFP"] == prefix]
        return [
            Shape(r.record(i)["GEOID"], r.record(i)["NAME"], _rings(r.shape(i))) for i in wanted
        ]


def _place_counties() -> dict[str, str]:
    return pairs(PLACE_COUNTIES)


def state_of(place: str) -> str | None:
    """The state of a place as extraction writes it: ``"City, ST"`` or ``"ST"``."""
    tail = place.rsplit(", ", 1)[-1].strip()
    return tail if _STATE_CODE.fullmatch(tail) else None


def county_of(place: str) -> str | None:
    """The county FIPS code of a gazetteer city, if it is one."""
    return _place_counties().get(place)


def regions_of(places: list[str]) -> tuple[list[str], list[str]]:
    """The states and counties a list of places points to (sorted, distinct)."""
    states = {s for p in places if (s := state_of(p))}
    county_codes = {c for p in places if (c := county_of(p))}
    return sorted(states), sorted(county_codes)


@functools.cache
def _city_counties() -> dict[str, str]:
    return {place.upper(): fips for place, fips in _place_counties().items()}


def county_of_city(city: str, state: str) -> str | None:
    """The county of a city written any case (``"SALINAS"``, ``"CA"``), if the
    gazetteer knows it (cities of 15,000 people or more)."""
    return _city_counties().get(f"{' '.join(city.split()).upper()}, {state.upper()}")


def region_centre(region: Region) -> tuple[float, float]:
    """(lon, lat) of the middle of the region's bounding box: where the circuits map
    draws its lines from (a fixed point, not one weighted by what a report may hide)."""
    shapes = county_shapes(region.state) if region.county else state_shapes()
    chosen = [s for s in shapes if s.fips == region.county or s.code == region.state]
    points = [p for s in chosen for ring in s.rings for p in ring]
    if region.state == "AK":  # the Aleutians cross the antimeridian
        points = [p for p in points if p[0] < 0]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
