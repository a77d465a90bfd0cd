"""The word model, the statistical second opinion (nlp/wordmodel.py): what it adds, where
it stays silent, what it was trained on, and how a broken model file fails."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from spacy.language import Language

from leads.settings import REPO_ROOT as ROOT
from nlp.components import IndicatorMatcher
from nlp.evaluate import LabeledText
from nlp.pipeline import build_pipeline, doc_to_extraction
from nlp.train import train
from nlp.wordmodel import (
    MODEL_PATH,
    MODEL_WEIGHT,
    ModelFileError,
    WordModel,
    WordModelFile,
    load_word_model,
)
from tests.conftest import CORPUS_DEV, DEVSET

# A job post that keeps workers' papers in words no rule was written for.
KEEPS_PAPERS = (
    "Se busca personal para empacadora en Nebraska. El patrón guarda los documentos de "
    "todos hasta que termine el contrato. Tel 402 555 0181"
)


@pytest.fixture(scope="module")
def with_model() -> Language:
    return build_pipeline()


@pytest.fixture(scope="module")
def rules_only() -> Language:
    nlp = build_pipeline()
    nlp.replace_pipe("lantern_indicators", "lantern_indicators", config={"word_model": "none"})
    return nlp


def categories(nlp: Language, text: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for ind in doc_to_extraction(nlp(text), "t").indicators:
        out.setdefault(ind.category, []).append((ind.rule, ind.text))
    return out


def test_the_model_adds_what_the_rules_miss_and_names_the_words(
    with_model: Language, rules_only: Language
) -> None:
    assert "document_retention" not in categories(rules_only, KEEPS_PAPERS)
    found = doc_to_extraction(with_model(KEEPS_PAPERS), "t").indicators
    added = [i for i in found if i.category == "document_retention"]
    assert added and all(i.rule == "model.document_retention" for i in added)
    assert all(i.weight == MODEL_WEIGHT and i.domain == "labor" for i in added)
    # Each indicator is one triggering word or pair, quoted from the text where it stands.
    assert {KEEPS_PAPERS[i.start : i.end] for i in added} == {i.text for i in added}
    assert "guarda" in {i.text for i in added}
    assert len(added) <= 3
    scored = doc_to_extraction(with_model(KEEPS_PAPERS), "t")
    assert any(r.startswith("document_retention") and "“" in r for r in scored.explanation)


def test_advice_and_questions_silence_the_model(with_model: Language) -> None:
    advice = (
        "Se busca personal para empacadora en Nebraska. Es ilegal que el patrón guarde los "
        "documentos de los trabajadores. Tel 402 555 0181"
    )
    asked = (
        "Se busca personal para empacadora en Nebraska. ¿El patrón guarda los documentos de "
        "todos hasta que termine el contrato? Tel 402 555 0181"
    )
    assert "document_retention" not in categories(with_model, advice)
    assert "document_retention" not in categories(with_model, asked)


def test_the_model_does_not_speak_in_a_text_of_no_kind(with_model: Language) -> None:
    party = (
        "👑 Sweet 16 for our princess Aaliyah-Rose! 👑 Saturday the 22nd, 6pm at the "
        "community center. Pink & gold dress code 💗💗 RSVP to her mom"
    )
    matcher = with_model.get_pipe("lantern_indicators")
    assert isinstance(matcher, IndicatorMatcher) and matcher.read is not None
    reading = matcher.read(with_model.make_doc(party))
    assert reading is not None and reading.categories  # it would guess…
    assert not reading.domains
    assert categories(with_model, party) == {}  # …but nothing shows an ad or a job offer


def test_the_shipped_model_was_trained_on_the_development_part_only() -> None:
    model = WordModel(WordModelFile.model_validate_json(MODEL_PATH.read_text("utf-8")))
    dev = {p.relative_to(ROOT).as_posix(): p for p in DEVSET + CORPUS_DEV}
    seen = {t.file: t for t in model.trained_on}
    # Every development file, as it is now (retrain with `make train` after changing one),
    # and nothing from the test part or the fresh texts.
    assert set(seen) == set(dev), set(seen) ^ set(dev)
    for name, entry in seen.items():
        assert hashlib.sha256(dev[name].read_bytes()).hexdigest() == entry.sha256, name


def test_a_broken_model_file_is_one_clear_error(tmp_path: Path) -> None:
    good = json.loads(MODEL_PATH.read_text("utf-8"))
    cases = {
        "not_json.json": "{",
        "unknown_category.json": json.dumps({**good, "categories": ["nope"] * 20}),
        "bad_column.json": json.dumps({**good, "features": {"w:x": [[99, 1.0]]}}),
        "missing.json": None,
    }
    for name, body in cases.items():
        path = tmp_path / name
        if body is not None:
            path.write_text(body, "utf-8")
        with pytest.raises(ModelFileError) as err:
            load_word_model(path)
        message = str(err.value)
        assert str(path) in message and "\n" not in message, message


def test_training_learns_a_category_from_its_words() -> None:
    def text(i: int, words: str, cats: list[str]) -> LabeledText:
        return LabeledText(
            id=f"t{i}",
            lang="en",
            domain="labor" if cats else "benign",
            text=words,
            categories=cats,
            entities=[],
            source="made up for this test",
        )

    records = [
        text(i, f"crew {i} wanted, the boss keeps your wages till harvest", ["wage_withholding"])
        for i in range(12)
    ] + [text(100 + i, f"crew {i} wanted, weekly pay by direct deposit", []) for i in range(12)]
    data = train(records)
    data["trained_on"] = []
    model = WordModel(WordModelFile.model_validate(data))
    nlp = build_pipeline()
    read = model.reader(nlp.vocab.strings)
    doc = nlp.make_doc("pickers wanted, the boss keeps your wages till harvest")
    held = read(doc)
    assert held is not None and held.categories == ["wage_withholding"]
    words = {doc[a:b].text for a, b, _ in model.triggers(held, "wage_withholding")}
    assert words & {"keeps", "wages", "till", "harvest", "keeps your", "your wages"}
    assert read(nlp.make_doc("pickers wanted, weekly pay by direct deposit")) is None
