"""Builds the extraction pipeline and turns a processed Doc into the output contract."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import nlp.components  # noqa: F401  (registers the factories)
from leads.models import Entity, Extraction
from leads.scoring import score_indicators

# Texts past this length are cut before matching: a 1 MB "ad" is an error or an attack,
# and the offsets of what we keep stay exact.
MAX_CHARS = 200_000


def build_pipeline(model: str | None = None) -> Language:
    """A blank English pipeline plus our rule components.

    ``model`` names an installed spaCy package (e.g. ``en_core_web_sm``) to add its
    statistical NER; the default needs no download.
    """
    nlp = spacy.load(model) if model else spacy.blank("en")
    nlp.max_length = MAX_CHARS + 1
    nlp.add_pipe("lantern_selectors")
    nlp.add_pipe("lantern_indicators")
    return nlp


@lru_cache(maxsize=2)
def get_pipeline(model: str | None = None) -> Language:
    return build_pipeline(model)


def doc_to_extraction(doc: Doc, record_id: str) -> Extraction:
    indicators = doc._.lantern_indicators or []
    entities: list[Entity] = list(doc._.lantern_entities or [])
    for ent in doc.ents:  # only present when a statistical model is configured
        if ent.label_ in ("PERSON", "ORG", "GPE"):
            entities.append(
                Entity(
                    type=ent.label_.lower(),
                    value=ent.text,
                    text=ent.text,
                    start=ent.start_char,
                    end=ent.end_char,
                )
            )
    scored = score_indicators(indicators)
    return Extraction(
        id=record_id,
        indicators=indicators,
        entities=entities,
        score=scored.score,
        tier=scored.tier,
        explanation=scored.explanation,
    )


def extract(text: str, record_id: str = "", model: str | None = None) -> Extraction:
    doc = get_pipeline(model)(text[:MAX_CHARS])
    return doc_to_extraction(doc, record_id)


def extract_many(
    records: Iterable[tuple[str, str]], model: str | None = None, batch_size: int = 256
) -> Iterator[Extraction]:
    """Streams ``(id, text)`` pairs through the pipeline; output keeps input order."""
    nlp = get_pipeline(model)
    pairs = ((text[:MAX_CHARS], rid) for rid, text in records)
    for doc, rid in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield doc_to_extraction(doc, rid)
