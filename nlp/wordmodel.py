"""The statistical second opinion: a linear word model that adds categories the rules
missed, each with the words that triggered it.

Rules match the phrasings someone wrote down; posters say the same things in other
words ("pay gets settled up when the season ends"). The model is one logistic
regression per category over a text's words, their five-letter stems (Spanish verb
forms, plurals) and word pairs, trained by ``python -m nlp.train`` on the development
part of the evaluation corpus only (``make train``; the file records which files and
their hashes). It is deliberately small and linear so that every category it adds can
name its evidence: the words with the largest weights in that text.

It never decides a text's kind: a category it proposes counts only in a text whose
domain the rules or context words already show, and never where a rule's negative
(advice, a prohibition, a question) suppresses that category.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import Field, ValidationError
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
from spacy.lang.es.stop_words import STOP_WORDS as ES_STOP
from spacy.strings import StringStore
from spacy.tokens import Doc

from leads.models import Domain
from leads.taxonomy import load_taxonomy
from leads.validation import Strict, validation_message
from nlp.wordscore import Scored, WordScorer

MODEL_PATH = Path(__file__).with_name("data") / "word_model.json"
# A guess is weaker than a rule a person wrote and checked: the model's indicators carry
# this weight (the rules' vaguer phrasings carry 12–14), so a lead never rests on them.
MODEL_WEIGHT = 10.0
# The model speaks only where the rules found fewer categories than this. In five-fold
# cross-validation on the development part, what it added to texts where the rules had
# found three or more was 8 right to 22 wrong; below three, 62 right to 17 wrong.
MODEL_SPEAKS_BELOW = 3
# Whether a contact is hidden is read from the selectors themselves (nlp/phones.py knows a
# spelled or spaced phone); words like "5 5" are no evidence of it.
NOT_GUESSED = frozenset({"obscured_contact"})
# Words named as a category's evidence: enough to judge the guess by, few enough to read.
TRIGGERS = 3
STEM = 5  # letters kept of a word of STEM + 2 or more as its stem feature


class Reading(NamedTuple):
    """What the model read in one text: the categories and domains it is sure enough
    of, and the compiled reading that names each category's triggers."""

    categories: list[str]
    domains: set[str]
    scored: Scored


class ModelFileError(ValueError):
    """A word-model file that cannot be used."""


class TrainedOn(Strict):
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    texts: int = Field(ge=0)


class WordModelFile(Strict):
    format: int = Field(ge=1, le=1)
    trained_on: list[TrainedOn]
    categories: list[str]
    domains: list[Domain]
    threshold: float = Field(gt=0, lt=1)
    domain_threshold: float = Field(gt=0, lt=1)
    bias: list[float]
    features: dict[str, list[tuple[int, float]]]


def normalize(word: str) -> str:
    """Lower case without accents: "Trabajarás" and "trabajaras" are one word."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Function words ("se", "lo", "the") and bare digits or punctuation are never evidence on
# their own, so they are no single-word features; inside a pair they still count ("no
# salir", "dijo que").
STOP = frozenset(normalize(w) for w in EN_STOP | ES_STOP)


def _kind(word: str) -> int:
    """2: a content word or an emoji; 1: a function word or a number; 0: punctuation."""
    if any(ch.isalpha() for ch in word):
        return 1 if word in STOP else 2
    if any(unicodedata.category(ch) == "So" for ch in word):
        return 2
    return 1 if any(ch.isdigit() for ch in word) else 0


def word_features(words: Sequence[str]) -> list[tuple[str, int, int]]:
    """Features of normalized words with the token range each covers: a content word
    (``w:``), its stem (``s:``) and the pair with the word before it (``p:``).
    Training and prediction both use this one definition."""
    out: list[tuple[str, int, int]] = []
    before = 0
    for i, word in enumerate(words):
        kind = _kind(word)
        if kind == 2:
            out.append(("w:" + word, i, i + 1))
            if len(word) >= STEM + 2:
                out.append(("s:" + word[:STEM], i, i + 1))
        if kind and before:
            out.append(("p:" + words[i - 1] + " " + word, i - 1, i + 1))
        before = kind
    return out


class WordModel:
    """Category guesses for one document, with the token ranges that drove each."""

    def __init__(self, data: WordModelFile) -> None:
        taxonomy = load_taxonomy()
        unknown = sorted({c for c in data.categories if c not in taxonomy})
        # One column per category, then one per domain (is this text of that kind?).
        columns = len(data.categories) + len(data.domains)
        if unknown or len(data.bias) != columns:
            raise ModelFileError(f"categories {unknown} unknown, or biases miscounted")
        self.categories = data.categories
        self.domains = data.domains
        self.trained_on = data.trained_on
        self.bias = np.asarray(data.bias, dtype=np.float32)
        # Probability thresholds as logits: no sigmoid per document.
        self.cutoff = np.asarray(
            [_logit(data.threshold)] * len(data.categories)
            + [_logit(data.domain_threshold)] * len(data.domains),
            dtype=np.float32,
        )
        self.rows: dict[str, int] = {}
        self.weights = np.zeros((len(data.features) + 1, columns), np.float32)
        for row, (feature, entries) in enumerate(sorted(data.features.items()), 1):
            self.rows[feature] = row
            for cat, weight in entries:
                if not 0 <= cat < columns:
                    raise ModelFileError(f"feature {feature!r} names category #{cat}")
                self.weights[row, cat] = weight
        # Words that start or end a pair feature, and the pairs, keyed by small ids so a
        # document's pairs are looked up without building strings.
        self.pair_word: dict[str, int] = {}
        self.pair_rows: dict[tuple[int, int], int] = {}
        for feature, row in self.rows.items():
            if feature.startswith("p:"):
                a, b = feature[2:].split(" ", 1)
                ids = (self.pair_word.setdefault(a, len(self.pair_word)),
                       self.pair_word.setdefault(b, len(self.pair_word)))  # fmt: skip
                self.pair_rows[ids] = row
        self.column = {name: n for n, name in enumerate(self.categories)}

    def reader(self, strings: StringStore) -> Callable[[Doc], Reading | None]:
        """Reads documents of a vocabulary with these ``strings`` (the compiled sums in
        ``nlp/wordscore.pyx``; a word seen for the first time is resolved here)."""

        def resolve(lower: int) -> tuple[int, int, int]:
            word = normalize(strings[lower])
            stem = self.rows.get("s:" + word[:STEM], 0) if len(word) >= STEM + 2 else 0
            return self.rows.get("w:" + word, 0), stem, self.pair_word.get(word, -1)

        n = len(self.categories)
        skip = {c for c, name in enumerate(self.categories) if name in NOT_GUESSED}
        scorer = WordScorer(self.weights, self.bias, self.cutoff, n, self.pair_rows, resolve)

        def read(doc: Doc) -> Reading | None:
            scored = scorer.score(doc)
            if scored is None:
                return None
            return Reading(
                [self.categories[c] for c in scored.passed if c < n and c not in skip],
                {self.domains[c - n] for c in scored.passed if c >= n},
                scored,
            )

        return read

    def triggers(self, reading: Reading, category: str) -> list[tuple[int, int, float]]:
        """A category's strongest evidence in the text read, as (first token, end
        token, weight), strongest first: the words the model's guess rests on."""
        return reading.scored.triggers(self.column[category], TRIGGERS)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def load_word_model(path: Path | str = MODEL_PATH) -> WordModel:
    """The model in ``path``; a missing or malformed file is one clear error."""
    return _load(str(path))


@lru_cache(maxsize=2)
def _load(path: str) -> WordModel:
    try:
        # Parsed and validated in one pass (pydantic's JSON parser): a third of the time
        # json.loads and then validating the objects took, paid at every start-up.
        return WordModel(WordModelFile.model_validate_json(Path(path).read_bytes()))
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read the word model: {exc}") from None
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise ModelFileError(f"{path}: not JSON: {exc.errors()[0]['msg']}") from None
        raise ModelFileError(f"{path}: {validation_message(exc)}") from None
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
