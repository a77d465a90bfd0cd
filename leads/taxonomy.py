"""The taxonomy as data: indicator categories (``taxonomy.yaml``: domain, label, evidence,
weight cap) and entity types (``entity_types.yaml``: where they come from, whether a
shared value links documents). Both are validated on load; every list of categories or
types in Lantern is read from here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError

from leads.validation import Strict, validation_message

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yaml")
ENTITY_TYPES_FILE = Path(__file__).with_name("entity_types.yaml")
PLATFORMS_FILE = Path(__file__).with_name("platforms.yaml")

Domain = Literal["sex", "labor"]
# Strongest first: validated on ads with case outcomes; used by a research tool;
# an ILO forced-labour indicator; practitioners' lists; reported but unvalidated; and
# measured as not predictive on its own.
Grade = Literal[
    "validated predictor",
    "research flag",
    "recognized indicator",
    "practitioner flag",
    "unvalidated",
    "not predictive alone",
]
GRADES: tuple[str, ...] = Grade.__args__  # type: ignore[attr-defined]


class Category(Strict):
    domain: Domain
    label: str
    evidence: str
    grade: Grade
    weight_cap: float = Field(ge=0, le=35)


class EntityType(Strict):
    label: str
    value: str
    from_: Literal["extracted", "model", "crawler", "linking"] = Field(alias="from")
    links: Literal["identity", "similar", "none"]


def _load(path: Path, key: str | None, model: type[Strict]) -> dict[str, Strict]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = raw[key] if key else raw
    out = {}
    for name, body in entries.items():
        try:
            out[str(name)] = model.model_validate(body)
        except ValidationError as exc:
            raise ValueError(f"{path.name}: {name}: {validation_message(exc)}") from None
    return out


@lru_cache(maxsize=1)
def load_taxonomy() -> dict[str, Category]:
    return _load(TAXONOMY_FILE, "categories", Category)  # type: ignore[return-value]


@lru_cache(maxsize=1)
def load_entity_types() -> dict[str, EntityType]:
    return _load(ENTITY_TYPES_FILE, None, EntityType)  # type: ignore[return-value]


CATEGORIES: tuple[str, ...] = tuple(load_taxonomy())
SEX_CATEGORIES = tuple(c for c, m in load_taxonomy().items() if m.domain == "sex")
LABOR_CATEGORIES = tuple(c for c, m in load_taxonomy().items() if m.domain == "labor")
# The types `lantern extract` emits without a model (the contract).
ENTITY_TYPES: tuple[str, ...] = tuple(
    t for t, m in load_entity_types().items() if m.from_ == "extracted"
)
# Types whose shared values relate documents (selectors: each gets a profile).
LINKING_TYPES: tuple[str, ...] = tuple(
    t for t, m in load_entity_types().items() if m.links != "none"
)
# Of those, the ones that join documents into one network (the same person or operation);
# the rest only say that documents look alike (entity_types.yaml, "links").
IDENTITY_TYPES: tuple[str, ...] = tuple(
    t for t, m in load_entity_types().items() if m.links == "identity"
)


def _platforms() -> dict[str, str]:
    raw = yaml.safe_load(PLATFORMS_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v in raw for k, v in raw.items()
    ):
        raise ValueError(
            f"{PLATFORMS_FILE.name}: each name maps to a platform listed by its own name"
        )
    return {k.lower(): v for k, v in raw.items()}


# Social platforms: every written name -> the platform's one name (platforms.yaml).
PLATFORMS: dict[str, str] = _platforms()
