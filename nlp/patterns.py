"""Loads and validates indicator rules from ``nlp/patterns/*.jsonl``.

Each line is one rule with its category, weight, language and source note; a bad line
is reported by file, line number and rule id so a reviewer can fix the data, not code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leads.taxonomy import load_taxonomy

PATTERNS_DIR = Path(__file__).with_name("patterns")


class PatternError(ValueError):
    """A pattern file entry that fails validation."""


class IndicatorRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    category: str
    lang: Literal["en", "es", "any"]
    weight: float = Field(ge=0, le=100)
    source: str = Field(min_length=3)
    phrases: list[str] | None = None
    tokens: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> IndicatorRule:
        if (self.phrases is None) == (self.tokens is None):
            raise ValueError("give exactly one of 'phrases' or 'tokens'")
        if self.phrases is not None and not all(p.strip() for p in self.phrases):
            raise ValueError("'phrases' holds an empty phrase")
        if self.category not in load_taxonomy():
            raise ValueError(f"unknown category {self.category!r}")
        return self


def load_rules(directory: Path = PATTERNS_DIR) -> list[IndicatorRule]:
    rules: list[IndicatorRule] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PatternError(f"{where}: not valid JSON ({exc.msg})") from None
            try:
                rule = IndicatorRule.model_validate(data)
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(p) for p in err["loc"]) or "entry"
                rule_id = data.get("id", "?") if isinstance(data, dict) else "?"
                raise PatternError(f"{where} (rule {rule_id}): {field}: {err['msg']}") from None
            if rule.id in seen:
                raise PatternError(f"{where}: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            rules.append(rule)
    return rules
