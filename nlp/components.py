"""spaCy pipeline components, registered as factories so a pipeline is built from config.

Results live on the Doc: ``doc._.lantern_entities`` and ``doc._.lantern_indicators``.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from leads.models import Entity, Indicator
from leads.taxonomy import load_taxonomy
from nlp.patterns import PATTERNS_DIR, IndicatorRule, load_rules
from nlp.selectors import find_selectors

if not Doc.has_extension("lantern_entities"):
    Doc.set_extension("lantern_entities", default=None)
if not Doc.has_extension("lantern_indicators"):
    Doc.set_extension("lantern_indicators", default=None)


class SelectorExtractor:
    """Runs the compiled selector passes over the text (cheaper than token patterns)."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.lantern_entities = list(find_selectors(doc.text))
        return doc


class IndicatorMatcher:
    """Phrase lists through PhraseMatcher, order-sensitive rules through Matcher."""

    def __init__(self, nlp: Language, patterns_dir: str) -> None:
        self.rules: dict[str, IndicatorRule] = {}
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.tokens = Matcher(nlp.vocab)
        taxonomy = load_taxonomy()
        self.domains = {name: cat.domain for name, cat in taxonomy.items()}
        for rule in load_rules(Path(patterns_dir) if patterns_dir else PATTERNS_DIR):
            self.rules[rule.id] = rule
            if rule.phrases is not None:
                self.phrases.add(rule.id, [nlp.make_doc(p) for p in rule.phrases])
            elif rule.tokens is not None:
                self.tokens.add(rule.id, [rule.tokens])

    def __call__(self, doc: Doc) -> Doc:
        found: list[Indicator] = []
        matches = list(self.phrases(doc)) + list(self.tokens(doc))
        for match_id, start, end in matches:
            rule = self.rules[doc.vocab.strings[match_id]]
            span = doc[start:end]
            found.append(
                Indicator(
                    category=rule.category,
                    domain=self.domains[rule.category],
                    rule=rule.id,
                    weight=rule.weight,
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                )
            )
        found.extend(_obscured_contact(doc._.lantern_entities or []))
        found.sort(key=lambda ind: (ind.start, ind.end, ind.category))
        doc._.lantern_indicators = found
        return doc


def _obscured_contact(entities: list[Entity]) -> list[Indicator]:
    """A phone or email written to defeat collection is itself an indicator."""
    return [
        Indicator(
            category="obscured_contact",
            domain="sex",
            rule=f"selector.{e.type}.obfuscated",
            weight=25,
            text=e.text,
            start=e.start,
            end=e.end,
        )
        for e in entities
        if e.obfuscated and e.type in ("phone", "email")
    ]


@Language.factory("lantern_selectors")
def make_selector_extractor(nlp: Language, name: str) -> SelectorExtractor:
    return SelectorExtractor()


@Language.factory("lantern_indicators", default_config={"patterns_dir": ""})
def make_indicator_matcher(nlp: Language, name: str, patterns_dir: str) -> IndicatorMatcher:
    return IndicatorMatcher(nlp, patterns_dir)
