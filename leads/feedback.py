"""Analysts' judgements of leads, the review queue, and what they say about the score.

- A **judgement** (confirmed, rejected, unsure) carries a reason code from
  ``review_reasons.yaml``, an optional note, and what the lead was when judged: its
  score, the score's version and the rules that fired. Judgements are append-only: a
  second opinion is a new judgement, never an edit.
- The **review queue** mixes the leads the score ranks highest with a random sample from
  every tier (``review_random_share``), so precision is measured where the score does
  not already look too.
- **Calibration** (:func:`calibrate`, pure): precision per tier and per rule with Wilson
  95% intervals, and the rules whose weight the judgements contradict. It proposes;
  weights change only when a person edits the taxonomy.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from elasticsearch import Elasticsearch
from pydantic import Field

from leads.audit import record
from leads.scoring import TIER_THRESHOLDS, score_version
from leads.settings import Settings
from leads.stats import wilson
from leads.validation import Strict

Verdict = Literal["confirmed", "rejected", "unsure"]
REASONS_FILE = Path(__file__).with_name("review_reasons.yaml")
TIERS = tuple(t for _, t in TIER_THRESHOLDS) + ("none",)


class FeedbackError(ValueError):
    """A judgement that cannot be taken, said in one line."""


class Judgement(Strict):
    id: str
    lead_id: str
    verdict: Verdict
    reason: str
    note: str | None = Field(default=None, max_length=2000)
    by: str
    at: str
    score: int
    tier: str
    score_version: str
    rules: list[str]
    categories: list[str]
    source_id: str
    sampled: str  # how the lead reached the reviewer: "top", "random:<tier>" or "search"


@lru_cache(maxsize=1)
def reasons() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load(REASONS_FILE.read_text(encoding="utf-8"))
    if set(raw) != {"confirmed", "rejected", "unsure"}:
        raise ValueError(f"{REASONS_FILE.name}: one list for each of confirmed, rejected, unsure")
    return {str(k): {str(c): str(t) for c, t in v.items()} for k, v in raw.items()}


def judge(
    es: Elasticsearch,
    settings: Settings,
    lead: dict[str, Any],
    verdict: str,
    reason: str,
    by: str,
    note: str | None = None,
    sampled: str = "search",
) -> Judgement:
    """Records one judgement of ``lead`` (as it is now) and its audit event."""
    codes = reasons()
    if verdict not in codes:
        raise FeedbackError(f"{verdict!r} is not confirmed, rejected or unsure")
    if reason not in codes[verdict]:
        raise FeedbackError(
            f"{reason!r} is not a reason for {verdict} ({', '.join(codes[verdict])})"
        )
    judgement = Judgement(
        id=uuid.uuid4().hex,
        lead_id=lead["id"],
        verdict=verdict,  # type: ignore[arg-type]
        reason=reason,
        note=(note or "").strip() or None,
        by=by,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        score=int(lead.get("score") or 0),
        tier=str(lead.get("tier") or "none"),
        score_version=score_version(),
        rules=sorted({i["rule"] for i in lead.get("indicators") or [] if i.get("rule")}),
        categories=sorted(lead.get("categories") or []),
        source_id=str(lead.get("source_id") or ""),
        sampled=sampled,
    )
    # Create, never index: a judgement once written is not overwritten.
    es.create(
        index=settings.index("judgements"),
        id=judgement.id,
        document=judgement.model_dump(),
        refresh=True,
    )
    record(
        es,
        settings,
        "lead.judge",
        target=lead["id"],
        user=by,
        reason=judgement.note,
        details={"verdict": verdict, "reason": reason, "score": judgement.score},
    )
    return judgement


def review_queue(
    es: Elasticsearch, settings: Settings, size: int = 50, seed: int | None = None
) -> list[tuple[dict[str, Any], str]]:
    """Leads to review, each with how it was drawn: the highest scores not judged yet,
    and about ``review_random_share`` of the queue at random from every tier."""
    judged = {
        b["key"]
        for b in es.search(
            index=settings.index("judgements"),
            size=0,
            aggs={"l": {"terms": {"field": "lead_id", "size": 65000}}},
        )["aggregations"]["l"]["buckets"]
    }
    unjudged = (
        {"bool": {"must_not": [{"ids": {"values": sorted(judged)}}]}}
        if judged
        else {"match_all": {}}
    )
    rng = random.Random(seed)
    # About review_random_share of the queue, and at least one lead from every tier.
    per_tier = max(1, -(-round(size * settings.review_random_share) // len(TIERS)))
    out: list[tuple[dict[str, Any], str]] = []
    seen: set[str] = set()
    for tier in TIERS:
        query = {
            "function_score": {
                "query": {"bool": {"filter": [{"term": {"tier": tier}}], "must": [unjudged]}},
                "random_score": {"seed": rng.randrange(1 << 30), "field": "_seq_no"},
            }
        }
        for hit in es.search(index=settings.index("leads"), size=per_tier, query=query)["hits"][
            "hits"
        ]:
            out.append((hit["_source"], f"random:{tier}"))
            seen.add(hit["_id"])
    top = es.search(
        index=settings.index("leads"),
        size=size,
        query=unjudged,
        sort=[{"score": "desc"}, {"id": "asc"}],
    )["hits"]["hits"]
    for hit in top:
        if len(out) >= size:
            break
        if hit["_id"] not in seen:
            out.append((hit["_source"], "top"))
    rng.shuffle(out)  # the reviewer should not know which were drawn at random
    return out


# Calibration


@dataclass
class Cell:
    """Precision where judgements were decisive (unsure ones are counted, not scored)."""

    confirmed: int = 0
    rejected: int = 0
    unsure: int = 0

    @property
    def decided(self) -> int:
        return self.confirmed + self.rejected

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.confirmed, self.decided)

    def add(self, verdict: str) -> None:
        setattr(self, verdict, getattr(self, verdict) + 1)


@dataclass
class Calibration:
    judgements: int
    by_tier: dict[str, Cell]
    by_tier_random: dict[str, Cell]  # only leads the review queue drew at random
    by_rule: dict[str, Cell]
    score_bins: list[tuple[int, int, Cell]]  # (from, to, cell): for the reliability plot
    contradicted: list[str] = field(default_factory=list)  # plain-words proposals
    other_versions: int = 0  # judgements of scores computed under other weights, left out


def calibrate(
    judgements: list[dict[str, Any]], version: str | None = None, min_decided: int = 5
) -> Calibration:
    """Precision per tier, per rule and per score band from judgements (the latest per
    lead and reviewer counts once; with ``version``, only judgements of scores computed
    under it). A rule is *contradicted* when its interval and that of the tier it mostly
    fires in do not overlap: wholly below, its weight pushes leads higher than the
    judgements bear out; wholly above, lower. Tier precision is also given for the
    random sample alone, the one measure the score's own ranking does not bias."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    other = 0
    for j in sorted(judgements, key=lambda j: j["at"]):
        if version is not None and j.get("score_version") != version:
            other += 1
            continue
        latest[(j["lead_id"], j["by"])] = j
    by_tier: dict[str, Cell] = {t: Cell() for t in TIERS}
    by_random: dict[str, Cell] = {t: Cell() for t in TIERS}
    by_rule: dict[str, Cell] = defaultdict(Cell)
    rule_tiers: dict[str, Counter[str]] = defaultdict(Counter)
    bins = [(lo, lo + 9, Cell()) for lo in range(0, 100, 10)]
    for j in latest.values():
        verdict = j["verdict"]
        by_tier.setdefault(j["tier"], Cell()).add(verdict)
        if str(j.get("sampled", "")).startswith("random:"):
            by_random.setdefault(j["tier"], Cell()).add(verdict)
        for rule in j["rules"]:
            by_rule[rule].add(verdict)
            rule_tiers[rule][j["tier"]] += 1
        bins[min(max(int(j["score"]), 0) // 10, 9)][2].add(verdict)
    result = Calibration(
        len(latest), by_tier, by_random, dict(sorted(by_rule.items())), bins, other_versions=other
    )
    for rule, cell in result.by_rule.items():
        tier = rule_tiers[rule].most_common(1)[0][0]
        base = by_tier[tier]
        if cell.decided < min_decided or base.decided < min_decided or cell.precision is None:
            continue
        (lo, hi), (tier_lo, tier_hi) = cell.interval, base.interval
        said = (
            f"{rule}: precision {cell.precision:.2f} ({lo:.2f}–{hi:.2f}, {cell.decided} "
            f"judged) against {tier_lo:.2f}–{tier_hi:.2f} for the {tier} tier it mostly fires in"
        )
        if hi < tier_lo:
            result.contradicted.append(f"{said}: consider lowering its weight or narrowing it")
        elif lo > tier_hi:
            result.contradicted.append(f"{said}: consider raising its weight")
    return result


def reliability_png(calibration: Calibration) -> bytes:
    """The reliability plot: judged precision per score band (with its interval and
    count) against the score, as a PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    xs, ys, lows, highs, counts = [], [], [], [], []
    for lo, hi, cell in calibration.score_bins:
        if cell.decided and cell.precision is not None:
            xs.append((lo + hi + 1) / 2)
            ys.append(cell.precision)
            low, high = cell.interval
            lows.append(cell.precision - low)
            highs.append(high - cell.precision)
            counts.append(cell.decided)
    ax.plot([0, 100], [0, 1], linestyle=":", color="#888888", label="score / 100")
    if xs:
        ax.errorbar(
            xs,
            ys,
            yerr=[lows, highs],
            fmt="o-",
            color="#1f4e79",
            capsize=3,
            label="judged precision (95% interval)",
        )
        for x, y, n in zip(xs, ys, counts, strict=True):
            ax.annotate(
                f"n={n}", (x, y), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8
            )
    for threshold, tier in TIER_THRESHOLDS:
        ax.axvline(threshold, color="#cccccc", linewidth=0.8)
        ax.text(threshold + 1, 0.02, tier, fontsize=8, color="#666666")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("lead score")
    ax.set_ylabel("share confirmed (of confirmed + rejected)")
    ax.set_title(f"Reliability of lead scores ({calibration.judgements} judgements)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()
