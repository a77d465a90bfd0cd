"""Extraction quality on labeled texts, in the parts the project keeps apart:

- development part (tuned on): tests/devset/ and tests/corpus/dev/;
- test part (only measured): tests/heldout/ and tests/corpus/test/;
- fresh texts, written by labelers who never saw the rules and first opened after the
  rules were frozen (only measured): tests/corpus/fresh/.

The floors sit just under the values measured when they were set (2026-12-04, rules and
the word model frozen before the fresh texts were first opened), so a change that makes
extraction worse on text nobody tuned for fails here. Re-measure with `make eval`.
Measured then: development P 0.95 R 0.93 (the word model is trained on it), entities
R 0.93, 7 of 622 benign look-alikes with a category; test P 0.88 R 0.71, entities R 0.91,
33 of 271; fresh P 0.90 R 0.74, entities R 0.92, 6 of 90. The issue's targets
(R >= 0.85, entity recall >= 0.97, benign <= 4%) are not met on the test part or the
fresh texts."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from leads.taxonomy import CATEGORIES, LABOR_CATEGORIES, SEX_CATEGORIES
from nlp.evaluate import Counts, LabeledText, Report, evaluate, load_devset
from nlp.pipeline import extract
from tests.conftest import CORPUS_DEV, CORPUS_FRESH, CORPUS_TEST, DEVSET, HELDOUT

CATEGORY_MICRO_F1_MIN = 0.94  # the original dev set (tests/devset)
PHONE_RECALL_MIN = 0.97
OBSCURED_PHONE_RECALL_MIN = 0.95
ENTITY_RECALL_MIN = 0.97
ENTITY_PRECISION_MIN = 0.97


@pytest.fixture(scope="module")
def records() -> list[LabeledText]:
    return load_devset(DEVSET)


@pytest.fixture(scope="module")
def report(records: list[LabeledText]) -> Report:
    return evaluate(records)


def test_devset_is_large_varied_and_fictional(records: list[LabeledText]) -> None:
    assert len(records) >= 200
    assert len({r.id for r in records}) == len(records)
    mix: Counter[tuple[str, str]] = Counter((r.domain, r.lang) for r in records)
    for key in [
        ("sex", "en"),
        ("sex", "es"),
        ("labor", "en"),
        ("labor", "es"),
        ("benign", "en"),
        ("benign", "es"),
    ]:
        assert mix[key] >= 10, key
    phones = [e.value for r in records for e in r.entities if e.type == "phone"]
    fictional = re.compile(r"^\+1\d{3}55501\d{2}$|^\+1800555\d{4}$")
    assert phones and all(fictional.match(p) for p in phones)
    assert all(r.source for r in records)


def test_category_micro_f1(report: Report) -> None:
    micro = report.micro(report.categories)
    assert micro.f1 >= CATEGORY_MICRO_F1_MIN, (micro.precision, micro.recall)


def test_every_category_is_found_somewhere(report: Report) -> None:
    for name, counts in report.categories.items():
        if counts.tp + counts.fn:
            assert counts.recall > 0.5, name


def test_phone_recall_including_obfuscated(records: list[LabeledText], report: Report) -> None:
    assert report.entities["phone"].recall >= PHONE_RECALL_MIN
    hidden = [r for r in records if "obscured_contact" in r.categories]
    assert len(hidden) >= 20
    sub = evaluate(hidden).entities["phone"]
    assert sub.recall >= OBSCURED_PHONE_RECALL_MIN


def test_entity_recall_and_precision(report: Report) -> None:
    total: Counts = report.micro(report.entities)
    assert total.recall >= ENTITY_RECALL_MIN
    assert total.precision >= ENTITY_PRECISION_MIN
    assert report.entities["crypto_address"].tp >= 6


def test_heldout_look_alikes_never_become_medium_leads() -> None:
    records = load_devset([HELDOUT])
    assert len(records) >= 100
    benign = [r for r in records if r.domain == "benign"]
    # A look-alike may carry a weak indicator; it must never become a medium or high lead.
    assert {extract(r.text).tier for r in benign} <= {"none", "low"}


# part: (files, precision, recall, entity recall, benign share with any category)
PARTS = {
    "development": (DEVSET + CORPUS_DEV, 0.93, 0.91, 0.91, 0.02),
    "test": ([HELDOUT, *CORPUS_TEST], 0.86, 0.69, 0.89, 0.13),
    "fresh": (CORPUS_FRESH, 0.88, 0.72, 0.90, 0.08),
}


@pytest.mark.parametrize("part", sorted(PARTS))
def test_quality_floors_on_each_part(part: str) -> None:
    files, precision, recall, entity_recall, benign_share = PARTS[part]
    records = load_devset(files)
    report = evaluate(records)
    micro = report.micro(report.categories)
    assert micro.precision >= precision and micro.recall >= recall, (micro.precision, micro.recall)
    assert report.micro(report.entities).recall >= entity_recall
    assert report.benign_flagged <= benign_share * report.benign, (
        report.benign_flagged,
        report.benign,
    )


def test_the_corpus_is_large_varied_and_split_once() -> None:
    records = load_devset(CORPUS_DEV + CORPUS_TEST + CORPUS_FRESH)
    assert len(records) >= 1000
    assert len({r.id for r in records}) == len(records)
    benign = sum(r.domain == "benign" for r in records)
    assert benign >= len(records) / 3
    for name in CATEGORIES:
        assert sum(name in r.categories for r in records) >= 10, name
    # Each text is in one part only: the split is fixed by a hash of its id.
    dev = {r.id for r in load_devset(CORPUS_DEV)}
    test = {r.id for r in load_devset(CORPUS_TEST)}
    assert dev and test and not dev & test


def test_the_labelers_format_check_knows_the_taxonomys_categories() -> None:
    path = Path(__file__).parent / "corpus" / "check_format.py"
    spec = importlib.util.spec_from_file_location("check_format", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CATEGORIES["sex"] == set(SEX_CATEGORIES)
    assert module.CATEGORIES["labor"] == set(LABOR_CATEGORIES)
