"""Loads the indicator taxonomy (category → domain, label, evidence, weight cap)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from leads.models import CATEGORIES, Domain

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: Domain
    label: str
    evidence: str
    weight_cap: float = Field(ge=0, le=35)


@lru_cache(maxsize=1)
def load_taxonomy(path: Path = TAXONOMY_FILE) -> dict[str, Category]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["categories"]
    taxonomy = {name: Category.model_validate(body) for name, body in raw.items()}
    missing = set(CATEGORIES) - set(taxonomy)
    unknown = set(taxonomy) - set(CATEGORIES)
    if missing or unknown:
        raise ValueError(
            f"{path}: taxonomy out of step with the contract "
            f"(missing {sorted(missing)}, unknown {sorted(unknown)})"
        )
    return taxonomy
