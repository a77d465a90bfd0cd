"""Builds the extraction pipeline and turns a processed Doc into the output contract."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from operator import itemgetter
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import nlp.components  # noqa: F401  (registers the factories)
from leads.limits import MAX_TEXT_CHARS
from leads.models import EntityFields, Extraction, IndicatorFields
from leads.scoring import score_fields
from leads.settings import get_settings
from nlp.docdata import TEXT_KEY, get
from nlp.patterndocs import shared_phrase_tokens
from nlp.scan import long_runs

# Texts past leads.limits.MAX_TEXT_CHARS are cut before matching: a 1 MB "ad" is an error
# or an attack, and the offsets of what we keep stay exact.
MAX_CHARS = MAX_TEXT_CHARS
# No run of characters without a space reaches the tokenizer longer than this (see
# nlp.scan.long_runs); real words and links are far shorter.
MAX_TOKEN_CHARS = 400
NER_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "place"}


class ModelError(RuntimeError):
    """The configured statistical model cannot be loaded."""


class TextKeepingTokenizer:
    """Wraps the tokenizer to keep the input string on the Doc (``user_data``).

    Rebuilding ``doc.text`` from tokens costs more than tokenizing; the regex selectors
    need the exact string, so we keep the one we were given.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        runs = long_runs(text, MAX_TOKEN_CHARS)
        doc = self.tokenizer(_broken(text, runs) if runs else text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def __getattr__(self, name: str) -> Any:  # to_disk, from_disk, explain, …
        return getattr(self.tokenizer, name)


def _broken(text: str, runs: list[tuple[int, int]]) -> str:
    """``text`` with a space every ``MAX_TOKEN_CHARS`` characters inside each over-long
    run: the same length, so every offset holds; the selectors still read the text as
    given (``TEXT_KEY``), only the token-based rules see the breaks."""
    chars = list(text)
    for start, end in runs:
        for i in range(start + MAX_TOKEN_CHARS, end, MAX_TOKEN_CHARS):
            chars[i] = " "
    return "".join(chars)


def build_pipeline(model: str | None = None) -> Language:
    """A blank English pipeline plus our rule components.

    ``model`` names an installed spaCy package (e.g. ``en_core_web_sm``) whose NER adds
    PERSON/ORG/GPE entities; the default needs no download and is what the tests use.
    """
    if model:
        try:
            nlp = spacy.load(model, exclude=["lemmatizer", "parser", "tagger"])
        except OSError as exc:
            raise ModelError(
                f"spaCy model {model!r} is not installed (pip install it, or unset "
                f"LANTERN_SPACY_MODEL to use the default rule pipeline): {exc}"
            ) from None
    else:
        nlp = spacy.blank("en")
    nlp.max_length = MAX_CHARS + 1
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    with shared_phrase_tokens(nlp):  # the components' phrases, split once (cached)
        nlp.add_pipe("lantern_selectors")
        nlp.add_pipe("lantern_places")
        nlp.add_pipe("lantern_indicators")
    return nlp


@lru_cache(maxsize=2)
def get_pipeline(model: str | None = None) -> Language:
    nlp = build_pipeline(model)
    # The pipeline (vocab, matchers, gazetteer) lives as long as the process: moving it
    # out of the garbage collector's view keeps every collection from rescanning it,
    # which measured as a third of the time per document on long streams.
    gc.freeze()
    return nlp


def doc_to_extraction(doc: Doc, record_id: str, with_ner: bool = False) -> Extraction:
    indicators: list[IndicatorFields] = get(doc, "lantern_indicators") or []
    entities: list[EntityFields] = [
        *(get(doc, "lantern_entities") or []),
        *(get(doc, "lantern_places") or []),
    ]
    if with_ner:
        for ent in doc.ents:
            if ent.label_ in NER_LABELS:
                entities.append(
                    {
                        "type": NER_LABELS[ent.label_],
                        "value": ent.text,
                        "text": ent.text,
                        "start": ent.start_char,
                        "end": ent.end_char,
                    }
                )
    entities.sort(key=_ENTITY_ORDER)
    scored = score_fields(indicators)
    # One validation for the whole document (see leads.models on the typed dicts).
    return Extraction.model_validate(
        {
            "id": record_id,
            "indicators": indicators,
            "entities": entities,
            "score": scored.score,
            "tier": scored.tier,
            "explanation": scored.explanation,
        }
    )


_ENTITY_ORDER = itemgetter("start", "end", "type")


def _model(model: str | None) -> str | None:
    return model if model is not None else get_settings().spacy_model


def extract(text: str, record_id: str = "", model: str | None = None) -> Extraction:
    nlp = get_pipeline(_model(model))
    return doc_to_extraction(nlp(text[:MAX_CHARS]), record_id, "ner" in nlp.pipe_names)


def extract_many(
    records: Iterable[tuple[str, str]], model: str | None = None, batch_size: int = 256
) -> Iterator[Extraction]:
    """Streams ``(id, text)`` pairs through the pipeline; output keeps input order."""
    nlp = get_pipeline(_model(model))
    with_ner = "ner" in nlp.pipe_names
    pairs = ((text[:MAX_CHARS], rid) for rid, text in records)
    if any(hasattr(proc, "pipe") for _, proc in nlp.pipeline):
        # A statistical model works on batches, which nlp.pipe forms.
        for doc, rid in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            yield doc_to_extraction(doc, rid, with_ner)
        return
    # The rule components take one doc at a time: calling them here skips the layers of
    # generators nlp.pipe adds per doc (measured at ~5% of the time per ad).
    components = [proc for _, proc in nlp.pipeline]
    for text, rid in pairs:
        doc = nlp.make_doc(text)
        for proc in components:
            doc = proc(doc)
        yield doc_to_extraction(doc, rid, with_ner)
