"""Explainable lead scoring: indicators in, a 0–100 score, a tier and plain reasons out.

Categories combine like independent pieces of evidence (1 − Π(1 − w)), each capped by
the taxonomy, so the score rises with *different kinds* of indicators rather than with
repetition of one phrase. No category's cap reaches the high tier alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple, cast

from leads.models import Indicator, IndicatorFields, Tier
from leads.taxonomy import load_taxonomy

TIER_THRESHOLDS: tuple[tuple[int, Tier], ...] = ((60, "high"), (35, "medium"), (10, "low"))


class Score(NamedTuple):  # a named tuple: built once per document, cheaply
    score: int
    tier: Tier
    explanation: list[str]


@lru_cache(maxsize=1)
def score_version() -> str:
    """What a score was computed with: the taxonomy file and the tiers. A judgement
    records it, so calibration compares like with like after the weights change."""
    from leads.taxonomy import TAXONOMY_FILE

    digest = hashlib.sha256(TAXONOMY_FILE.read_bytes() + repr(TIER_THRESHOLDS).encode())
    return digest.hexdigest()[:12]


def combine_weights(weights: Iterable[float]) -> int:
    """Independent pieces of evidence, each 0–100, as one 0–100 score: 1 − Π(1 − w).
    The one combination rule: indicator categories, network evidence and guest-worker
    risk flags all combine through it."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight / 100.0
    return round(100 * (1.0 - remaining))


def tier_for(score: int) -> Tier:
    for threshold, tier in TIER_THRESHOLDS:
        if score >= threshold:
            return tier
    return "none"


def score_indicators(indicators: Iterable[Indicator]) -> Score:
    return score_fields(cast(IndicatorFields, i.model_dump()) for i in indicators)


def score_fields(indicators: Iterable[IndicatorFields]) -> Score:
    """``score_indicators`` for the extraction hot path's typed dicts."""
    strongest: dict[str, IndicatorFields] = {}
    for ind in indicators:
        best = strongest.get(ind["category"])
        if best is None or ind["weight"] > best["weight"]:
            strongest[ind["category"]] = ind

    contributions: list[tuple[float, str]] = []
    for category, ind in strongest.items():
        weight, head, tail = _contribution(category, ind["weight"])
        contributions.append(
            (weight, f"{head}“{ind['text']}” at {ind['start']}–{ind['end']}{tail}")
        )
    score = combine_weights(weight for weight, _ in contributions)
    contributions.sort(key=_WEIGHT, reverse=True)  # stable: equal weights keep their order
    explanation = [text for _, text in contributions]
    if not explanation:
        explanation = ["no indicators found"]
    elif len(strongest) == 1:
        explanation.append("only one kind of indicator: a single indicator is weak evidence")
    return Score(score, tier_for(score), explanation)


_WEIGHT = itemgetter(0)


@lru_cache(maxsize=1024)
def _contribution(category: str, weight: float) -> tuple[float, str, str]:
    """What a category's strongest indicator adds: its weight under the category's cap,
    and the fixed text around its quote in the reason (built once per category and
    weight; scoring runs per document)."""
    meta = load_taxonomy()[category]
    capped = min(weight, meta.weight_cap)
    head = f"{category} (+{capped:g}): {meta.label} — "
    return capped, head, f"; evidence: {meta.evidence}"


# Network evidence (Portnoff et al. 2017; Ibanez & Suthers 2014): one selector across many
# ads for different people in different places is the strongest practical signal.
NETWORK_CAP = 45
# Shared wording alone (a near-duplicate template) is weaker than a shared identity
# selector: copied text can be a copied ad. InfoShield found template clusters 84%
# precise on trafficking ads; a shared phone is the practitioners' strongest link. So a
# template's points are this fraction of what a phone with the same spread would earn.
SIMILAR_FACTOR = 0.4


def network_points(ads: int, stated_ages: int, states: int, relation: str = "identity") -> int:
    """Points for what one non-hub selector links an ad to; 0 for an ad on its own.
    ``relation``: "identity" (phone, email, handle…) or "similar" (template only)."""
    if ads < 2:
        return 0
    ages_beyond_one, states_beyond_one = max(stated_ages - 1, 0), max(states - 1, 0)
    points = 6 * min(ads - 1, 4) + 6 * min(ages_beyond_one, 3) + 5 * min(states_beyond_one, 3)
    points = min(points, NETWORK_CAP)
    # Weaker, never nothing: a shared template still says where to look.
    return max(1, round(points * SIMILAR_FACTOR)) if relation == "similar" else points


def combine(document_score: int, points: int) -> int:
    """Document and network evidence combine like independent evidence."""
    return combine_weights((document_score, points))
