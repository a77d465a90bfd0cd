"""Builds ``place_counties.tsv``: the county of every city in the gazetteer.

Each city's point (``nlp/data/gazetteer_us.tsv``) is placed in a county polygon of the
Census Bureau's 2016 cartographic boundaries, as shipped by the ``plotly-geo`` package.
Run once when the gazetteer changes; the TSV is committed, so reading a county at
scoring time needs no geometry:

    .venv/bin/python -m leads.data.build_place_counties
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.path import Path as Polygon

from leads.regions import county_shapes

GAZETTEER = Path(__file__).parents[2] / "nlp" / "data" / "gazetteer_us.tsv"
OUT = Path(__file__).with_name("place_counties.tsv")


def main() -> None:
    rows: list[str] = []
    polygons: dict[str, list[tuple[str, Polygon]]] = {}
    missing = 0
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.startswith("city\t"):
            continue
        _, name, state, lat, lon, _ = line.split("\t")
        if state not in polygons:
            polygons[state] = [
                (c.fips, Polygon(ring)) for c in county_shapes(state) for ring in c.rings
            ]
        point = (float(lon), float(lat))
        fips = next((f for f, poly in polygons[state] if poly.contains_point(point)), None)
        if fips is None:
            missing += 1
            continue
        rows.append(f"{name}, {state}\t{fips}")
    header = (
        "# place\tcounty FIPS: each gazetteer city's point inside a Census 2016 county\n"
        "# boundary (cb_2016_us_county_500k via plotly-geo). Built by build_place_counties.py.\n"
    )
    OUT.write_text(header + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    print(f"{len(rows)} places written to {OUT}; {missing} fell outside every county polygon")


if __name__ == "__main__":
    main()
