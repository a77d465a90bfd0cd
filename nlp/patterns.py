"""Loads and validates indicator rules from ``nlp/patterns/*.jsonl``.

One line is one rule with its category, weight, language and source note. A rule is
one of:

- ``phrases``: a list of phrases, matched case-insensitively on tokens;
- ``sequence``: phrases that must appear in this order, each at most ``max_gap``
  tokens after the previous one (word order matters: "pay ... fee"). ``anchor`` names
  the step looked up first (the rarest one in ads: "fee", not "$"); the others are
  checked around it, which keeps common words from costing time;
- a negative (``"negative": true``): look-alike wording that ``suppresses`` the listed
  categories (``"*"``: all) where it overlaps them (``scope: span``), in its clause
  (``scope: clause``: "your employer cannot keep your passport") or in the whole text
  (``scope: document``), e.g. "licensed massage therapist", "housing at no cost",
  "know your rights";
- a context rule (``"context": "sex"`` or ``"labor"``): words that show what kind of
  text this is ("incall", "hiring"). A category counts only in a text of its domain:
  one with a context word of that domain, or with two different categories of it
  (a rose emoji alone in a fundraiser is not a coded price).

A bad line is reported by file, line number and rule id, so a reviewer fixes the data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from leads.taxonomy import load_taxonomy
from leads.validation import Strict, validation_message

PATTERNS_DIR = Path(__file__).with_name("patterns")


class PatternError(ValueError):
    """A pattern file entry that fails validation."""


class IndicatorRule(Strict):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    id: str = Field(min_length=1, pattern=r"^[a-z0-9_.-]+$")
    lang: Literal["en", "es", "any"]
    source: str = Field(min_length=3)
    category: str | None = None
    weight: float = Field(default=0, ge=0, le=100)
    phrases: list[str] | None = None
    sequence: list[list[str]] | None = None
    max_gap: int = Field(default=3, ge=0, le=10)
    anchor: int = Field(default=0, ge=0)
    negative: bool = False
    suppresses: list[str] = Field(default_factory=list)
    scope: Literal["span", "clause", "document"] = "span"
    context: Literal["sex", "labor"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorRule:
        taxonomy = load_taxonomy()
        if (self.phrases is None) == (self.sequence is None):
            raise ValueError("give exactly one of 'phrases' or 'sequence'")
        texts = self.phrases or [p for step in self.sequence or [] for p in step]
        if not texts or not all(p.strip() for p in texts):
            raise ValueError("a phrase list is empty or holds an empty phrase")
        if self.sequence is not None and len(self.sequence) < 2:
            raise ValueError("'sequence' needs at least two steps")
        if self.anchor >= len(self.sequence or [None]):
            raise ValueError("'anchor' must name a step of the sequence (0 = the first)")
        if self.context is not None:
            if self.negative or self.category is not None or self.weight:
                raise ValueError("a context rule has no 'category', 'weight' or 'negative'")
        elif self.negative:
            if not self.suppresses:
                raise ValueError("a negative rule must name the categories it 'suppresses'")
            unknown = [c for c in self.suppresses if c not in taxonomy and c != "*"]
            if unknown:
                raise ValueError(f"'suppresses' names unknown categories {unknown}")
        else:
            if self.category not in taxonomy:
                raise ValueError(f"unknown category {self.category!r}")
            if self.weight <= 0:
                raise ValueError("a positive rule needs a 'weight' above 0")
        return self


def load_rules(directory: Path = PATTERNS_DIR) -> list[IndicatorRule]:
    rules: list[IndicatorRule] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            where = f"{path.name}:{lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PatternError(f"{where}: not valid JSON ({exc.msg})") from None
            rule_id = data.get("id", "?") if isinstance(data, dict) else "?"
            try:
                rule = IndicatorRule.model_validate(data)
            except ValidationError as exc:
                raise PatternError(f"{where} (rule {rule_id}): {validation_message(exc)}") from None
            if rule.id in seen:
                raise PatternError(f"{where}: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            rules.append(rule)
    return rules
