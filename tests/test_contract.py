"""The names analysts' saved searches and dashboards depend on: the indicator categories
and entity types of shared/domain/INDICATORS.md, read from the YAML files that define
them once (leads/taxonomy.yaml, leads/entity_types.yaml). Renaming one is a contract
change: this test fails until it is made here too, on purpose."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leads.models import Entity, Indicator
from leads.taxonomy import (
    CATEGORIES,
    ENTITY_TYPES,
    LABOR_CATEGORIES,
    LINKING_TYPES,
    SEX_CATEGORIES,
    load_entity_types,
)

SEX = ["youth", "ethnicity", "obscured_contact", "trust_language", "multiple_providers",
       "third_party", "risky_services", "always_available", "movement", "coded_emoji"]  # fmt: skip
LABOR = ["recruitment_fees", "debt", "document_retention", "wage_withholding", "excessive_hours",
         "housing_control", "movement_restriction", "deceptive_offer", "isolation",
         "threats"]  # fmt: skip
TYPES = ["phone", "email", "url", "social_handle", "payment_handle", "crypto_address",
         "location", "age", "price"]  # fmt: skip


def test_categories_and_entity_types_are_the_contracts_names() -> None:
    assert list(SEX_CATEGORIES) == SEX and list(LABOR_CATEGORIES) == LABOR
    assert list(CATEGORIES) == SEX + LABOR
    assert list(ENTITY_TYPES) == TYPES


def test_which_types_link_documents_is_declared_once() -> None:
    assert set(LINKING_TYPES) == {
        "phone", "email", "social_handle", "payment_handle", "crypto_address", "image",
        "template",
    }  # fmt: skip
    assert {t for t, m in load_entity_types().items() if m.from_ == "model"} == {
        "person", "organization", "place",
    }  # fmt: skip


def test_a_name_outside_the_contract_is_refused() -> None:
    span = {"text": "x", "start": 0, "end": 1}
    with pytest.raises(ValidationError, match="unknown category 'youthful'"):
        Indicator.model_validate(
            {"category": "youthful", "domain": "sex", "rule": "r", "weight": 1, **span}
        )
    with pytest.raises(ValidationError, match="unknown entity type 'telephone'"):
        Entity.model_validate({"type": "telephone", "value": "+12135550100", **span})
