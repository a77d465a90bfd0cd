"""Measures extraction against labeled texts (the project keeps its development set in
``tests/devset/`` and its held-out set in ``tests/heldout/``; ``make eval`` runs both).

    .venv/bin/python -m nlp.evaluate FILE.jsonl [FILE.jsonl ...]

Prints per-category precision, recall and F1 (and their micro average), and entity
precision and recall by type. Entities match on (type, normalized value).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from leads.taxonomy import CATEGORIES, ENTITY_TYPES
from leads.validation import Strict


class LabeledEntity(Strict):
    type: Literal[ENTITY_TYPES]  # type: ignore[valid-type]
    value: str


class LabeledText(Strict):
    id: str
    lang: Literal["en", "es"]
    domain: Literal["sex", "labor", "benign"]
    text: str
    categories: list[Literal[CATEGORIES]]  # type: ignore[valid-type]
    entities: list[LabeledEntity]
    source: str = Field(min_length=5)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    categories: dict[str, Counts] = field(default_factory=dict)
    entities: dict[str, Counts] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    benign: int = 0  # benign texts (look-alikes) measured
    benign_flagged: int = 0  # of those, texts given any category

    def micro(self, table: dict[str, Counts]) -> Counts:
        total = Counts()
        for c in table.values():
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total


def load_devset(paths: Iterable[Path]) -> list[LabeledText]:
    """Labeled texts from JSON Lines files (the test suite keeps its sets in tests/)."""
    records = []
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    records.append(LabeledText.model_validate(json.loads(line)))
                except ValueError as exc:
                    raise ValueError(f"{path.name}:{lineno}: {exc}") from None
    return records


def evaluate(records: list[LabeledText]) -> Report:
    from nlp.pipeline import extract_many

    report = Report(
        categories={c: Counts() for c in CATEGORIES},
        entities={t: Counts() for t in ENTITY_TYPES},
    )
    by_id = {r.id: r for r in records}
    for result in extract_many((r.id, r.text) for r in records):
        gold = by_id[result.id]
        if gold.domain == "benign":
            report.benign += 1
            report.benign_flagged += bool(result.indicators)
        _score_sets(
            report.categories,
            set(gold.categories),
            {i.category for i in result.indicators},
            gold.id,
            report.errors,
            "category",
        )
        _score_bags(
            report.entities,
            Counter((e.type, _comparable(e.type, e.value)) for e in gold.entities),
            Counter((e.type, _comparable(e.type, e.value)) for e in result.entities),
            gold.id,
            report.errors,
        )
    return report


# Handles and addresses are case-insensitive identifiers (Lantern lower-cases them);
# a labeler who kept "$SanJudasAurora" as written means the same selector.
_CASELESS = frozenset({"email", "url", "social_handle", "payment_handle"})


def _comparable(kind: str, value: str) -> str:
    return value.lower() if kind in _CASELESS else value


def _score_sets(
    table: dict[str, Counts],
    gold: set[str],
    found: set[str],
    rid: str,
    errors: list[str],
    what: str,
) -> None:
    for name in gold | found:
        counts = table.setdefault(name, Counts())
        if name in gold and name in found:
            counts.tp += 1
        elif name in found:
            counts.fp += 1
            errors.append(f"{rid}: extra {what} {name}")
        else:
            counts.fn += 1
            errors.append(f"{rid}: missed {what} {name}")


def _score_bags(
    table: dict[str, Counts],
    gold: Counter[tuple[str, str]],
    found: Counter[tuple[str, str]],
    rid: str,
    errors: list[str],
) -> None:
    # Each distinct value counts once: a phone written twice is one selector.
    gold_set, found_set = set(gold), set(found)
    for kind, value in gold_set | found_set:
        counts = table.setdefault(kind, Counts())
        if (kind, value) in gold_set and (kind, value) in found_set:
            counts.tp += 1
        elif (kind, value) in found_set:
            counts.fp += 1
            errors.append(f"{rid}: extra {kind} {value}")
        else:
            counts.fn += 1
            errors.append(f"{rid}: missed {kind} {value}")


def format_report(report: Report, records: int) -> list[str]:
    lines = [
        f"{records} labeled texts",
        "",
        "category              P      R      F1   (tp/fp/fn)",
    ]
    for name, c in report.categories.items():
        lines.append(
            f"{name:20s} {c.precision:5.2f}  {c.recall:5.2f}  {c.f1:5.2f}   ({c.tp}/{c.fp}/{c.fn})"
        )
    micro = report.micro(report.categories)
    lines.append(f"{'micro':20s} {micro.precision:5.2f}  {micro.recall:5.2f}  {micro.f1:5.2f}")
    lines += ["", "entity                P      R           (tp/fp/fn)"]
    for name, c in report.entities.items():
        lines.append(
            f"{name:20s} {c.precision:5.2f}  {c.recall:5.2f}          ({c.tp}/{c.fp}/{c.fn})"
        )
    ent = report.micro(report.entities)
    lines.append(f"{'all entities':20s} {ent.precision:5.2f}  {ent.recall:5.2f}")
    if report.benign:
        share = report.benign_flagged / report.benign
        lines.append(
            f"benign look-alikes with any category: {report.benign_flagged} of "
            f"{report.benign} ({share:.1%})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="labeled JSON Lines files")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    records = load_devset(args.files)
    report = evaluate(records)
    for line in format_report(report, len(records)):
        print(line)
    if args.verbose:
        print("\n".join(report.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
