"""Scores combine kinds of evidence; one weak indicator never makes a high lead."""

from __future__ import annotations

import pytest

from leads.models import Indicator
from leads.scoring import score_indicators
from leads.taxonomy import CATEGORIES, load_taxonomy


def _ind(category: str, weight: float = 100) -> Indicator:
    domain = load_taxonomy()[category].domain
    return Indicator(
        category=category, domain=domain, rule="t", weight=weight, text="x", start=0, end=1
    )


@pytest.mark.parametrize("category", CATEGORIES)
def test_no_single_category_makes_a_high_lead(category: str) -> None:
    result = score_indicators([_ind(category)] * 5)
    assert result.tier != "high"
    assert "single indicator is weak" in result.explanation[-1]


def test_movement_alone_is_near_zero_and_validated_predictors_combine() -> None:
    assert score_indicators([_ind("movement")]).tier == "none"
    combined = score_indicators(
        [_ind("youth"), _ind("obscured_contact"), _ind("ethnicity"), _ind("trust_language")]
    )
    assert combined.tier == "high" and 0 < combined.score <= 100
    assert combined.explanation[0].startswith("youth (+28)")


def test_no_indicators_scores_zero_with_a_reason() -> None:
    result = score_indicators([])
    assert (result.score, result.tier, result.explanation) == (0, "none", ["no indicators found"])
