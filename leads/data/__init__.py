"""Lantern's own data files (TSV, committed), and the one reader for their two-column form."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def pairs(path: Path) -> dict[str, str]:
    """A two-column TSV file (``#`` lines are comments) as a mapping, read once."""
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("\t")
            table[key] = value
    return table
