"""The rule pipeline: selectors with offsets, indicators in every category, the contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leads.models import Extraction
from leads.taxonomy import CATEGORIES
from nlp.patterns import PatternError, load_rules
from nlp.pipeline import extract


def _entities(text: str, kind: str) -> list[tuple[str, bool | None]]:
    return [(e.value, e.obfuscated) for e in extract(text).entities if e.type == kind]


@pytest.mark.parametrize(
    ("text", "value", "obfuscated"),
    [
        ("call (702) 555-0142 now", "+17025550142", False),
        ("text 213.555.0188", "+12135550188", False),
        ("seven oh two five five five oh one four two", "+17025550142", True),
        ("2️⃣1️⃣3️⃣5️⃣5️⃣5️⃣0️⃣1️⃣9️⃣9️⃣", "+12135550199", True),
        ("7O2.555.O142", "+17025550142", True),
        ("７０２５５５０１４２", "+17025550142", True),
        ("7 0 2 5 5 5 0 1 4 2", "+17025550142", True),
    ],
)
def test_phones_are_found_normalized_and_flagged_when_hidden(
    text: str, value: str, obfuscated: bool
) -> None:
    assert _entities(text, "phone") == [(value, obfuscated)]


@pytest.mark.parametrize("text", ["$150 for 1 hr, 24/7", "on 12/25/2024 at 10:30", "5'6 120 lbs"])
def test_prices_dates_and_measurements_are_not_phones(text: str) -> None:
    assert _entities(text, "phone") == []


def test_offsets_point_at_the_text_as_written() -> None:
    text = "Hi! Call seven oh two 555 oh one four two, 100% real"
    result = extract(text)
    spans = [(e.start, e.end, e.text) for e in result.entities]
    spans += [(i.start, i.end, i.text) for i in result.indicators]
    assert spans
    for start, end, written in spans:
        assert text[start:end] == written


def test_hidden_phone_raises_the_obscured_contact_indicator_in_an_ad() -> None:
    result = extract("incall tonight, call seven oh two five five five oh one four two")
    assert [i.category for i in result.indicators] == ["obscured_contact"]
    assert extract("incall tonight, call (702) 555-0142").indicators == []


def test_a_hidden_phone_in_a_job_offer_is_no_sex_ad_indicator() -> None:
    # obscured_contact is a sex-ad predictor (INDICATORS.md); in a job offer that charges
    # a fee the fee is the indicator, the spelled phone only a phone.
    job = "Hiring pickers, $300 recruitment fee before you start. Text seven oh two 555 0142"
    result = extract(job)
    assert {i.category for i in result.indicators} == {"recruitment_fees"}
    assert [e.obfuscated for e in result.entities if e.type == "phone"] == [True]


@pytest.mark.parametrize(
    "text",
    [
        "call seven oh two five five five oh one four two",  # a phone alone
        "🌹 Mother's Day roses, a dozen $25 🌹 proceeds to the girls' soccer team",
        "Band tour ✈️ new in town every night, tickets $20",
        "Your employer cannot keep your passport. It is illegal. Call the hotline.",
        "¿Te pueden descontar el hospedaje del cheque? Escucha el programa del martes.",
        "Bilingual server wanted, must speak Korean and English, $15/hr",
    ],
)
def test_look_alikes_advice_questions_and_requirements_raise_nothing(text: str) -> None:
    assert extract(text).indicators == []


def test_a_threat_stays_a_threat_in_a_conditional() -> None:
    text = "Farm work, housing provided. If you leave early we call immigration on you."
    assert "threats" in {i.category for i in extract(text).indicators}


def test_emails_payment_handles_and_prices() -> None:
    text = "email candy at gmail dot com or Sam.Demo@Example.org; cashapp $SweetPea99 not $150hh"
    assert _entities(text, "email") == [("candy@gmail.com", True), ("sam.demo@example.org", None)]
    assert [v for v, _ in _entities(text, "payment_handle")] == ["cashapp:$sweetpea99"]
    assert [v for v, _ in _entities("venmo @Fake-Name paypal.me/Fictional", "payment_handle")] == [
        "venmo:fake-name",
        "paypal:fictional",
    ]


def test_locations_come_with_coordinates() -> None:
    (place,) = [e for e in extract("now in Las Vegas").entities if e.type == "location"]
    assert place.value == "Las Vegas, NV" and place.lat and place.lon


def test_every_indicator_category_has_a_rule_and_labor_has_spanish() -> None:
    rules = load_rules()
    positive = {r.category for r in rules if not r.negative and r.context is None}
    assert positive | {"obscured_contact"} == set(CATEGORIES)
    labor = {r.category for r in rules if r.lang == "es" and r.category in CATEGORIES[10:]}
    assert labor == set(CATEGORIES[10:])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("barely legal and sweet, incall", "youth"),
        ("jovencita disponible, servicio completo", "youth"),
        ("Hiring: we keep your passport", "document_retention"),
        ("Se solicitan trabajadores, guardamos tu pasaporte", "document_retention"),
        ("Hiring, placement fee required", "recruitment_fees"),
        ("Job: pay a $500 fee before you start", "recruitment_fees"),
        ("Farm workers wanted, no phones allowed", "isolation"),
        ("Trabajo en el campo: si te vas, llamamos a inmigración", "threats"),
    ],
)
def test_rules_fire_in_english_and_spanish(text: str, category: str) -> None:
    # Each text carries a context word of its domain (a job, an ad): a category counts
    # only in a text of its kind (nlp/patterns/context.jsonl).
    assert category in {i.category for i in extract(text).indicators}


def test_extraction_follows_the_contract() -> None:
    result = extract("New in town, 100% real", "ad-1")
    data = json.loads(result.model_dump_json())
    assert list(data) == ["id", "indicators", "entities", "score", "tier", "explanation"]
    assert Extraction.model_validate(data).id == "ad-1"


def test_a_bad_pattern_entry_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(
        '{"id": "ok", "category": "youth", "lang": "en", "weight": 5, "phrases": ["a"], '
        '"source": "test"}\n'
        '{"id": "broken", "category": "no_such", "lang": "en", "weight": 5, "phrases": ["b"], '
        '"source": "test"}\n'
    )
    with pytest.raises(PatternError, match=r"bad.jsonl:2 \(rule broken\).*unknown category"):
        load_rules(tmp_path)


def test_compiled_phrase_walk_finds_what_the_phrase_matchers_find() -> None:
    """``nlp.matching`` walks the PhraseMatchers' tries itself (the matchers' own search
    measured slower) and skips tokens that start no phrase; on every text of the
    development set, for the keyword, place (case-sensitive) and indicator phrases, it
    must give the matchers' own matches, in their order, with the character offsets."""
    from nlp.matching import phrase_spans
    from nlp.pipeline import get_pipeline

    nlp = get_pipeline()
    indexes = [
        nlp.get_pipe("lantern_selectors").keywords,  # type: ignore[attr-defined]
        nlp.get_pipe("lantern_places").matcher,  # type: ignore[attr-defined]
        nlp.get_pipe("lantern_indicators").matcher,  # type: ignore[attr-defined]
    ]
    texts = [""] + [
        json.loads(line)["text"]
        for path in sorted(Path(__file__).parent.joinpath("devset").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts += [t.upper() for t in texts[:50]] + ["New York New York City Kansas City, MO"]
    found = 0
    for text in texts:
        doc = nlp.make_doc(text)
        for index in indexes:
            spans = phrase_spans(index, doc)
            assert [span[:3] for span in spans] == index.matcher(doc), text
            assert [span[3:] for span in spans] == [
                (doc[s:e].start_char, doc[s:e].end_char) for _, s, e, _, _ in spans
            ]
            found += len(spans)
    assert found > 1000
